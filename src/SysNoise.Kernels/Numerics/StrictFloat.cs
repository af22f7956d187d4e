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

    /// <summary>A fused multiply-add, where a library really fuses (one rounding on every backend).</summary>
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
}
