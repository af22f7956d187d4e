using SysNoise.Kernels.Color;
using SysNoise.Kernels.Decode;
using SysNoise.Kernels.Resize;
using SysNoise.Runtime.Decode;

namespace SysNoise.Runtime.Devices;

/// <summary>
/// The host path: loops over managed arrays, parallel over output rows. By default it runs the specialised host
/// loops (eight-lane forms of the ops, fused two-pass resizes); a <see cref="Plain"/> device runs every step as the
/// generic scalar loop over the same ops, the reference the specialised loops are tested against.
/// </summary>
public sealed class HostDevice : Device
{
    public HostDevice(int maxThreads = 0, bool plain = false)
    {
        MaxThreads = maxThreads > 0 ? maxThreads : Environment.ProcessorCount;
        Plain = plain;
    }

    public static HostDevice Shared { get; } = new();

    public int MaxThreads { get; }

    /// <summary>True when every step runs as the generic scalar loop (no eight-lane forms, no fused passes).</summary>
    public bool Plain { get; }

    public override string Name => $"host{(Plain ? " plain" : string.Empty)} ({MaxThreads} thread{(MaxThreads == 1 ? string.Empty : "s")})";

    public override DeviceKind Kind => DeviceKind.Host;

    public override DeviceBuffer<T> Upload<T>(T[] data) => new HostBuffer<T>(data);

    // Every element of a pass output is written, so the array need not be zeroed first.
    public override DeviceBuffer<T> Allocate<T>(long length) => new HostBuffer<T>(GC.AllocateUninitializedArray<T>(checked((int)length)));

    public override T[] Download<T>(DeviceBuffer<T> buffer) => ((HostBuffer<T>)buffer).Array;

    public override void AxisPass<TIn, TCoeff, TAcc, TOut, TOp>(
        DeviceBuffer<TIn> input, DeviceBuffer<TOut> output, AxisWeights<TCoeff> weights, PassGeometry geometry, TOp op)
    {
        if (Plain)
        {
            ResampleHost.AxisPassPlain<TIn, TCoeff, TAcc, TOut, TOp>(((HostBuffer<TIn>)input).Array, ((HostBuffer<TOut>)output).Array, weights, geometry, op, MaxThreads);
        }
        else
        {
            ResampleHost.AxisPass<TIn, TCoeff, TAcc, TOut, TOp>(((HostBuffer<TIn>)input).Array, ((HostBuffer<TOut>)output).Array, weights, geometry, op, MaxThreads);
        }
    }

    public override void Gather2D<T>(DeviceBuffer<T> input, DeviceBuffer<T> output, AxisWeights<byte> rows, AxisWeights<byte> columns, GatherGeometry geometry)
        => ResampleHost.Gather2D(((HostBuffer<T>)input).Array, ((HostBuffer<T>)output).Array, rows, columns, geometry, Plain);

    /// <summary>The array behind a host buffer (what the fused host steps read and write).</summary>
    internal static T[] ArrayOf<T>(DeviceBuffer<T> buffer)
        where T : unmanaged
        => ((HostBuffer<T>)buffer).Array;

    public override void Pixel4Map<T, TOp>(DeviceBuffer<T> input, DeviceBuffer<T> output, TOp op)
        => ResampleHost.Pixel4Map(((HostBuffer<T>)input).Array, ((HostBuffer<T>)output).Array, op);

    public override void JpegIdct<TMul, TWork, TOp>(DeviceBuffer<short> coefficients, DeviceBuffer<TMul> multipliers, DeviceBuffer<byte> planes, IdctGeometry geometry, TOp op)
        => JpegHost.IdctBlocks<TMul, TWork, TOp>(((HostBuffer<short>)coefficients).Array, ((HostBuffer<TMul>)multipliers).Array, ((HostBuffer<byte>)planes).Array, geometry, op, MaxThreads, Plain);

    public override void JpegOutput(DeviceBuffer<byte> planes, DeviceBuffer<byte> output, JpegOutputGeometry geometry)
        => JpegHost.OutputPixels(((HostBuffer<byte>)planes).Array, ((HostBuffer<byte>)output).Array, geometry, MaxThreads, Plain);
    public override void PixelRoundTrip<TOp>(DeviceBuffer<byte> input, DeviceBuffer<byte> output, int height, int width, TOp op)
        => ColorHost.PixelRoundTrip(((HostBuffer<byte>)input).Array, ((HostBuffer<byte>)output).Array, height, width, op, MaxThreads);

    public override void Block420RoundTrip<TOp>(DeviceBuffer<byte> input, DeviceBuffer<byte> output, Block420Geometry geometry, TOp op)
        => ColorHost.Block420RoundTrip(((HostBuffer<byte>)input).Array, ((HostBuffer<byte>)output).Array, geometry, op, MaxThreads);

    public override void SwscaleRgb24(DeviceBuffer<byte> planes, DeviceBuffer<int> filters, DeviceBuffer<byte> output, SwscaleGeometry geometry)
        => JpegHost.SwscaleRgb24(((HostBuffer<byte>)planes).Array, ((HostBuffer<int>)filters).Array, ((HostBuffer<byte>)output).Array, geometry, MaxThreads);

    private sealed class HostBuffer<T>(T[] array) : DeviceBuffer<T>
        where T : unmanaged
    {
        public T[] Array { get; } = array;

        public override long Length => Array.LongLength;

        public override void Dispose()
        {
        }
    }
}
