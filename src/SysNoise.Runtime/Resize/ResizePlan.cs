using System.Reflection;
using SysNoise.Kernels.Resize;
using SysNoise.Runtime.Devices;

namespace SysNoise.Runtime.Resize;

/// <summary>One step of a <see cref="ResizePlan"/>: consumes a device buffer, returns the next one.</summary>
public abstract class PlanStep
{
    /// <summary>Runs the step into a new buffer; the input is never written.</summary>
    public abstract DeviceBuffer Run(Device device, DeviceBuffer input);

    /// <summary>The ILGPU kernels this step launches, instantiated for its types (for ahead-of-time compile checks).</summary>
    public abstract IReadOnlyList<MethodInfo> KernelMethods { get; }

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

    public override IReadOnlyList<MethodInfo> KernelMethods
        => [KernelOf(nameof(ResampleKernels.AxisPass), typeof(TIn), typeof(TCoeff), typeof(TAcc), typeof(TOut), typeof(TOp))];
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

    public override IReadOnlyList<MethodInfo> KernelMethods => [KernelOf(nameof(ResampleKernels.Gather2D), typeof(T))];
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

    public override IReadOnlyList<MethodInfo> KernelMethods => [KernelOf(nameof(ResampleKernels.Pixel4Map), typeof(T), typeof(TOp))];
}

/// <summary>
/// Two axis passes that a device may run as one: <see cref="Steps"/> is what the ILGPU devices (and the plain host)
/// launch, one kernel after the other; the host runs the fused loop of <see cref="SeparableHost"/> over the same ops
/// and weight maps, which gives the same bytes without writing the intermediate image.
/// </summary>
public abstract class FusedPassesStep(IReadOnlyList<PlanStep> steps) : PlanStep
{
    /// <summary>The steps this one stands for (a row gather and the axis passes).</summary>
    public IReadOnlyList<PlanStep> Steps { get; } = steps;

    public override IReadOnlyList<MethodInfo> KernelMethods => Steps.SelectMany(s => s.KernelMethods).ToList();

    public override DeviceBuffer Run(Device device, DeviceBuffer input)
    {
        if (device is HostDevice { Plain: false } host)
        {
            return RunFused(host, input);
        }

        DeviceBuffer current = input;
        foreach (PlanStep step in Steps)
        {
            DeviceBuffer next = step.Run(device, current);
            if (!ReferenceEquals(current, input))
            {
                current.Dispose();
            }

            current = next;
        }

        return current;
    }

    protected abstract DeviceBuffer RunFused(HostDevice host, DeviceBuffer input);
}

/// <summary>A horizontal pass over the source rows a vertical pass reads, then the vertical pass (OpenCV's and Pillow's order).</summary>
/// <param name="steps">What the kernels run (e.g. a row gather, the horizontal pass, the vertical pass over its output).</param>
/// <param name="horizontal">The horizontal map (inner = channels).</param>
/// <param name="vertical">The vertical map indexing rows of the source image itself.</param>
public sealed class HorizontalThenVerticalStep<TMid, TCoeffH, TAccH, TCoeffV, TAccV, THOp, TVOp>(
    IReadOnlyList<PlanStep> steps, int channels, AxisWeights<TCoeffH> horizontal, AxisWeights<TCoeffV> vertical, THOp horizontalOp, TVOp verticalOp)
    : FusedPassesStep(steps)
    where TMid : unmanaged
    where TCoeffH : unmanaged
    where TAccH : unmanaged
    where TCoeffV : unmanaged
    where TAccV : unmanaged
    where THOp : struct, IResampleOp<byte, TCoeffH, TAccH, TMid>
    where TVOp : struct, IResampleOp<TMid, TCoeffV, TAccV, byte>
{
    protected override DeviceBuffer RunFused(HostDevice host, DeviceBuffer input)
    {
        var output = host.Allocate<byte>((long)vertical.Length * horizontal.Length * channels);
        SeparableHost.HorizontalThenVertical<byte, TMid, byte, TCoeffH, TAccH, TCoeffV, TAccV, THOp, TVOp>(
            HostDevice.ArrayOf((DeviceBuffer<byte>)input), HostDevice.ArrayOf(output), channels, horizontal, vertical, horizontalOp, verticalOp, host.MaxThreads);
        return output;
    }
}

/// <summary>A vertical pass, then a horizontal pass over each of its rows (IPP's order).</summary>
public sealed class VerticalThenHorizontalStep<TMid, TOut, TCoeffV, TAccV, TCoeffH, TAccH, TVOp, THOp>(
    IReadOnlyList<PlanStep> steps, int channels, AxisWeights<TCoeffV> vertical, AxisWeights<TCoeffH> horizontal, TVOp verticalOp, THOp horizontalOp)
    : FusedPassesStep(steps)
    where TMid : unmanaged
    where TOut : unmanaged
    where TCoeffV : unmanaged
    where TAccV : unmanaged
    where TCoeffH : unmanaged
    where TAccH : unmanaged
    where TVOp : struct, IResampleOp<byte, TCoeffV, TAccV, TMid>
    where THOp : struct, IResampleOp<TMid, TCoeffH, TAccH, TOut>
{
    protected override DeviceBuffer RunFused(HostDevice host, DeviceBuffer input)
    {
        var output = host.Allocate<TOut>((long)vertical.Length * horizontal.Length * channels);
        SeparableHost.VerticalThenHorizontal<byte, TMid, TOut, TCoeffV, TAccV, TCoeffH, TAccH, TVOp, THOp>(
            HostDevice.ArrayOf((DeviceBuffer<byte>)input), HostDevice.ArrayOf(output), channels, vertical, horizontal, verticalOp, horizontalOp, host.MaxThreads);
        return output;
    }
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
