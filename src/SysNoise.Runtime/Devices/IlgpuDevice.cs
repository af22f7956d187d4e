using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using SysNoise.Kernels.Color;
using SysNoise.Kernels.Decode;
using SysNoise.Kernels.Resize;

namespace SysNoise.Runtime.Devices;

/// <summary>
/// Runs the ILGPU kernels: on CUDA for real work, or on ILGPU's CPU accelerator, which
/// simulates GPU threads and exists to check the kernels themselves against the host path.
/// Weight maps are uploaded once per map and kept while the map lives.
/// </summary>
public sealed class IlgpuDevice : Device
{
    private readonly Context context;
    private readonly Accelerator accelerator;
    private readonly ConditionalWeakTable<object, object> uploadedWeights = new();
    private readonly Dictionary<Type, Delegate> kernels = new();
    private readonly Lock gate = new();

    private IlgpuDevice(Context context, Accelerator accelerator, DeviceKind kind)
    {
        this.context = context;
        this.accelerator = accelerator;
        Kind = kind;
    }

    public override string Name => $"{accelerator.AcceleratorType} {accelerator.Name}";

    public override DeviceKind Kind { get; }

    public Accelerator Accelerator => accelerator;

    /// <summary>ILGPU's CPU accelerator (a simulator: use it to test kernels, not for real work).</summary>
    public static IlgpuDevice CreateCpuSimulator()
    {
        SysNoise.Kernels.Numerics.KernelIntrinsics.Register();
        var context = Context.Create(builder => builder.CPU().Math(MathMode.Default).Optimize(OptimizationLevel.O1));
        return new IlgpuDevice(context, context.CreateCPUAccelerator(0), DeviceKind.IlgpuCpu);
    }

    /// <summary>The first CUDA GPU, or null when none (or no driver) is present.</summary>
    public static IlgpuDevice? TryCreateCuda()
    {
        Context? context = null;
        try
        {
            SysNoise.Kernels.Numerics.KernelIntrinsics.Register();
            context = Context.Create(builder => builder.Cuda().Math(MathMode.Default).Optimize(OptimizationLevel.O1));
            var devices = context.GetCudaDevices();
            if (devices.Count == 0)
            {
                context.Dispose();
                return null;
            }

            return new IlgpuDevice(context, devices[0].CreateCudaAccelerator(context), DeviceKind.Cuda);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            context?.Dispose();
            return null;
        }
    }

    public override DeviceBuffer<T> Upload<T>(T[] data)
    {
        var buffer = accelerator.Allocate1D<T>(Math.Max(1, data.LongLength));
        if (data.Length > 0)
        {
            buffer.View.SubView(0, data.LongLength).CopyFromCPU(data);
        }

        return new IlgpuBuffer<T>(buffer, data.LongLength);
    }

    public override DeviceBuffer<T> Allocate<T>(long length)
    {
        // Every element of a step's output is written by its kernel, so no clearing pass.
        var buffer = accelerator.Allocate1D<T>(Math.Max(1, length));
        return new IlgpuBuffer<T>(buffer, length);
    }

    public override void Synchronize() => accelerator.Synchronize();

    public override T[] Download<T>(DeviceBuffer<T> buffer)
    {
        var b = (IlgpuBuffer<T>)buffer;
        accelerator.Synchronize();
        var result = new T[b.Length];
        if (b.Length > 0)
        {
            b.Buffer.View.SubView(0, b.Length).CopyToCPU(result);
        }

        return result;
    }

    public override void AxisPass<TIn, TCoeff, TAcc, TOut, TOp>(
        DeviceBuffer<TIn> input, DeviceBuffer<TOut> output, AxisWeights<TCoeff> weights, PassGeometry geometry, TOp op)
    {
        if (geometry.OutputElements == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index3D, ArrayView<TIn>, ArrayView<TOut>, AxisWeightsView<TCoeff>, PassGeometry, TOp>>(
            typeof(AxisPassKey<TIn, TCoeff, TAcc, TOut, TOp>),
            () => accelerator.LoadAutoGroupedStreamKernel<Index3D, ArrayView<TIn>, ArrayView<TOut>, AxisWeightsView<TCoeff>, PassGeometry, TOp>(
                ResampleKernels.AxisPass<TIn, TCoeff, TAcc, TOut, TOp>));
        var view = WeightsView(weights);
        kernel(
            new Index3D(geometry.Inner, geometry.OutLength, geometry.Outer),
            ((IlgpuBuffer<TIn>)input).Buffer.View,
            ((IlgpuBuffer<TOut>)output).Buffer.View,
            view,
            geometry,
            op);
    }

    public override void Gather2D<T>(DeviceBuffer<T> input, DeviceBuffer<T> output, AxisWeights<byte> rows, AxisWeights<byte> columns, GatherGeometry geometry)
    {
        if (geometry.OutputElements == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index3D, ArrayView<T>, ArrayView<T>, AxisWeightsView<byte>, AxisWeightsView<byte>, GatherGeometry>>(
            typeof(GatherKey<T>),
            () => accelerator.LoadAutoGroupedStreamKernel<Index3D, ArrayView<T>, ArrayView<T>, AxisWeightsView<byte>, AxisWeightsView<byte>, GatherGeometry>(ResampleKernels.Gather2D<T>));
        kernel(
            new Index3D(geometry.Channels, geometry.OutWidth, geometry.OutHeight),
            ((IlgpuBuffer<T>)input).Buffer.View,
            ((IlgpuBuffer<T>)output).Buffer.View,
            WeightsView(rows),
            WeightsView(columns),
            geometry);
    }

    public override void Pixel4Map<T, TOp>(DeviceBuffer<T> input, DeviceBuffer<T> output, TOp op)
    {
        long pixels = input.Length / 4;
        if (pixels == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<T>, ArrayView<T>, TOp>>(
            typeof(Pixel4Key<T, TOp>),
            () => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<T>, TOp>(ResampleKernels.Pixel4Map<T, TOp>));
        kernel((int)pixels, ((IlgpuBuffer<T>)input).Buffer.View, ((IlgpuBuffer<T>)output).Buffer.View, op);
    }

    public override void PixelRoundTrip<TOp>(DeviceBuffer<byte> input, DeviceBuffer<byte> output, int height, int width, TOp op)
    {
        long pixels = (long)height * width;
        if (pixels == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<byte>, ArrayView<byte>, TOp>>(
            typeof(PixelRoundTripKey<TOp>),
            () => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<byte>, TOp>(ColorKernels.PixelRoundTrip<TOp>));
        kernel(checked((int)pixels), ((IlgpuBuffer<byte>)input).Buffer.View, ((IlgpuBuffer<byte>)output).Buffer.View, op);
    }

    public override void Block420RoundTrip<TOp>(DeviceBuffer<byte> input, DeviceBuffer<byte> output, Block420Geometry geometry, TOp op)
    {
        if (geometry.Height == 0 || geometry.Width == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index2D, ArrayView<byte>, ArrayView<byte>, Block420Geometry, TOp>>(
            typeof(Block420RoundTripKey<TOp>),
            () => accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<byte>, ArrayView<byte>, Block420Geometry, TOp>(ColorKernels.Block420RoundTrip<TOp>));
        kernel(
            new Index2D(geometry.BlockColumns, geometry.BlockRows),
            ((IlgpuBuffer<byte>)input).Buffer.View,
            ((IlgpuBuffer<byte>)output).Buffer.View,
            geometry,
            op);
    }

    public override void JpegIdct<TMul, TWork, TOp>(DeviceBuffer<short> coefficients, DeviceBuffer<TMul> multipliers, DeviceBuffer<byte> planes, IdctGeometry geometry, TOp op)
    {
        if (geometry.Blocks == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<short>, ArrayView<TMul>, ArrayView<byte>, IdctGeometry, TOp>>(
            typeof(IdctKey<TMul, TWork, TOp>),
            () => accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<short>, ArrayView<TMul>, ArrayView<byte>, IdctGeometry, TOp>(
                JpegKernels.IdctBlocks<TMul, TWork, TOp>));
        kernel(geometry.Blocks, ((IlgpuBuffer<short>)coefficients).Buffer.View, ((IlgpuBuffer<TMul>)multipliers).Buffer.View, ((IlgpuBuffer<byte>)planes).Buffer.View, geometry, op);
    }

    public override void JpegOutput(DeviceBuffer<byte> planes, DeviceBuffer<byte> output, JpegOutputGeometry geometry)
    {
        if (geometry.Width == 0 || geometry.Height == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index2D, ArrayView<byte>, ArrayView<byte>, JpegOutputGeometry>>(
            typeof(JpegOutputKey),
            () => accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<byte>, ArrayView<byte>, JpegOutputGeometry>(JpegKernels.OutputPixels));
        kernel(new Index2D(geometry.Width, geometry.Height), ((IlgpuBuffer<byte>)planes).Buffer.View, ((IlgpuBuffer<byte>)output).Buffer.View, geometry);
    }

    public override void SwscaleRgb24(DeviceBuffer<byte> planes, DeviceBuffer<int> filters, DeviceBuffer<byte> output, SwscaleGeometry geometry)
    {
        if (geometry.Width == 0 || geometry.Height == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index2D, ArrayView<byte>, ArrayView<int>, ArrayView<byte>, SwscaleGeometry>>(
            typeof(SwscaleKey),
            () => accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<byte>, ArrayView<int>, ArrayView<byte>, SwscaleGeometry>(SwscaleOutput.Kernel));
        kernel(new Index2D(geometry.Width, geometry.Height), ((IlgpuBuffer<byte>)planes).Buffer.View, ((IlgpuBuffer<int>)filters).Buffer.View, ((IlgpuBuffer<byte>)output).Buffer.View, geometry);
    }

    public override void Dispose()
    {
        accelerator.Dispose();
        context.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// Loads (once per <paramref name="key"/>) a kernel that lives outside this class, e.g. a model operator's:
    /// operators keep their launch code next to their host loop instead of in the device.
    /// </summary>
    public TDelegate GetOrLoadKernel<TDelegate>(Type key, Func<Accelerator, TDelegate> load)
        where TDelegate : Delegate
        => Kernel(key, () => load(accelerator));

    private TDelegate Kernel<TDelegate>(Type key, Func<TDelegate> load)
        where TDelegate : Delegate
    {
        lock (gate)
        {
            if (!kernels.TryGetValue(key, out Delegate? kernel))
            {
                kernel = load();
                kernels[key] = kernel;
            }

            return (TDelegate)kernel;
        }
    }

    private AxisWeightsView<TCoeff> WeightsView<TCoeff>(AxisWeights<TCoeff> weights)
        where TCoeff : unmanaged
    {
        lock (gate)
        {
            if (!uploadedWeights.TryGetValue(weights, out object? uploaded))
            {
                uploaded = new UploadedWeights<TCoeff>(accelerator, weights);
                uploadedWeights.Add(weights, uploaded);
            }

            return ((UploadedWeights<TCoeff>)uploaded).View;
        }
    }

    private static class AxisPassKey<TIn, TCoeff, TAcc, TOut, TOp>;

    private static class Pixel4Key<T, TOp>;

    private static class GatherKey<T>;

    private static class IdctKey<TMul, TWork, TOp>;

    private static class JpegOutputKey;

    private static class PixelRoundTripKey<TOp>;

    private static class Block420RoundTripKey<TOp>;

    private static class SwscaleKey;

    private sealed class UploadedWeights<TCoeff>
        where TCoeff : unmanaged
    {
        // The buffers belong to the accelerator, which frees them when it is disposed;
        // they are kept as long as the weight map they mirror lives.
        private readonly MemoryBuffer1D<int, Stride1D.Dense> index;
        private readonly MemoryBuffer1D<int, Stride1D.Dense> count;
        private readonly MemoryBuffer1D<TCoeff, Stride1D.Dense> coeff;

        public UploadedWeights(Accelerator accelerator, AxisWeights<TCoeff> weights)
        {
            index = accelerator.Allocate1D(weights.Index.Length == 0 ? new int[1] : weights.Index);
            count = accelerator.Allocate1D(weights.Count.Length == 0 ? new int[1] : weights.Count);
            coeff = accelerator.Allocate1D(weights.Coeff.Length == 0 ? new TCoeff[1] : weights.Coeff);
            View = new AxisWeightsView<TCoeff>(index.View, count.View, coeff.View, weights.Taps);
        }

        public AxisWeightsView<TCoeff> View { get; }
    }

    private sealed class IlgpuBuffer<T>(MemoryBuffer1D<T, Stride1D.Dense> buffer, long length) : DeviceBuffer<T>
        where T : unmanaged
    {
        public MemoryBuffer1D<T, Stride1D.Dense> Buffer { get; } = buffer;

        public override long Length { get; } = length;

        public override void Dispose() => Buffer.Dispose();
    }
}
