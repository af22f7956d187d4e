using System.Runtime.CompilerServices;
using ILGPU.Runtime.Cuda;

namespace SysNoise.Kernels.Numerics;

/// <summary>
/// Floating-point operations that round exactly once each, on every backend. ILGPU emits plain
/// <c>mul.f32</c>/<c>add.f32</c> PTX, which ptxas may contract into FMA; a library that computes
/// <c>a + b·c</c> as two rounded operations would then differ on the GPU. These helpers emit
/// <c>.rn</c> instructions on CUDA (never contracted) and plain C# arithmetic elsewhere
/// (RyuJIT does not contract). Use them in every float op that must be bit-exact.
/// </summary>
public static class StrictFloat
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Mul(float a, float b)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("mul.rn.f32 %0, %1, %2;", out float r, a, b);
            return r;
        }

        return a * b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float a, float b)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("add.rn.f32 %0, %1, %2;", out float r, a, b);
            return r;
        }

        return a + b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Mul(double a, double b)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("mul.rn.f64 %0, %1, %2;", out double r, a, b);
            return r;
        }

        return a * b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Add(double a, double b)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("add.rn.f64 %0, %1, %2;", out double r, a, b);
            return r;
        }

        return a + b;
    }

    /// <summary>
    /// A fused multiply-add, where a library really fuses (one rounding on every backend): <c>fma.rn.f32</c> on CUDA,
    /// the hardware FMA on the host. ILGPU has no mapping for MathF.FusedMultiplyAdd and would emit an unresolved
    /// <c>.extern</c> call (which the CUDA driver refuses to link, even in this never-taken branch), so
    /// <see cref="KernelIntrinsics.Register"/> remaps it, in kernels, to <see cref="KernelIntrinsics.FusedMultiplyAdd"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FusedMultiplyAdd(float a, float b, float c)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("fma.rn.f32 %0, %1, %2, %3;", out float r, a, b, c);
            return r;
        }

        return MathF.FusedMultiplyAdd(a, b, c);
    }

    /// <summary>
    /// fma(a, b, c) rounded once, from double arithmetic ILGPU can compile for every backend. MathF.FusedMultiplyAdd
    /// has no ILGPU mapping: it becomes an unresolved <c>.extern</c> call in the PTX, which the CUDA driver refuses to
    /// link even in the branch that never runs. a·b is exact in double (24 + 24 significant bits); the sum is formed
    /// exactly as s + e (TwoSum) and s is rounded to odd when e ≠ 0, after which rounding to float is the correctly
    /// rounded result (double keeps more than float's 24 + 2 bits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float PortableFusedMultiplyAdd(float a, float b, float c)
    {
        double p = (double)a * b;
        double s = p + c;
        double bv = s - p;
        double e = (p - (s - bv)) + (c - bv);
        if (e > 0 || e < 0) // not 0, not NaN (NaN when the sum is not finite)
        {
            ulong bits = ILGPU.Interop.FloatAsInt(s);
            if ((bits & 1) == 0)
            {
                // The neighbour towards the exact value: away from zero when e has s's sign.
                bits = (e > 0) == (s > 0) ? bits + 1 : bits - 1;
                s = ILGPU.Interop.IntAsFloat(bits);
            }
        }

        return (float)s;
    }
}
