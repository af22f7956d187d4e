using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Elementwise;

/// <summary>The elementwise ops a fused group may hold (each runs its op struct: <see cref="AddOp"/>, …).</summary>
public enum FusedOp : byte
{
    Add,
    Sub,
    Mul,
    Div,
    Relu,
    Clip,
}

/// <summary>How an operand spreads over the group's shape [planes, plane length].</summary>
public enum FusedOperand : byte
{
    /// <summary>One value per element.</summary>
    Full,

    /// <summary>One value per plane (a [N, C, 1, …] tensor against [N, C, H, …]).</summary>
    Plane,

    /// <summary>One value for everything.</summary>
    Scalar,
}

/// <summary>
/// One step of a fused group: slots [0, inputs) hold the operands, slot inputs + s the result of step s. A and B name
/// slots (B unused by unary ops); Output ≥ 0 stores the step's result into that output array.
/// </summary>
public readonly record struct FusedStep(FusedOp Op, int A, int B, float Lo, float Hi, int Output);

/// <summary>
/// Runs a chain (a small DAG) of elementwise nodes in one pass over memory, 16 elements at a time: each element's value
/// at each node is computed by the node's own op struct (vector form, or scalar without AVX-512) from the same operand
/// values, so every stored value has the bits the nodes give one by one; only the intermediate arrays disappear.
/// </summary>
public static unsafe class FusedElementwise
{
    public static void Run(FusedStep[] steps, nint[] inputs, FusedOperand[] kinds, nint[] outputs, int planes, int planeLength, int threads)
    {
        long total = (long)planes * planeLength;
        int t = total < ElementwiseHost.ParallelThreshold ? 1 : threads;
        int parts = Math.Max(1, Math.Min(planes, t * 8));
        bool vector = Avx512F.IsSupported;
        HostParallel.For(parts, t, part =>
        {
            int p0 = (int)((long)planes * part / parts), p1 = (int)((long)planes * (part + 1) / parts);
            for (int plane = p0; plane < p1; plane++)
            {
                if (vector)
                {
                    PlaneVector(steps, inputs, kinds, outputs, plane, planeLength);
                }
                else
                {
                    PlaneScalar(steps, inputs, kinds, outputs, plane, planeLength);
                }
            }
        });
    }

    /// <summary>Vectors per step dispatch: each step runs its op over a strip of 8 × 16 elements held in L1.</summary>
    private const int Strip = 8;

    private static void PlaneVector(FusedStep[] steps, nint[] inputs, FusedOperand[] kinds, nint[] outputs, int plane, int length)
    {
        int n = inputs.Length;
        // Slot s holds Strip vectors; the op switch is decided once per step and strip, not per vector.
        Vector512<float>* slots = stackalloc Vector512<float>[(n + steps.Length) * Strip];
        long offset = (long)plane * length;
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

        // Plane and scalar operands are the same for the whole plane.
        for (int i = 0; i < n; i++)
        {
            float* p = (float*)inputs[i];
            Vector512<float> v = kinds[i] switch
            {
                FusedOperand.Plane => Vector512.Create(p[plane]),
                FusedOperand.Scalar => Vector512.Create(p[0]),
                _ => default,
            };
            for (int k = 0; k < Strip; k++)
            {
                slots[(i * Strip) + k] = v;
            }
        }

        for (int j = 0; j < length; j += Strip * 16)
        {
            // Vectors in this strip; the last one may be partial (lanes past the plane read 0 and are never stored).
            int count = Math.Min(Strip, (length - j + 15) / 16);
            int tail = length - j - ((count - 1) * 16);
            Vector512<float> mask = Vector512.LessThan(lane, Vector512.Create(tail)).AsSingle();
            for (int i = 0; i < n; i++)
            {
                if (kinds[i] == FusedOperand.Full)
                {
                    float* p = (float*)inputs[i] + offset + j;
                    Vector512<float>* slot = slots + (i * Strip);
                    for (int k = 0; k < count - 1; k++)
                    {
                        slot[k] = Vector512.Load(p + (k * 16));
                    }

                    slot[count - 1] = tail >= 16 ? Vector512.Load(p + ((count - 1) * 16)) : Avx512F.MaskLoad(p + ((count - 1) * 16), mask, Vector512<float>.Zero);
                }
            }

            for (int s = 0; s < steps.Length; s++)
            {
                FusedStep step = steps[s];
                Vector512<float>* a = slots + (step.A * Strip), b = slots + (step.B * Strip), r = slots + ((n + s) * Strip);
                switch (step.Op)
                {
                    case FusedOp.Add:
                        Strips(default(AddOp), a, b, r);
                        break;
                    case FusedOp.Sub:
                        Strips(default(SubOp), a, b, r);
                        break;
                    case FusedOp.Mul:
                        Strips(default(MulOp), a, b, r);
                        break;
                    case FusedOp.Div:
                        Strips(default(DivOp), a, b, r);
                        break;
                    case FusedOp.Relu:
                        Strips(default(ReluOp), a, r);
                        break;
                    default:
                        Strips(new ClipOp(step.Lo, step.Hi), a, r);
                        break;
                }

                if (step.Output >= 0)
                {
                    float* o = (float*)outputs[step.Output] + offset + j;
                    for (int k = 0; k < count - 1; k++)
                    {
                        Vector512.Store(r[k], o + (k * 16));
                    }

                    if (tail >= 16)
                    {
                        Vector512.Store(r[count - 1], o + ((count - 1) * 16));
                    }
                    else
                    {
                        Avx512F.MaskStore(o + ((count - 1) * 16), mask, r[count - 1]);
                    }
                }
            }
        }
    }

    /// <summary>r[k] = op(a[k], b[k]) over a strip (whole strips: lanes past the plane hold harmless values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Strips<TOp>(TOp op, Vector512<float>* a, Vector512<float>* b, Vector512<float>* r)
        where TOp : struct, IVectorBinaryOp
    {
        for (int k = 0; k < Strip; k++)
        {
            r[k] = op.Apply(a[k], b[k]);
        }
    }

    /// <summary>r[k] = op(a[k]) over a strip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Strips<TOp>(TOp op, Vector512<float>* a, Vector512<float>* r)
        where TOp : struct, IVectorUnaryOp
    {
        for (int k = 0; k < Strip; k++)
        {
            r[k] = op.Apply(a[k]);
        }
    }

    private static void PlaneScalar(FusedStep[] steps, nint[] inputs, FusedOperand[] kinds, nint[] outputs, int plane, int length)
    {
        int n = inputs.Length;
        float* slots = stackalloc float[n + steps.Length];
        long offset = (long)plane * length;
        for (int j = 0; j < length; j++)
        {
            for (int i = 0; i < n; i++)
            {
                float* p = (float*)inputs[i];
                slots[i] = kinds[i] switch
                {
                    FusedOperand.Plane => p[plane],
                    FusedOperand.Scalar => p[0],
                    _ => p[offset + j],
                };
            }

            for (int s = 0; s < steps.Length; s++)
            {
                FusedStep step = steps[s];
                float r = Apply(step, slots[step.A], slots[step.B]);
                slots[n + s] = r;
                if (step.Output >= 0)
                {
                    ((float*)outputs[step.Output])[offset + j] = r;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Apply(FusedStep step, float a, float b) => step.Op switch
    {
        FusedOp.Add => default(AddOp).Apply(a, b),
        FusedOp.Sub => default(SubOp).Apply(a, b),
        FusedOp.Mul => default(MulOp).Apply(a, b),
        FusedOp.Div => default(DivOp).Apply(a, b),
        FusedOp.Relu => default(ReluOp).Apply(a),
        _ => new ClipOp(step.Lo, step.Hi).Apply(a),
    };
}
