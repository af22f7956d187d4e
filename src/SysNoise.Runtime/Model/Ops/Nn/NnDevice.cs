using ILGPU;
using ILGPU.Runtime;
using SysNoise.Kernels.Model.Nn;
using SysNoise.Runtime.Devices;

namespace SysNoise.Runtime.Model.Ops.Nn;

/// <summary>Launches <see cref="NnKernels"/> on an ILGPU device: upload, one kernel, download.</summary>
internal static class NnDevice
{
    /// <summary>Uploads an array (an empty or absent one as one element, so that every kernel argument is a valid view).</summary>
    internal static MemoryBuffer1D<T, Stride1D.Dense> Up<T>(Accelerator acc, T[]? data)
        where T : unmanaged
        => acc.Allocate1D(data is null || data.Length == 0 ? new T[1] : data);

    public static float[] Conv(IlgpuDevice device, float[] x, float[] w, float[]? bias, NnGeometry g, bool transpose)
    {
        var output = new float[g.OutputElements];
        if (output.Length == 0)
        {
            return output;
        }

        Accelerator acc = device.Accelerator;
        var kernel = transpose
            ? device.GetOrLoadKernel(typeof(ConvTransposeKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, NnGeometry, ArrayView<float>>(NnKernels.ConvTranspose))
            : device.GetOrLoadKernel(typeof(ConvKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, NnGeometry, ArrayView<float>>(NnKernels.Conv));
        using var xb = Up(acc, x);
        using var wb = Up(acc, w);
        using var bb = Up(acc, bias);
        using var yb = acc.Allocate1D<float>(output.Length);
        kernel(output.Length, xb.View, wb.View, bb.View, bias is null ? 0 : 1, g, yb.View);
        acc.Synchronize();
        yb.CopyToCPU(output);
        return output;
    }

    public static float[] MatMul(IlgpuDevice device, float[] a, float[] b, float[]? c, long[] aOffsets, long[] bOffsets, MatMulGeometry g)
    {
        var output = new float[(long)g.Batches * g.M * g.N];
        if (output.Length == 0)
        {
            return output;
        }

        Accelerator acc = device.Accelerator;
        var kernel = device.GetOrLoadKernel(typeof(MatMulKey), x => x.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<long>, ArrayView<long>, MatMulGeometry, ArrayView<float>>(NnKernels.MatMul));
        using var ab = Up(acc, a);
        using var bb = Up(acc, b);
        using var cb = Up(acc, c);
        using var ao = Up(acc, aOffsets);
        using var bo = Up(acc, bOffsets);
        using var yb = acc.Allocate1D<float>(output.Length);
        kernel(output.Length, ab.View, bb.View, cb.View, ao.View, bo.View, g, yb.View);
        acc.Synchronize();
        yb.CopyToCPU(output);
        return output;
    }

    public static (float[] Y, long[]? Indices) MaxPool(IlgpuDevice device, float[] x, NnGeometry g, int storageOrder, bool indices)
    {
        var output = new float[g.OutputElements];
        long[]? idx = indices ? new long[output.Length] : null;
        if (output.Length == 0)
        {
            return (output, idx);
        }

        Accelerator acc = device.Accelerator;
        var kernel = device.GetOrLoadKernel(typeof(MaxPoolKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, NnGeometry, int, ArrayView<float>, ArrayView<long>, int>(NnKernels.MaxPool));
        using var xb = Up(acc, x);
        using var yb = acc.Allocate1D<float>(output.Length);
        using var ib = acc.Allocate1D<long>(indices ? output.Length : 1);
        kernel(output.Length, xb.View, g, storageOrder, yb.View, ib.View, indices ? 1 : 0);
        acc.Synchronize();
        yb.CopyToCPU(output);
        if (idx is not null)
        {
            ib.CopyToCPU(idx);
        }

        return (output, idx);
    }

    public static float[] AveragePool(IlgpuDevice device, float[] x, NnGeometry g, bool countIncludePad)
    {
        var output = new float[g.OutputElements];
        if (output.Length == 0)
        {
            return output;
        }

        Accelerator acc = device.Accelerator;
        var kernel = device.GetOrLoadKernel(typeof(AveragePoolKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, NnGeometry, int, ArrayView<float>>(NnKernels.AveragePool));
        using var xb = Up(acc, x);
        using var yb = acc.Allocate1D<float>(output.Length);
        kernel(output.Length, xb.View, g, countIncludePad ? 1 : 0, yb.View);
        acc.Synchronize();
        yb.CopyToCPU(output);
        return output;
    }

    public static float[] GlobalPool(IlgpuDevice device, float[] x, int planes, int length, bool max)
    {
        var output = new float[planes];
        if (planes == 0)
        {
            return output;
        }

        Accelerator acc = device.Accelerator;
        var kernel = device.GetOrLoadKernel(typeof(GlobalPoolKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int, ArrayView<float>>(NnKernels.GlobalPool));
        using var xb = Up(acc, x);
        using var yb = acc.Allocate1D<float>(planes);
        kernel(planes, xb.View, length, max ? 1 : 0, yb.View);
        acc.Synchronize();
        yb.CopyToCPU(output);
        return output;
    }

    public static float[] BatchNorm(IlgpuDevice device, float[] x, float[] a, float[] b, int inner, int channels)
    {
        var output = new float[x.Length];
        if (output.Length == 0)
        {
            return output;
        }

        Accelerator acc = device.Accelerator;
        var kernel = device.GetOrLoadKernel(typeof(BatchNormKey), d => d.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>>(NnKernels.BatchNorm));
        using var xb = Up(acc, x);
        using var ab = Up(acc, a);
        using var bb = Up(acc, b);
        using var yb = acc.Allocate1D<float>(output.Length);
        kernel(output.Length, xb.View, ab.View, bb.View, inner, channels, yb.View);
        acc.Synchronize();
        yb.CopyToCPU(output);
        return output;
    }

    private static class ConvKey;

    private static class ConvTransposeKey;

    private static class MatMulKey;

    private static class MaxPoolKey;

    private static class AveragePoolKey;

    private static class GlobalPoolKey;

    private static class BatchNormKey;
}
