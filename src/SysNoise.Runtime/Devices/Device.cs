using SysNoise.Kernels.Color;
using SysNoise.Kernels.Decode;
using SysNoise.Kernels.Resize;

namespace SysNoise.Runtime.Devices;

/// <summary>What a <see cref="Device"/> runs on.</summary>
public enum DeviceKind
{
    /// <summary>Plain C# loops over arrays: the fast CPU path.</summary>
    Host,

    /// <summary>ILGPU's CPU accelerator: a GPU simulator, used in tests to check the kernels themselves.</summary>
    IlgpuCpu,

    /// <summary>ILGPU on an NVIDIA GPU.</summary>
    Cuda,
}

/// <summary>Memory owned by a <see cref="Device"/>.</summary>
public abstract class DeviceBuffer : IDisposable
{
    public abstract long Length { get; }

    public abstract void Dispose();
}

/// <summary>Typed memory owned by a <see cref="Device"/>.</summary>
public abstract class DeviceBuffer<T> : DeviceBuffer
    where T : unmanaged
{
}

/// <summary>
/// Runs kernels. Every variant's numerics are written once (the ops in SysNoise.Kernels);
/// a device decides whether they run as ILGPU kernels or as the host loops.
/// </summary>
public abstract class Device : IDisposable
{
    public abstract string Name { get; }

    public abstract DeviceKind Kind { get; }

    /// <summary>Makes <paramref name="data"/> available to kernels. Kernels never write an uploaded
    /// buffer (every step writes a new one), so a device may use the array itself.</summary>
    public abstract DeviceBuffer<T> Upload<T>(T[] data)
        where T : unmanaged;

    public abstract DeviceBuffer<T> Allocate<T>(long length)
        where T : unmanaged;

    public abstract T[] Download<T>(DeviceBuffer<T> buffer)
        where T : unmanaged;

    public abstract void AxisPass<TIn, TCoeff, TAcc, TOut, TOp>(
        DeviceBuffer<TIn> input,
        DeviceBuffer<TOut> output,
        AxisWeights<TCoeff> weights,
        PassGeometry geometry,
        TOp op)
        where TIn : unmanaged
        where TCoeff : unmanaged
        where TAcc : unmanaged
        where TOut : unmanaged
        where TOp : struct, IResampleOp<TIn, TCoeff, TAcc, TOut>;

    public abstract void Gather2D<T>(DeviceBuffer<T> input, DeviceBuffer<T> output, AxisWeights<byte> rows, AxisWeights<byte> columns, GatherGeometry geometry)
        where T : unmanaged;

    public abstract void Pixel4Map<T, TOp>(DeviceBuffer<T> input, DeviceBuffer<T> output, TOp op)
        where T : unmanaged
        where TOp : struct, IPixel4Op<T>;

    /// <summary>Dequantization + IDCT of one component's blocks into its sample plane.</summary>
    public abstract void JpegIdct<TMul, TWork, TOp>(DeviceBuffer<short> coefficients, DeviceBuffer<TMul> multipliers, DeviceBuffer<byte> planes, IdctGeometry geometry, TOp op)
        where TMul : unmanaged
        where TWork : unmanaged
        where TOp : struct, IIdctOp<TMul, TWork>;

    /// <summary>Upsampling and colour conversion of the planes into interleaved output pixels.</summary>
    public abstract void JpegOutput(DeviceBuffer<byte> planes, DeviceBuffer<byte> output, JpegOutputGeometry geometry);
    /// <summary>A 4:4:4 colour round trip over an H×W×3 image.</summary>
    public abstract void PixelRoundTrip<TOp>(DeviceBuffer<byte> input, DeviceBuffer<byte> output, int height, int width, TOp op)
        where TOp : struct, IPixelRoundTripOp;

    /// <summary>A 4:2:0 colour round trip over an H×W×3 image (one chroma pair per 2×2 block).</summary>
    public abstract void Block420RoundTrip<TOp>(DeviceBuffer<byte> input, DeviceBuffer<byte> output, Block420Geometry geometry, TOp op)
        where TOp : struct, IBlock420RoundTripOp;

    /// <summary>libswscale's conversion of decoded planes to rgb24 (the ffmpeg variant).</summary>
    public abstract void SwscaleRgb24(DeviceBuffer<byte> planes, DeviceBuffer<int> filters, DeviceBuffer<byte> output, SwscaleGeometry geometry);

    /// <summary>Waits until every launched kernel has finished (timing; the host path is synchronous).</summary>
    public virtual void Synchronize()
    {
    }

    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
    }
}
