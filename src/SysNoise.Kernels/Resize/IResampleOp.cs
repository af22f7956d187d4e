using System.Runtime.Intrinsics;

namespace SysNoise.Kernels.Resize;

/// <summary>
/// The numerics of one resampling pass along one axis: how a library accumulates
/// <c>Σ sample·weight</c> and how it rounds the sum to the pass's output type.
/// Implementations are readonly structs so that ILGPU and the JIT specialise them;
/// they are the single place each variant's arithmetic is written, called by both
/// the ILGPU kernel and the host loop.
/// </summary>
/// <typeparam name="TIn">Sample type read by the pass.</typeparam>
/// <typeparam name="TCoeff">Weight type stored in the <see cref="AxisWeights{TCoeff}"/>.</typeparam>
/// <typeparam name="TAcc">Accumulator type.</typeparam>
/// <typeparam name="TOut">Sample type written by the pass.</typeparam>
public interface IResampleOp<TIn, TCoeff, TAcc, TOut>
    where TIn : unmanaged
    where TCoeff : unmanaged
    where TAcc : unmanaged
    where TOut : unmanaged
{
    /// <summary>The accumulator before the first tap.</summary>
    /// <param name="lane">As in <see cref="Finish"/>: an op whose arithmetic depends on the SIMD lane
    /// (e.g. FMA in a library's vector body but not in its scalar tail) records it in the accumulator.</param>
    TAcc Begin(int lane);

    /// <summary>Adds one tap. Taps arrive in weight-map order, which is the library's order.</summary>
    TAcc Accumulate(TAcc acc, TIn sample, TCoeff weight);

    /// <summary>Rounds the accumulator to the output type.</summary>
    /// <param name="acc">The accumulated sum.</param>
    /// <param name="lane">Position of the element along the pass's contiguous axis
    /// (for a vertical pass, x·channels + c). Only ops whose rounding depends on the
    /// SIMD lane a library computes the element in read it.</param>
    TOut Finish(TAcc acc, int lane);
}

/// <summary>
/// The host's eight-lane form of an <see cref="IResampleOp{TIn,TCoeff,TAcc,TOut}"/> whose arithmetic is 32-bit
/// integer: lane i computes exactly what the scalar methods compute for one element (the same integer formula,
/// with the same wrap-around, on each lane). Only the host loops (<see cref="ResampleRows"/>) call it; the ILGPU
/// kernels run the scalar methods. Samples arrive widened to int, weights broadcast or per lane; the finished
/// value is the scalar <c>Finish</c>'s, as int.
/// </summary>
public interface IInt32Lanes
{
    Vector256<int> BeginLanes();

    Vector256<int> AccumulateLanes(Vector256<int> acc, Vector256<int> sample, Vector256<int> weight);

    Vector256<int> FinishLanes(Vector256<int> acc);
}

/// <summary>A per-pixel map on 4-channel pixels (e.g. Pillow's RGBA premultiplication).</summary>
public interface IPixel4Op<T>
    where T : unmanaged
{
    void Apply(ref T c0, ref T c1, ref T c2, ref T c3);
}
