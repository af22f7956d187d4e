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

    private static void PlaneVector(FusedStep[] steps, nint[] inputs, FusedOperand[] kinds, nint[] outputs, int plane, int length)
    {
        int n = inputs.Length;
        Vector512<float>* slots = stackalloc Vector512<float>[n + steps.Length];
        long offset = (long)plane * length;
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

        // Plane and scalar operands are the same for the whole plane.
        for (int i = 0; i < n; i++)
        {
            float* p = (float*)inputs[i];
            slots[i] = kinds[i] switch
            {
                FusedOperand.Plane => Vector512.Create(p[plane]),
                FusedOperand.Scalar => Vector512.Create(p[0]),
                _ => default,
            };
        }

        for (int j = 0; j < length; j += 16)
        {
            bool whole = j + 16 <= length;
            Vector512<float> mask = whole ? default : Vector512.LessThan(lane, Vector512.Create(length - j)).AsSingle();
            for (int i = 0; i < n; i++)
            {
                if (kinds[i] == FusedOperand.Full)
                {
                    float* p = (float*)inputs[i] + offset + j;
                    slots[i] = whole ? Vector512.Load(p) : Avx512F.MaskLoad(p, mask, Vector512<float>.Zero);
                }
            }

            for (int s = 0; s < steps.Length; s++)
            {
                FusedStep step = steps[s];
                Vector512<float> a = slots[step.A], b = slots[step.B];
                Vector512<float> r = step.Op switch
                {
                    FusedOp.Add => default(AddOp).Apply(a, b),
                    FusedOp.Sub => default(SubOp).Apply(a, b),
                    FusedOp.Mul => default(MulOp).Apply(a, b),
                    FusedOp.Div => default(DivOp).Apply(a, b),
                    FusedOp.Relu => default(ReluOp).Apply(a),
                    _ => new ClipOp(step.Lo, step.Hi).Apply(a),
                };
                slots[n + s] = r;
                if (step.Output >= 0)
                {
                    float* o = (float*)outputs[step.Output] + offset + j;
                    if (whole)
                    {
                        Vector512.Store(r, o);
                    }
                    else
                    {
                        Avx512F.MaskStore(o, mask, r);
                    }
                }
            }
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
