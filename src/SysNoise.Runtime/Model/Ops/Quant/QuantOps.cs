using ILGPU;
using ILGPU.Runtime;
using SysNoise.Kernels.Model.Numerics;
using SysNoise.Kernels.Model.Quant;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Tensors;
using Half = System.Half;

namespace SysNoise.Runtime.Model.Ops.Quant;

/// <summary>
/// ONNX QuantizeLinear (opsets 10, 13 per-axis, 19): float32/float16/int32 x, float32 (or float16) scale, uint8/int8
/// output, per-tensor or per-axis, round half to even, saturation; bit-exact with ONNX Runtime (see <see cref="QuantMath"/>).
/// The 'saturate' attribute of opset 19 concerns float8 outputs only, which SysNoise does not have.
/// </summary>
public sealed class QuantizeLinearOp : IOnnxOperator
{
    public string OpType => "QuantizeLinear";

    public int MinOpset => 10;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0] ?? throw new ArgumentException("QuantizeLinear needs x");
        Tensor scaleT = inputs[1] ?? throw new ArgumentException("QuantizeLinear needs y_scale");
        Tensor? zpT = inputs.Count > 2 ? inputs[2] : null;
        DType outType = zpT?.DType ?? DType.UInt8;
        (float[] scale, int[] zp, QuantGeometry g) = QuantParameters.Resolve(node, x.Shape, scaleT, zpT);
        float[] xs = x switch
        {
            Tensor<float> f => f.Data,
            Tensor<Half> h => h.Data.Select(v => (float)v).ToArray(),
            Tensor<int> i => i.Data.Select(v => (float)v).ToArray(),
            _ => throw new NotSupportedException($"QuantizeLinear of {x.DType.ToString().ToLowerInvariant()} input is not supported"),
        };
        return outType switch
        {
            DType.UInt8 => [new Tensor<byte>(Run<byte, UInt8Quant>(context, xs, scale, zp, g, default), x.Shape)],
            DType.Int8 => [new Tensor<sbyte>(Run<sbyte, Int8Quant>(context, xs, scale, zp, g, default), x.Shape)],
            _ => throw new NotSupportedException($"QuantizeLinear to {outType.ToString().ToLowerInvariant()} is not supported (uint8, int8)"),
        };
    }

    private static T[] Run<T, TQ>(OpContext context, float[] x, float[] scale, int[] zp, QuantGeometry g, TQ type)
        where T : unmanaged
        where TQ : struct, IQuantType<T>
    {
        var y = new T[x.Length];
        if (x.Length == 0)
        {
            return y;
        }

        if (context.Ilgpu is { } device)
        {
            var kernel = device.GetOrLoadKernel(
                typeof(Key<T, TQ>),
                a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<T>, ArrayView<float>, ArrayView<int>, QuantGeometry, TQ>(QuantKernels.Quantize<T, TQ>));
            Accelerator a = device.Accelerator;
            using var xb = a.Allocate1D(x);
            using var yb = a.Allocate1D<T>(x.Length);
            using var sb = a.Allocate1D(scale);
            using var zb = a.Allocate1D(zp);
            kernel(x.Length, xb.View, yb.View, sb.View, zb.View, g, type);
            a.Synchronize();
            yb.CopyToCPU(y);
            return y;
        }

        QuantHost.Quantize(x, y, scale, zp, g, type, context.Parallel);
        return y;
    }

    private static class Key<T, TQ>;
}

/// <summary>
/// ONNX DequantizeLinear (opsets 10, 13 per-axis, 19): uint8/int8/int32 x, per-tensor or per-axis,
/// <c>y = (float)(x − zp) · scale</c> in float32 (float16 output when the scale is float16, rounded once).
/// </summary>
public sealed class DequantizeLinearOp : IOnnxOperator
{
    public string OpType => "DequantizeLinear";

    public int MinOpset => 10;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor x = inputs[0] ?? throw new ArgumentException("DequantizeLinear needs x");
        Tensor scaleT = inputs[1] ?? throw new ArgumentException("DequantizeLinear needs x_scale");
        Tensor? zpT = inputs.Count > 2 ? inputs[2] : null;
        if (zpT is not null && zpT.DType != x.DType)
        {
            throw new ArgumentException($"x_zero_point is {zpT.DType.ToString().ToLowerInvariant()} but x is {x.DType.ToString().ToLowerInvariant()}");
        }

        (float[] scale, int[] zp, QuantGeometry g) = QuantParameters.Resolve(node, x.Shape, scaleT, zpT);
        float[] y = x switch
        {
            Tensor<byte> b => Run(context, b.Data, scale, zp, g, default(UInt8Quant)),
            Tensor<sbyte> b => Run(context, b.Data, scale, zp, g, default(Int8Quant)),
            Tensor<int> i => Run(context, i.Data, scale, zp, g, default(Int32Quant)),
            _ => throw new NotSupportedException($"DequantizeLinear of {x.DType.ToString().ToLowerInvariant()} is not supported (uint8, int8, int32)"),
        };
        if (scaleT.DType == DType.Float16)
        {
            return [new Tensor<Half>(y.Select(v => BitConverter.UInt16BitsToHalf(HalfMath.ToHalfBits(v))).ToArray(), x.Shape)];
        }

        return [new Tensor<float>(y, x.Shape)];
    }

    private static float[] Run<T, TQ>(OpContext context, T[] x, float[] scale, int[] zp, QuantGeometry g, TQ type)
        where T : unmanaged
        where TQ : struct, IQuantType<T>
    {
        var y = new float[x.Length];
        if (x.Length == 0)
        {
            return y;
        }

        if (context.Ilgpu is { } device)
        {
            var kernel = device.GetOrLoadKernel(
                typeof(Key<T, TQ>),
                a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<T>, ArrayView<float>, ArrayView<float>, ArrayView<int>, QuantGeometry, TQ>(QuantKernels.Dequantize<T, TQ>));
            Accelerator a = device.Accelerator;
            using var xb = a.Allocate1D(x);
            using var yb = a.Allocate1D<float>(x.Length);
            using var sb = a.Allocate1D(scale);
            using var zb = a.Allocate1D(zp);
            kernel(x.Length, xb.View, yb.View, sb.View, zb.View, g, type);
            a.Synchronize();
            yb.CopyToCPU(y);
            return y;
        }

        QuantHost.Dequantize(x, y, scale, zp, g, type, context.Parallel);
        return y;
    }

    private static class Key<T, TQ>;
}

/// <summary>Scale/zero-point layout shared by QuantizeLinear and DequantizeLinear.</summary>
public static class QuantParameters
{
    public static (float[] Scale, int[] ZeroPoint, QuantGeometry Geometry) Resolve(OnnxNode node, int[] shape, Tensor scale, Tensor? zeroPoint)
    {
        float[] s = scale switch
        {
            Tensor<float> f => f.Data,
            Tensor<Half> h => h.Data.Select(v => (float)v).ToArray(),
            _ => throw new NotSupportedException($"scale of type {scale.DType.ToString().ToLowerInvariant()} is not supported"),
        };
        int[] z = zeroPoint is null ? new int[s.Length] : Enumerable.Range(0, (int)zeroPoint.Length).Select(i => (int)zeroPoint.GetAsDouble(i)).ToArray();
        if (zeroPoint is not null && !zeroPoint.Shape.SequenceEqual(scale.Shape))
        {
            throw new ArgumentException($"zero point shape {zeroPoint.ShapeText} differs from scale shape {scale.ShapeText}");
        }

        bool perTensor = scale.Rank == 0 || (scale.Rank == 1 && scale.Length == 1 && node.Opset < 13);
        if (perTensor || (scale.Rank == 1 && scale.Length == 1 && shape.Length == 0))
        {
            if (scale.Length != 1)
            {
                throw new ArgumentException($"scale {scale.ShapeText} must be a scalar");
            }

            return (s, z, new QuantGeometry(1, 1));
        }

        if (node.Opset < 13)
        {
            throw new ArgumentException($"scale {scale.ShapeText} must be a scalar before opset 13");
        }

        if (scale.Rank != 1)
        {
            throw new ArgumentException($"scale {scale.ShapeText} must be a scalar or 1-D (per axis)");
        }

        long axis = node.Int("axis", 1);
        if (axis < 0)
        {
            axis += shape.Length;
        }

        if (axis < 0 || axis >= shape.Length)
        {
            throw new ArgumentException($"axis {node.Int("axis", 1)} is outside a rank-{shape.Length} input");
        }

        if (scale.Length != shape[axis])
        {
            // A 1-element 1-D scale is per-tensor too.
            if (scale.Length == 1)
            {
                return (s, z, new QuantGeometry(1, 1));
            }

            throw new ArgumentException($"per-axis scale has {scale.Length} values; axis {axis} has {shape[axis]}");
        }

        long inner = 1;
        for (int d = (int)axis + 1; d < shape.Length; d++)
        {
            inner *= shape[d];
        }

        return (s, z, new QuantGeometry(shape[(int)axis], inner));
    }
}
