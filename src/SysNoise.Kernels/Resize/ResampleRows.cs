using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SysNoise.Kernels.Resize.OpenCv;
using SysNoise.Kernels.Resize.Pillow;

namespace SysNoise.Kernels.Resize;

/// <summary>
/// The host's row loops for axis passes: one output row of a horizontal pass (taps along the row, inner = channels)
/// or of a vertical pass (taps across rows). Ops with an eight-lane form (<see cref="IInt32Lanes"/>, and the IPP cubic
/// float ops, whose lanes are written out here) run eight elements per instruction; every other op, and the elements
/// after the last whole group of eight, run the scalar op. Either way each element sees its taps in the weight map's
/// order through the same arithmetic, so the bytes are those of <see cref="ResampleKernels.AxisPass{TIn,TCoeff,TAcc,TOut,TOp}"/>.
/// </summary>
public static unsafe class ResampleRows
{
    /// <summary>Whether the eight-lane forms can run on this machine.</summary>
    public static bool LanesSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// One row of a horizontal pass: <paramref name="source"/> holds the row's input (<c>weights.SourceLength · channels</c>
    /// elements), of which <paramref name="readable"/> elements from it may be read (gathers read up to 3 bytes past a byte sample).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Horizontal<TIn, TCoeff, TAcc, TOut, TOp>(TIn* source, nint readable, TOut* destination, AxisWeights<TCoeff> weights, int channels, TOp op)
        where TIn : unmanaged
        where TCoeff : unmanaged
        where TAcc : unmanaged
        where TOut : unmanaged
        where TOp : struct, IResampleOp<TIn, TCoeff, TAcc, TOut>
    {
        if (LanesSupported && channels <= 4)
        {
            if (typeof(TOp) == typeof(IntSumOp))
            {
                // An exact integer sum: two adjacent taps can be one read and one pmaddwd.
                if (weights.LanesFor(channels).Pairs is not null)
                {
                    HorizontalPairs((byte*)source, readable, (int*)destination, (AxisWeights<int>)(object)weights, channels, (IntSumOp)(object)op, saturate: false);
                }
                else
                {
                    HorizontalInt32((byte*)source, readable, (int*)destination, (AxisWeights<int>)(object)weights, channels, (IntSumOp)(object)op);
                }

                return;
            }

            if (typeof(TOp) == typeof(LinearExactHorizontalOp))
            {
                // min(min(a, M) + b, M) = min(a + b, M) when a, b ≥ 0: the pair sum saturated once is the op's result.
                HorizontalLanes<TCoeff> lanes = weights.LanesFor(channels);
                if (lanes.Pairs is not null && lanes.PairsNonNegative)
                {
                    HorizontalPairs((byte*)source, readable, (int*)destination, (AxisWeights<int>)(object)weights, channels, (LinearExactHorizontalOp)(object)op, saturate: true);
                }
                else
                {
                    HorizontalInt32((byte*)source, readable, (int*)destination, (AxisWeights<int>)(object)weights, channels, (LinearExactHorizontalOp)(object)op);
                }

                return;
            }

            if (typeof(TOp) == typeof(PillowClip8Op))
            {
                HorizontalInt32((byte*)source, readable, (byte*)destination, (AxisWeights<int>)(object)weights, channels, (PillowClip8Op)(object)op);
                return;
            }

            if (typeof(TOp) == typeof(AreaHorizontalOp))
            {
                HorizontalFloatSum((byte*)source, readable, (float*)destination, (AxisWeights<float>)(object)weights, channels, (AreaHorizontalOp)(object)op);
                return;
            }

            if (typeof(TOp) == typeof(IppCubicSecondPassOp) && weights.LanesFor(channels).Uniform)
            {
                HorizontalFmaRounded((float*)source, readable, (byte*)destination, (AxisWeights<float>)(object)weights, channels, (IppCubicSecondPassOp)(object)op);
                return;
            }
        }

        HorizontalScalar<TIn, TCoeff, TAcc, TOut, TOp>(source, destination, weights, channels, op, 0);
    }

    /// <summary>
    /// One row of a vertical pass: output element i of <paramref name="destination"/> accumulates element i of
    /// <paramref name="rows"/>[k] with <paramref name="weights"/>[k], k &lt; <paramref name="count"/>, in that order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vertical<TIn, TCoeff, TAcc, TOut, TOp>(nint* rows, TCoeff* weights, int count, TOut* destination, int length, TOp op)
        where TIn : unmanaged
        where TCoeff : unmanaged
        where TAcc : unmanaged
        where TOut : unmanaged
        where TOp : struct, IResampleOp<TIn, TCoeff, TAcc, TOut>
    {
        if (LanesSupported)
        {
            if (typeof(TOp) == typeof(LinearVerticalOp))
            {
                VerticalInt32<int, int, LinearVerticalOp>(rows, (int*)weights, count, (byte*)destination, length, (LinearVerticalOp)(object)op);
                return;
            }

            if (typeof(TOp) == typeof(FixedPoint22VerticalOp))
            {
                VerticalInt32<int, int, FixedPoint22VerticalOp>(rows, (int*)weights, count, (byte*)destination, length, (FixedPoint22VerticalOp)(object)op);
                return;
            }

            if (typeof(TOp) == typeof(AreaFastVerticalOp))
            {
                VerticalInt32<int, int, AreaFastVerticalOp>(rows, (int*)weights, count, (byte*)destination, length, (AreaFastVerticalOp)(object)op);
                return;
            }

            if (typeof(TOp) == typeof(LinearExactVerticalOp))
            {
                VerticalInt32<int, uint, LinearExactVerticalOp>(rows, (int*)weights, count, (byte*)destination, length, (LinearExactVerticalOp)(object)op);
                return;
            }

            if (typeof(TOp) == typeof(PillowClip8Op))
            {
                VerticalInt32<byte, int, PillowClip8Op>(rows, (int*)weights, count, (byte*)destination, length, (PillowClip8Op)(object)op);
                return;
            }

            if (typeof(TOp) == typeof(AreaVerticalOp))
            {
                VerticalFloatRound(rows, (float*)weights, count, (byte*)destination, length);
                return;
            }

            if (typeof(TOp) == typeof(IppCubicFirstPassOp))
            {
                VerticalFma(rows, (float*)weights, count, (float*)destination, length);
                return;
            }
        }

        VerticalScalar<TIn, TCoeff, TAcc, TOut, TOp>(rows, weights, count, destination, 0, length, op);
    }

    /// <summary>Elements <paramref name="from"/>.. of a horizontal row through the scalar op (element e = x·C + c, lane c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HorizontalScalar<TIn, TCoeff, TAcc, TOut, TOp>(TIn* source, TOut* destination, AxisWeights<TCoeff> weights, int channels, TOp op, int from)
        where TIn : unmanaged
        where TCoeff : unmanaged
        where TAcc : unmanaged
        where TOut : unmanaged
        where TOp : struct, IResampleOp<TIn, TCoeff, TAcc, TOut>
    {
        int elements = weights.Length * channels;
        int taps = weights.Taps;
        fixed (int* index = weights.Index)
        fixed (int* counts = weights.Count)
        fixed (TCoeff* coeff = weights.Coeff)
        {
            for (int e = from; e < elements; e++)
            {
                int x = e / channels, c = e - (x * channels);
                int row = x * taps;
                TAcc acc = op.Begin(c);
                for (int k = 0; k < counts[x]; k++)
                {
                    acc = op.Accumulate(acc, source[(index[row + k] * channels) + c], coeff[row + k]);
                }

                destination[e] = op.Finish(acc, c);
            }
        }
    }

    /// <summary>Elements <paramref name="from"/>..<paramref name="to"/> of a vertical row through the scalar op (lane = element).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void VerticalScalar<TIn, TCoeff, TAcc, TOut, TOp>(nint* rows, TCoeff* weights, int count, TOut* destination, int from, int to, TOp op)
        where TIn : unmanaged
        where TCoeff : unmanaged
        where TAcc : unmanaged
        where TOut : unmanaged
        where TOp : struct, IResampleOp<TIn, TCoeff, TAcc, TOut>
    {
        for (int i = from; i < to; i++)
        {
            TAcc acc = op.Begin(i);
            for (int k = 0; k < count; k++)
            {
                acc = op.Accumulate(acc, ((TIn*)rows[k])[i], weights[k]);
            }

            destination[i] = op.Finish(acc, i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HorizontalInt32<TOut, TOp>(byte* source, nint readable, TOut* destination, AxisWeights<int> weights, int channels, TOp op)
        where TOut : unmanaged
        where TOp : struct, IResampleOp<byte, int, int, TOut>, IInt32Lanes
    {
        HorizontalLanes<int> lanes = weights.LanesFor(channels);
        int* offsets = (int*)Unsafe.AsPointer(ref lanes.Offset[0]);
        int* coeff = (int*)Unsafe.AsPointer(ref lanes.Weight[0]);
        int stride = lanes.Stride, taps = lanes.Taps;
        int chunk = 0;
        for (; chunk < lanes.Chunks; chunk++)
        {
            // A byte gather reads four bytes at each offset.
            if (lanes.Reach[chunk] + 4 > readable)
            {
                break;
            }

            int e = chunk * Int32Lanes.Count;
            Vector256<int> acc = op.BeginLanes();
            for (int k = 0; k < taps; k++)
            {
                int o = (k * stride) + e;
                acc = op.AccumulateLanes(acc, Int32Lanes.Gather(source, Avx.LoadVector256(offsets + o)), Avx.LoadVector256(coeff + o));
            }

            Int32Lanes.Store(destination + e, op.FinishLanes(acc));
        }

        HorizontalScalar<byte, int, int, TOut, TOp>(source, destination, weights, channels, op, chunk * Int32Lanes.Count);
    }

    /// <summary>
    /// Two-tap integer rows (see <see cref="HorizontalLanes{TCoeff}.Pairs"/>): one 32-bit gather per eight elements
    /// reads both samples (bytes 0 and C of each lane), a byte shuffle makes them an int16 pair and <c>pmaddwd</c> forms
    /// <c>s0·w0 + s1·w1</c> exactly; with <paramref name="saturate"/> the sum is then capped at 65535 (LinearExactHorizontalOp).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HorizontalPairs<TOp>(byte* source, nint readable, int* destination, AxisWeights<int> weights, int channels, TOp op, bool saturate)
        where TOp : struct, IResampleOp<byte, int, int, int>
    {
        HorizontalLanes<int> lanes = weights.LanesFor(channels);
        int* offsets = (int*)Unsafe.AsPointer(ref lanes.Offset[0]);
        int* pairs = (int*)Unsafe.AsPointer(ref lanes.Pairs![0]);
        sbyte second = (sbyte)channels;
        Vector256<sbyte> spread = Vector256.Create(0, -128, second, -128, 4, -128, (sbyte)(4 + second), -128, 8, -128, (sbyte)(8 + second), -128, 12, -128, (sbyte)(12 + second), -128,
            0, -128, second, -128, 4, -128, (sbyte)(4 + second), -128, 8, -128, (sbyte)(8 + second), -128, 12, -128, (sbyte)(12 + second), -128);
        Vector256<int> cap = Vector256.Create((int)ushort.MaxValue);
        int chunk = 0;
        if (Avx512Vbmi.IsSupported && lanes.PairWindowBase is { } bases)
        {
            // 16 elements per step: both samples of every element come out of one 128-byte window by one vpermi2b,
            // widened to int16 pairs for vpmaddwd.
            byte* index = (byte*)Unsafe.AsPointer(ref lanes.PairWindowIndex![0]);
            int size = lanes.PairChunk;
            Vector512<int> cap16 = Vector512.Create((int)ushort.MaxValue);
            int wide = 0;
            for (; wide < bases.Length; wide++)
            {
                int start = bases[wide];
                if (start + 128 > readable)
                {
                    break;
                }

                int e = wide * size;
                if (size == 16)
                {
                    Vector512<byte> picked = Avx512Vbmi.PermuteVar64x8x2(
                        Vector512.Load(source + start), Vector256.Load(index + (wide * 32)).ToVector512Unsafe(), Vector512.Load(source + start + 64));
                    Vector512<int> sum = Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(picked.GetLower()), Vector512.Load(pairs + e).AsInt16());
                    (saturate ? Vector512.Min(sum, cap16) : sum).Store(destination + e);
                }
                else
                {
                    Vector512<byte> picked = Avx512Vbmi.PermuteVar64x8x2(
                        Vector512.Load(source + start), Vector128.Load(index + (wide * 16)).ToVector256Unsafe().ToVector512Unsafe(), Vector512.Load(source + start + 64));
                    Vector256<int> sum = Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(picked.GetLower().GetLower()), Avx.LoadVector256(pairs + e).AsInt16());
                    Avx.Store(destination + e, saturate ? Vector256.Min(sum, cap) : sum);
                }
            }

            chunk = wide * size / Int32Lanes.Count;
        }

        for (; chunk < lanes.Chunks; chunk++)
        {
            if (lanes.Reach[chunk] + 4 > readable)
            {
                break;
            }

            int e = chunk * Int32Lanes.Count;
            Vector256<byte> samples = Avx2.GatherVector256((int*)source, Avx.LoadVector256(offsets + e), 1).AsByte();
            Vector256<int> sum = Avx2.MultiplyAddAdjacent(Avx2.Shuffle(samples, spread.AsByte()).AsInt16(), Avx.LoadVector256(pairs + e).AsInt16());
            Avx.Store(destination + e, saturate ? Vector256.Min(sum, cap) : sum);
        }

        HorizontalScalar<byte, int, int, int, TOp>(source, destination, weights, channels, op, chunk * Int32Lanes.Count);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void VerticalInt32<TIn, TAcc, TOp>(nint* rows, int* weights, int count, byte* destination, int length, TOp op)
        where TIn : unmanaged
        where TAcc : unmanaged
        where TOp : struct, IResampleOp<TIn, int, TAcc, byte>, IInt32Lanes
    {
        if (length < Int32Lanes.Count)
        {
            VerticalScalar<TIn, int, TAcc, byte, TOp>(rows, weights, count, destination, 0, length, op);
            return;
        }

        // The last step starts at length − 8, recomputing a few elements of the previous one (same values): no scalar tail.
        int last = length - Int32Lanes.Count;
        if (count == 2)
        {
            // The common two-tap case (bilinear): both rows and weights in registers.
            TIn* r0 = (TIn*)rows[0], r1 = (TIn*)rows[1];
            Vector256<int> w0 = Vector256.Create(weights[0]), w1 = Vector256.Create(weights[1]);
            for (int i = 0; ; i += Int32Lanes.Count)
            {
                i = Math.Min(i, last);
                Vector256<int> acc = op.AccumulateLanes(op.BeginLanes(), Int32Lanes.Load(r0 + i), w0);
                Int32Lanes.Store(destination + i, op.FinishLanes(op.AccumulateLanes(acc, Int32Lanes.Load(r1 + i), w1)));
                if (i == last)
                {
                    break;
                }
            }
        }
        else
        {
            for (int i = 0; ; i += Int32Lanes.Count)
            {
                i = Math.Min(i, last);
                Vector256<int> acc = op.BeginLanes();
                for (int k = 0; k < count; k++)
                {
                    acc = op.AccumulateLanes(acc, Int32Lanes.Load((TIn*)rows[k] + i), Vector256.Create(weights[k]));
                }

                Int32Lanes.Store(destination + i, op.FinishLanes(acc));
                if (i == last)
                {
                    break;
                }
            }
        }
    }

    /// <summary>
    /// <see cref="AreaHorizontalOp"/> on eight lanes: <c>acc = acc + s·w</c> from +0, a multiply then an add (no FMA), taps
    /// in map order. Padding taps add <c>s·0 = +0</c>, which leaves any sum other than −0 unchanged, and a sum from +0
    /// never becomes −0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HorizontalFloatSum(byte* source, nint readable, float* destination, AxisWeights<float> weights, int channels, AreaHorizontalOp op)
    {
        HorizontalLanes<float> lanes = weights.LanesFor(channels);
        int* offsets = (int*)Unsafe.AsPointer(ref lanes.Offset[0]);
        float* coeff = (float*)Unsafe.AsPointer(ref lanes.Weight[0]);
        int stride = lanes.Stride, taps = lanes.Taps;
        int chunk = 0;
        for (; chunk < lanes.Chunks; chunk++)
        {
            if (lanes.Reach[chunk] + 4 > readable)
            {
                break;
            }

            int e = chunk * Int32Lanes.Count;
            Vector256<float> acc = Vector256<float>.Zero;
            for (int k = 0; k < taps; k++)
            {
                int o = (k * stride) + e;
                Vector256<float> s = Avx.ConvertToVector256Single(Int32Lanes.Gather(source, Avx.LoadVector256(offsets + o)));
                acc += s * Avx.LoadVector256(coeff + o);
            }

            Avx.Store(destination + e, acc);
        }

        HorizontalScalar<byte, float, float, float, AreaHorizontalOp>(source, destination, weights, channels, op, chunk * Int32Lanes.Count);
    }

    /// <summary><see cref="AreaVerticalOp"/> on eight lanes: <c>acc = acc + w·s</c> (no FMA), then round half to even and saturate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void VerticalFloatRound(nint* rows, float* weights, int count, byte* destination, int length)
    {
        if (length < Int32Lanes.Count)
        {
            VerticalScalar<float, float, float, byte, AreaVerticalOp>(rows, weights, count, destination, 0, length, default);
            return;
        }

        for (int i = 0, last = length - Int32Lanes.Count; ; i += Int32Lanes.Count)
        {
            i = Math.Min(i, last);
            Vector256<float> acc = Vector256<float>.Zero;
            for (int k = 0; k < count; k++)
            {
                acc += Vector256.Create(weights[k]) * Avx.LoadVector256((float*)rows[k] + i);
            }

            Int32Lanes.Store(destination + i, Int32Lanes.SaturateToByte(Int32Lanes.RoundHalfEven(acc)));
            if (i == last)
            {
                break;
            }
        }
    }

    /// <summary><see cref="IppCubicFirstPassOp"/> on 16 (AVX-512) or 8 lanes: <c>acc = fma(s, w, acc)</c> from +0, tap by tap.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void VerticalFma(nint* rows, float* weights, int count, float* destination, int length)
    {
        int i = 0;
        if (Avx512F.IsSupported && length >= 16)
        {
            // The last step starts at length − 16 (recomputing, with the same values, what the previous one wrote).
            for (int last = length - 16; ; i += 16)
            {
                i = Math.Min(i, last);
                Vector512<float> acc = Vector512<float>.Zero;
                for (int k = 0; k < count; k++)
                {
                    Vector512<float> s = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector128.Load((byte*)rows[k] + i)));
                    acc = Avx512F.FusedMultiplyAdd(s, Vector512.Create(weights[k]), acc);
                }

                acc.Store(destination + i);
                if (i == last)
                {
                    return;
                }
            }
        }

        for (; i + Int32Lanes.Count <= length; i += Int32Lanes.Count)
        {
            Vector256<float> acc = Vector256<float>.Zero;
            for (int k = 0; k < count; k++)
            {
                Vector256<float> s = Avx.ConvertToVector256Single(Int32Lanes.LoadBytes((byte*)rows[k] + i));
                acc = Fma.MultiplyAdd(s, Vector256.Create(weights[k]), acc);
            }

            Avx.Store(destination + i, acc);
        }

        VerticalScalar<byte, float, float, float, IppCubicFirstPassOp>(rows, weights, count, destination, i, length, default);
    }

    /// <summary><see cref="IppCubicSecondPassOp"/> on eight lanes: the fma chain, then round half to even and saturate.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HorizontalFmaRounded(float* source, nint readable, byte* destination, AxisWeights<float> weights, int channels, IppCubicSecondPassOp op)
    {
        HorizontalLanes<float> lanes = weights.LanesFor(channels);
        int* offsets = (int*)Unsafe.AsPointer(ref lanes.Offset[0]);
        float* coeff = (float*)Unsafe.AsPointer(ref lanes.Weight[0]);
        int stride = lanes.Stride, taps = lanes.Taps;
        int chunk = 0;
        if (Avx512F.IsSupported && lanes.WindowBase is { } bases)
        {
            // Each chunk's taps lie in one 32-float window: two loads and one vpermi2ps per tap instead of a gather.
            int* index = (int*)Unsafe.AsPointer(ref lanes.WindowIndex![0]);
            for (; chunk < lanes.Chunks; chunk++)
            {
                int start = bases[chunk];
                if (start + HorizontalLanes<float>.WindowElements > readable)
                {
                    break;
                }

                int e = chunk * Int32Lanes.Count;
                Vector512<float> low = Vector512.Load(source + start), high = Vector512.Load(source + start + 16);
                Vector256<float> acc = Vector256<float>.Zero;
                for (int k = 0; k < taps; k++)
                {
                    Vector512<int> at = Avx.LoadVector256(index + (((chunk * taps) + k) * Int32Lanes.Count)).ToVector512Unsafe();
                    acc = Fma.MultiplyAdd(Avx512F.PermuteVar16x32x2(low, at, high).GetLower(), Avx.LoadVector256(coeff + (k * stride) + e), acc);
                }

                Int32Lanes.Store(destination + e, Int32Lanes.SaturateToByte(Int32Lanes.RoundHalfEven(acc)));
            }
        }

        for (; chunk < lanes.Chunks; chunk++)
        {
            int e = chunk * Int32Lanes.Count;
            Vector256<float> acc = Vector256<float>.Zero;
            for (int k = 0; k < taps; k++)
            {
                int o = (k * stride) + e;
                acc = Fma.MultiplyAdd(Avx2.GatherVector256(source, Avx.LoadVector256(offsets + o), 4), Avx.LoadVector256(coeff + o), acc);
            }

            Int32Lanes.Store(destination + e, Int32Lanes.SaturateToByte(Int32Lanes.RoundHalfEven(acc)));
        }

        HorizontalScalar<float, float, float, byte, IppCubicSecondPassOp>(source, destination, weights, channels, op, lanes.Chunks * Int32Lanes.Count);
    }
}
