using ILGPU;
using Half = System.Half;
using ILGPU.Runtime;
using SysNoise.Kernels.Model.Numerics;
using SysNoise.Kernels.Model.Resize;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Resize;

/// <summary>What one Resize/Upsample node computes once its attributes, inputs and noise knobs are resolved.</summary>
public sealed record ResizePlan(int[] InputShape, int[] OutputShape, ResizeAxisMap?[] Axes, ResizeInterpolation Mode, float Extrapolation);

/// <summary>
/// Runs a <see cref="ResizePlan"/>: one separable pass per resized axis, innermost axis first (the order in which the
/// ONNX reference nests its 1-D interpolations), on the host loops or the ILGPU kernels. Nearest is a gather and
/// works for every dtype; linear/cubic compute float32 (float16 data in float32, rounded to binary16 once at the end)
/// or float64.
/// </summary>
public static class ResizeRunner
{
    public static Tensor Run(OpContext context, ResizePlan plan, Tensor x)
    {
        if (Tensor.ElementCount(plan.OutputShape) == 0)
        {
            return Tensor.Create(x.DType, plan.OutputShape);
        }

        if (plan.Mode != ResizeInterpolation.Nearest)
        {
            return x switch
            {
                Tensor<float> f => new Tensor<float>(Passes(context, plan, f.Data, plan.Extrapolation, default(Float32ResizeSum)), plan.OutputShape),
                Tensor<double> d => new Tensor<double>(Passes(context, plan, d.Data, (double)plan.Extrapolation, default(Float64ResizeSum)), plan.OutputShape),
                Tensor<Half> h => new Tensor<Half>(ToHalf(Passes(context, plan, ToFloat(h.Data), plan.Extrapolation, default(Float32ResizeSum))), plan.OutputShape),
                _ => throw new NotSupportedException($"{plan.Mode.ToString().ToLowerInvariant()} Resize of {x.DType.ToString().ToLowerInvariant()} data is not supported (nearest is)"),
            };
        }

        return x switch
        {
            Tensor<float> f => new Tensor<float>(Gathers(context, plan, f.Data, plan.Extrapolation), plan.OutputShape),
            Tensor<double> d => new Tensor<double>(Gathers(context, plan, d.Data, (double)plan.Extrapolation), plan.OutputShape),
            Tensor<Half> h => new Tensor<Half>(Gathers(context, plan, h.Data, (Half)plan.Extrapolation), plan.OutputShape),
            Tensor<byte> b => new Tensor<byte>(Gathers(context, plan, b.Data, (byte)plan.Extrapolation), plan.OutputShape),
            Tensor<sbyte> b => new Tensor<sbyte>(Gathers(context, plan, b.Data, (sbyte)plan.Extrapolation), plan.OutputShape),
            Tensor<short> s => new Tensor<short>(Gathers(context, plan, s.Data, (short)plan.Extrapolation), plan.OutputShape),
            Tensor<int> i => new Tensor<int>(Gathers(context, plan, i.Data, (int)plan.Extrapolation), plan.OutputShape),
            Tensor<long> l => new Tensor<long>(Gathers(context, plan, l.Data, (long)plan.Extrapolation), plan.OutputShape),
            Tensor<bool> b => new Tensor<bool>(Gathers(context, plan, b.Data, plan.Extrapolation != 0), plan.OutputShape),
            _ => throw new NotSupportedException($"Resize of {x.DType} data is not supported"),
        };
    }

    private static IEnumerable<(int Axis, ResizeAxisMap Map, ResizePassGeometry Geometry)> Steps(ResizePlan plan)
    {
        int[] shape = (int[])plan.InputShape.Clone();
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            ResizeAxisMap? map = plan.Axes[axis];
            if (map is null || map.IsIdentity)
            {
                continue;
            }

            int outer = 1, inner = 1;
            for (int d = 0; d < axis; d++)
            {
                outer *= shape[d];
            }

            for (int d = axis + 1; d < shape.Length; d++)
            {
                inner *= shape[d];
            }

            yield return (axis, map, new ResizePassGeometry(outer, shape[axis], map.OutLength, inner, map.Taps));
            shape[axis] = map.OutLength;
        }
    }

    private static T[] Passes<T, TOp>(OpContext context, ResizePlan plan, T[] data, T extrapolation, TOp op)
        where T : unmanaged
        where TOp : struct, IResizeSumOp<T>
    {
        var steps = Steps(plan).ToList();
        if (steps.Count == 0)
        {
            return (T[])data.Clone();
        }

        if (context.Ilgpu is { } device)
        {
            var kernel = device.GetOrLoadKernel(
                typeof(WeightedKey<T, TOp>),
                a => a.LoadAutoGroupedStreamKernel<Index3D, ArrayView<T>, ArrayView<T>, ArrayView<int>, ArrayView<int>, ArrayView<float>, ResizePassGeometry, T, TOp>(ResizeKernels.Weighted<T, TOp>));
            return OnDevice(device, data, steps, (input, output, map, g, a) =>
            {
                using var index = a.Allocate1D(map.Index);
                using var count = a.Allocate1D(map.Count);
                using var coeff = a.Allocate1D(map.Coeff);
                kernel(new Index3D(g.Inner, g.OutLength, g.Outer), input, output, index.View, count.View, coeff.View, g, extrapolation, op);
                a.Synchronize();
            });
        }

        T[] current = data;
        foreach ((_, ResizeAxisMap map, ResizePassGeometry g) in steps)
        {
            // Every element is written: float32 passes take arena arrays (a first pass's is free again after the node).
            T[] next = typeof(T) == typeof(float) ? (T[])(object)context.NewFloats(g.OutputElements) : new T[g.OutputElements];
            ResizeHost.Weighted(current, next, map.Index, map.Count, map.Coeff, g, extrapolation, op, context.Parallel);
            current = next;
        }

        return current;
    }

    private static T[] Gathers<T>(OpContext context, ResizePlan plan, T[] data, T extrapolation)
        where T : unmanaged
    {
        var steps = Steps(plan).ToList();
        if (steps.Count == 0)
        {
            return (T[])data.Clone();
        }

        if (context.Ilgpu is { } device && typeof(T) != typeof(bool) && typeof(T) != typeof(Half))
        {
            var kernel = device.GetOrLoadKernel(
                typeof(GatherKey<T>),
                a => a.LoadAutoGroupedStreamKernel<Index3D, ArrayView<T>, ArrayView<T>, ArrayView<int>, ArrayView<int>, ResizePassGeometry, T>(ResizeKernels.Gather<T>));
            return OnDevice(device, data, steps, (input, output, map, g, a) =>
            {
                using var index = a.Allocate1D(map.Index);
                using var count = a.Allocate1D(map.Count);
                kernel(new Index3D(g.Inner, g.OutLength, g.Outer), input, output, index.View, count.View, g, extrapolation);
                a.Synchronize();
            });
        }

        if (context.Ilgpu is not null && typeof(T) == typeof(Half))
        {
            // The kernels move binary16 as its 16 bits.
            ushort[] bits = Gathers(context, plan, System.Runtime.InteropServices.MemoryMarshal.Cast<T, ushort>(data).ToArray(), BitConverter.HalfToUInt16Bits((Half)(object)extrapolation));
            return System.Runtime.InteropServices.MemoryMarshal.Cast<ushort, T>(bits).ToArray();
        }

        int rank = plan.InputShape.Length;
        if (steps.Count == 2 && steps[0].Axis == rank - 1 && steps[1].Axis == rank - 2)
        {
            // Height and width only (an upsampling layer): one pass, no intermediate.
            (ResizeAxisMap cols, ResizePassGeometry first) = (steps[0].Map, steps[0].Geometry);
            ResizeAxisMap rows = steps[1].Map;
            int planes = first.Outer / rows.InLength;
            long length = (long)planes * rows.OutLength * cols.OutLength;
            T[] result = typeof(T) == typeof(float) ? (T[])(object)context.NewFloats(length) : new T[length];
            ResizeHost.Gather2D(data, result, rows, cols, planes, extrapolation, context.Parallel);
            return result;
        }

        T[] current = data;
        foreach ((_, ResizeAxisMap map, ResizePassGeometry g) in steps)
        {
            // Every element is written: float32 passes take arena arrays (a first pass's is free again after the node).
            T[] next = typeof(T) == typeof(float) ? (T[])(object)context.NewFloats(g.OutputElements) : new T[g.OutputElements];
            ResizeHost.Gather(current, next, map.Index, map.Count, g, extrapolation, context.Parallel);
            current = next;
        }

        return current;
    }

    private delegate void DevicePass<T>(ArrayView<T> input, ArrayView<T> output, ResizeAxisMap map, ResizePassGeometry g, Accelerator accelerator)
        where T : unmanaged;

    private static T[] OnDevice<T>(IlgpuDevice device, T[] data, List<(int Axis, ResizeAxisMap Map, ResizePassGeometry Geometry)> steps, DevicePass<T> pass)
        where T : unmanaged
    {
        Accelerator a = device.Accelerator;
        MemoryBuffer1D<T, Stride1D.Dense> current = a.Allocate1D<T>(Math.Max(1, data.LongLength));
        try
        {
            if (data.Length > 0)
            {
                current.View.SubView(0, data.LongLength).CopyFromCPU(data);
            }

            long length = data.LongLength;
            foreach ((_, ResizeAxisMap map, ResizePassGeometry g) in steps)
            {
                length = g.OutputElements;
                MemoryBuffer1D<T, Stride1D.Dense> next = a.Allocate1D<T>(Math.Max(1, length));
                if (length > 0)
                {
                    pass(current.View, next.View, map, g, a);
                }

                current.Dispose();
                current = next;
            }

            var result = new T[length];
            if (length > 0)
            {
                current.View.SubView(0, length).CopyToCPU(result);
            }

            return result;
        }
        finally
        {
            current.Dispose();
        }
    }

    private static float[] ToFloat(Half[] h)
    {
        var f = new float[h.Length];
        for (int i = 0; i < h.Length; i++)
        {
            f[i] = (float)h[i];
        }

        return f;
    }

    private static Half[] ToHalf(float[] f)
    {
        var h = new Half[f.Length];
        for (int i = 0; i < f.Length; i++)
        {
            h[i] = BitConverter.UInt16BitsToHalf(HalfMath.ToHalfBits(f[i]));
        }

        return h;
    }

    private static class WeightedKey<T, TOp>;

    private static class GatherKey<T>;
}
