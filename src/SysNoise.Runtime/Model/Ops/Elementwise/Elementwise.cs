using SysNoise.Kernels.Model.Elementwise;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Elementwise;

/// <summary>
/// Runs unary and binary elementwise ops on a tensor of any supported dtype: float32/float16 through the float op
/// (the ILGPU kernel on an ILGPU device, else the host loop; both call the same op struct), float64 and integers on
/// the host. Broadcasting is multidirectional (NumPy).
/// </summary>
public static class Elementwise
{
    public static Tensor Unary<TOp>(OpContext context, Tensor x, TOp op, Func<long, long>? integer = null, string opType = "op")
        where TOp : struct, IUnaryOp
    {
        switch (x.DType)
        {
            case DType.Float32 or DType.Float16:
            {
                float[] data = Lanes.ToFloat(x);
                float[] r;
                if (context.Ilgpu is { } device)
                {
                    r = ModelKernels.Unary(device, data, op);
                }
                else
                {
                    r = context.NewFloats(data.Length);
                    if (VectorForm<TOp>.Unary is { } vector)
                    {
                        vector(data, r, op, context.Threads);
                    }
                    else
                    {
                        ElementwiseHost.Unary<float, float, FloatUnary<TOp>>(data, r, new FloatUnary<TOp>(op), context.Threads);
                    }
                }

                return Lanes.FromFloat(r, x.Shape, x.DType);
            }

            case DType.Float64:
            {
                double[] data = ((Tensor<double>)x).Data;
                var r = new double[data.Length];
                ElementwiseHost.Unary<double, double, DoubleUnary<TOp>>(data, r, new DoubleUnary<TOp>(op), context.Threads);
                return new Tensor<double>(r, x.Shape);
            }

            default:
            {
                if (integer is null || !Lanes.IsInteger(x.DType))
                {
                    throw new NotSupportedException($"{opType} does not support {Lanes.Name(x.DType)} tensors");
                }

                long[] data = Lanes.ToLong(x);
                var r = new long[data.Length];
                for (int i = 0; i < r.Length; i++)
                {
                    r[i] = integer(data[i]);
                }

                return Lanes.FromLong(r, x.Shape, x.DType);
            }
        }
    }

    public static Tensor Binary<TOp>(OpContext context, Tensor a, Tensor b, TOp op, string opType, bool allowInteger = true)
        where TOp : struct, IBinaryOp
    {
        if (a.DType != b.DType)
        {
            throw new ArgumentException($"{opType} inputs have different types ({Lanes.Name(a.DType)} and {Lanes.Name(b.DType)})");
        }

        var plan = BroadcastPlan.Create(a.Shape, b.Shape);
        switch (a.DType)
        {
            case DType.Float32 or DType.Float16:
            {
                float[] x = Lanes.ToFloat(a), y = Lanes.ToFloat(b);
                float[] r;
                if (context.Ilgpu is { } device)
                {
                    r = ModelKernels.Binary(device, x, y, plan, op);
                }
                else
                {
                    r = context.NewFloats(plan.Count);
                    if (VectorBinaryForm<TOp>.Binary is { } vector)
                    {
                        vector(x, y, r, plan, op, context.Threads);
                    }
                    else
                    {
                        ElementwiseHost.Binary<float, float, FloatBinary<TOp>>(x, y, r, plan, new FloatBinary<TOp>(op), context.Threads);
                    }
                }

                return Lanes.FromFloat(r, plan.OutShape, a.DType);
            }

            case DType.Float64:
            {
                var r = new double[plan.Count];
                ElementwiseHost.Binary<double, double, DoubleBinary<TOp>>(((Tensor<double>)a).Data, ((Tensor<double>)b).Data, r, plan, new DoubleBinary<TOp>(op), context.Threads);
                return new Tensor<double>(r, plan.OutShape);
            }

            default:
            {
                if (!allowInteger || !Lanes.IsInteger(a.DType))
                {
                    throw new NotSupportedException($"{opType} does not support {Lanes.Name(a.DType)} tensors");
                }

                var r = new long[plan.Count];
                ElementwiseHost.Binary<long, long, LongBinary<TOp>>(Lanes.ToLong(a), Lanes.ToLong(b), r, plan, new LongBinary<TOp>(op), context.Threads);
                return Lanes.FromLong(r, plan.OutShape, a.DType);
            }
        }
    }

    public static Tensor Compare<TOp>(OpContext context, Tensor a, Tensor b, TOp op, string opType)
        where TOp : struct, ICompareOp
    {
        if (a.DType != b.DType)
        {
            throw new ArgumentException($"{opType} inputs have different types ({Lanes.Name(a.DType)} and {Lanes.Name(b.DType)})");
        }

        var plan = BroadcastPlan.Create(a.Shape, b.Shape);
        bool[] r;
        switch (a.DType)
        {
            case DType.Float32 or DType.Float16:
            {
                float[] x = Lanes.ToFloat(a), y = Lanes.ToFloat(b);
                if (context.Ilgpu is { } device)
                {
                    r = ModelKernels.Compare(device, x, y, plan, op);
                }
                else
                {
                    r = new bool[plan.Count];
                    ElementwiseHost.Binary<float, bool, FloatCompare<TOp>>(x, y, r, plan, new FloatCompare<TOp>(op), context.Threads);
                }

                break;
            }

            case DType.Float64:
                r = new bool[plan.Count];
                ElementwiseHost.Binary<double, bool, DoubleCompare<TOp>>(((Tensor<double>)a).Data, ((Tensor<double>)b).Data, r, plan, new DoubleCompare<TOp>(op), context.Threads);
                break;
            default:
                r = new bool[plan.Count];
                ElementwiseHost.Binary<long, bool, LongCompare<TOp>>(Lanes.ToLong(a), Lanes.ToLong(b), r, plan, new LongCompare<TOp>(op), context.Threads);
                break;
        }

        return new Tensor<bool>(r, plan.OutShape);
    }

    /// <summary>The 16-lane host loop of ops that have one (<see cref="IVectorUnaryOp"/>), bound once per op type.</summary>
    private static class VectorForm<TOp>
        where TOp : struct, IUnaryOp
    {
        public static readonly Action<float[], float[], TOp, int>? Unary = typeof(IVectorUnaryOp).IsAssignableFrom(typeof(TOp))
            ? typeof(ElementwiseHost).GetMethod(nameof(ElementwiseHost.UnaryVector))!.MakeGenericMethod(typeof(TOp)).CreateDelegate<Action<float[], float[], TOp, int>>()
            : null;
    }

    /// <summary>The 16-lane host loop of binary ops that have one (<see cref="IVectorBinaryOp"/>).</summary>
    private static class VectorBinaryForm<TOp>
        where TOp : struct, IBinaryOp
    {
        public static readonly Action<float[], float[], float[], BroadcastPlan, TOp, int>? Binary = typeof(IVectorBinaryOp).IsAssignableFrom(typeof(TOp))
            ? typeof(ElementwiseHost).GetMethod(nameof(ElementwiseHost.BinaryVector))!.MakeGenericMethod(typeof(TOp)).CreateDelegate<Action<float[], float[], float[], BroadcastPlan, TOp, int>>()
            : null;
    }
}
