using System.Reflection;
using SysNoise.Kernels.Resize;
using SysNoise.Runtime.Devices;

namespace SysNoise.Runtime.Resize;

/// <summary>One step of a <see cref="ResizePlan"/>: consumes a device buffer, returns the next one.</summary>
public abstract class PlanStep
{
    /// <summary>Runs the step into a new buffer; the input is never written.</summary>
    public abstract DeviceBuffer Run(Device device, DeviceBuffer input);

    /// <summary>The ILGPU kernel this step launches, instantiated for its types (for ahead-of-time compile checks).</summary>
    public abstract MethodInfo KernelMethod { get; }

    protected static MethodInfo KernelOf(string name, params Type[] typeArguments)
        => typeof(ResampleKernels).GetMethod(name)!.MakeGenericMethod(typeArguments);
}

/// <summary>A resampling pass along one axis through <typeparamref name="TOp"/>.</summary>
public sealed class AxisPassStep<TIn, TCoeff, TAcc, TOut, TOp> : PlanStep
    where TIn : unmanaged
    where TCoeff : unmanaged
    where TAcc : unmanaged
    where TOut : unmanaged
    where TOp : struct, IResampleOp<TIn, TCoeff, TAcc, TOut>
{
    public AxisPassStep(AxisWeights<TCoeff> weights, PassGeometry geometry, TOp op)
    {
        Weights = weights;
        Geometry = geometry;
        Op = op;
    }

    public AxisWeights<TCoeff> Weights { get; }

    public PassGeometry Geometry { get; }

    public TOp Op { get; }

    public override DeviceBuffer Run(Device device, DeviceBuffer input)
    {
        var output = device.Allocate<TOut>(Geometry.OutputElements);
        device.AxisPass<TIn, TCoeff, TAcc, TOut, TOp>((DeviceBuffer<TIn>)input, output, Weights, Geometry, Op);
        return output;
    }

    public override MethodInfo KernelMethod
        => KernelOf(nameof(ResampleKernels.AxisPass), typeof(TIn), typeof(TCoeff), typeof(TAcc), typeof(TOut), typeof(TOp));
}

/// <summary>Nearest neighbour in one pass: a row map and a column map (one tap each; no tap reads 0).</summary>
public sealed class Gather2DStep<T>(AxisWeights<byte> rows, AxisWeights<byte> columns, int channels) : PlanStep
    where T : unmanaged
{
    public override DeviceBuffer Run(Device device, DeviceBuffer input)
    {
        var geometry = new GatherGeometry(columns.SourceLength, rows.Length, columns.Length, channels);
        var output = device.Allocate<T>(geometry.OutputElements);
        device.Gather2D((DeviceBuffer<T>)input, output, rows, columns, geometry);
        return output;
    }

    public override MethodInfo KernelMethod => KernelOf(nameof(ResampleKernels.Gather2D), typeof(T));
}

/// <summary>A per-pixel map over 4-channel pixels.</summary>
public sealed class Pixel4Step<T, TOp>(TOp op) : PlanStep
    where T : unmanaged
    where TOp : struct, IPixel4Op<T>
{
    public override DeviceBuffer Run(Device device, DeviceBuffer input)
    {
        var output = device.Allocate<T>(input.Length);
        device.Pixel4Map((DeviceBuffer<T>)input, output, op);
        return output;
    }

    public override MethodInfo KernelMethod => KernelOf(nameof(ResampleKernels.Pixel4Map), typeof(T), typeof(TOp));
}

/// <summary>
/// A resize compiled for one geometry: the steps from an H×W×C input to an outH×outW×C output.
/// Built once per geometry and cached by the variant; weight maps inside are shared.
/// </summary>
public sealed class ResizePlan
{
    public ResizePlan(int outHeight, int outWidth, int channels, IReadOnlyList<PlanStep> steps)
    {
        OutHeight = outHeight;
        OutWidth = outWidth;
        Channels = channels;
        Steps = steps;
    }

    public int OutHeight { get; }

    public int OutWidth { get; }

    public int Channels { get; }

    public IReadOnlyList<PlanStep> Steps { get; }

    public T[] Execute<T>(Device device, T[] input)
        where T : unmanaged
        => Execute<T, T>(device, input);

    /// <summary>Runs the plan on <paramref name="device"/>; the input array is never written.</summary>
    public TOut[] Execute<TIn, TOut>(Device device, TIn[] input)
        where TIn : unmanaged
        where TOut : unmanaged
    {
        DeviceBuffer current = device.Upload(input);
        try
        {
            foreach (PlanStep step in Steps)
            {
                DeviceBuffer next = step.Run(device, current);
                current.Dispose();
                current = next;
            }

            // With no steps (same size) the result must still be a copy, not the caller's array.
            TOut[] result = device.Download((DeviceBuffer<TOut>)current);
            return Steps.Count == 0 && ReferenceEquals(result, input) ? (TOut[])result.Clone() : result;
        }
        finally
        {
            current.Dispose();
        }
    }
}
