using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using SysNoise.Kernels.Model.Elementwise;
using SysNoise.Kernels.Model.Reduce;
using SysNoise.Runtime.Devices;

namespace SysNoise.Runtime.Model.Ops.Elementwise;

/// <summary>
/// Launches the model operators' ILGPU kernels on an <see cref="IlgpuDevice"/>: uploads the inputs, runs, downloads.
/// Each kernel is loaded once per device and op struct type.
/// </summary>
public static class ModelKernels
{
    public static float[] Unary<TOp>(IlgpuDevice device, float[] x, TOp op)
        where TOp : struct, IUnaryOp
    {
        if (x.Length == 0)
        {
            return [];
        }

        var kernel = device.GetOrLoadKernel(typeof(UnaryKey<TOp>), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, TOp>(ElementwiseKernels.Unary<TOp>));
        Accelerator acc = device.Accelerator;
        using var input = acc.Allocate1D(x);
        using var output = acc.Allocate1D<float>(x.Length);
        kernel(x.Length, input.View, output.View, op);
        acc.Synchronize();
        return output.GetAsArray1D();
    }

    public static float[] Binary<TOp>(IlgpuDevice device, float[] a, float[] b, BroadcastPlan plan, TOp op)
        where TOp : struct, IBinaryOp
    {
        if (plan.Count == 0)
        {
            return [];
        }

        var kernel = device.GetOrLoadKernel(typeof(BinaryKey<TOp>), x => x.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, TOp>(ElementwiseKernels.Binary<TOp>));
        Accelerator acc = device.Accelerator;
        using var ba = acc.Allocate1D(a);
        using var bb = acc.Allocate1D(b);
        using var meta = acc.Allocate1D(plan.Meta());
        using var output = acc.Allocate1D<float>(plan.Count);
        kernel(plan.Count, ba.View, bb.View, output.View, meta.View, op);
        acc.Synchronize();
        return output.GetAsArray1D();
    }

    public static bool[] Compare<TOp>(IlgpuDevice device, float[] a, float[] b, BroadcastPlan plan, TOp op)
        where TOp : struct, ICompareOp
    {
        if (plan.Count == 0)
        {
            return [];
        }

        var kernel = device.GetOrLoadKernel(typeof(CompareKey<TOp>), x => x.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<byte>, ArrayView<int>, TOp>(ElementwiseKernels.Compare<TOp>));
        Accelerator acc = device.Accelerator;
        using var ba = acc.Allocate1D(a);
        using var bb = acc.Allocate1D(b);
        using var meta = acc.Allocate1D(plan.Meta());
        using var output = acc.Allocate1D<byte>(plan.Count);
        kernel(plan.Count, ba.View, bb.View, output.View, meta.View, op);
        acc.Synchronize();
        byte[] bytes = output.GetAsArray1D();
        return MemoryMarshal.Cast<byte, bool>(bytes).ToArray();
    }

    public static float[] Reduce<TOp>(IlgpuDevice device, float[] x, int[] bases, int[] offsets, TOp op)
        where TOp : struct, IReduceOp
    {
        if (bases.Length == 0)
        {
            return [];
        }

        var kernel = device.GetOrLoadKernel(typeof(ReduceKey<TOp>), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, TOp>(ReduceKernels.Reduce<TOp>));
        Accelerator acc = device.Accelerator;
        using var input = acc.Allocate1D(x.Length == 0 ? new float[1] : x);
        using var bv = acc.Allocate1D(bases);
        using var ov = acc.Allocate1D(offsets.Length == 0 ? new int[1] : offsets);
        using var output = acc.Allocate1D<float>(bases.Length);
        kernel(bases.Length, input.View, output.View, bv.View, ov.View, offsets.Length, op);
        acc.Synchronize();
        return output.GetAsArray1D();
    }

    public static float[] Softmax(IlgpuDevice device, float[] x, int rows, SoftmaxGeometry g)
    {
        if (x.Length == 0)
        {
            return [];
        }

        var kernel = device.GetOrLoadKernel(typeof(SoftmaxKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, SoftmaxGeometry>(ReduceKernels.Softmax));
        Accelerator acc = device.Accelerator;
        using var input = acc.Allocate1D(x);
        using var output = acc.Allocate1D<float>(x.Length);
        kernel(rows, input.View, output.View, g);
        acc.Synchronize();
        return output.GetAsArray1D();
    }

    public static (float[] Y, float[] Mean, float[] InvStd) Normalize(IlgpuDevice device, float[] x, float[] scale, float[]? bias, int rows, NormGeometry g)
    {
        if (rows == 0)
        {
            return (new float[x.Length], [], []);
        }

        var kernel = device.GetOrLoadKernel(typeof(NormalizeKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, NormGeometry>(ReduceKernels.Normalize));
        Accelerator acc = device.Accelerator;
        using var input = acc.Allocate1D(x.Length == 0 ? new float[1] : x);
        using var sv = acc.Allocate1D(scale.Length == 0 ? new float[1] : scale);
        using var bv = acc.Allocate1D(bias is null || bias.Length == 0 ? new float[1] : bias);
        using var y = acc.Allocate1D<float>(Math.Max(1, x.Length));
        using var mean = acc.Allocate1D<float>(rows);
        using var inv = acc.Allocate1D<float>(rows);
        kernel(rows, input.View, sv.View, bv.View, y.View, mean.View, inv.View, g);
        acc.Synchronize();
        float[] yy = x.Length == 0 ? [] : y.GetAsArray1D();
        return (yy, mean.GetAsArray1D(), inv.GetAsArray1D());
    }

    private static class UnaryKey<TOp>;

    private static class BinaryKey<TOp>;

    private static class CompareKey<TOp>;

    private static class ReduceKey<TOp>;

    private static class SoftmaxKey;

    private static class NormalizeKey;
}
