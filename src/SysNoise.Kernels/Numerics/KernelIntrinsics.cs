using ILGPU.Frontend.Intrinsic;
using ILGPU.Runtime.Cuda;

namespace SysNoise.Kernels.Numerics;

/// <summary>
/// Kernel-side implementations of .NET math methods ILGPU does not map itself. <see cref="Register"/> tells ILGPU's
/// frontend to compile calls to them into these instead; every device (and the PTX compiler) registers before it
/// compiles a kernel. Host code, and ILGPU's CPU accelerator (which runs the IL as it is), keep the .NET methods.
/// </summary>
public static class KernelIntrinsics
{
    private static readonly Lazy<bool> Registered = new(() =>
    {
        RemappedIntrinsics.AddRemapping(typeof(MathF), typeof(KernelIntrinsics), nameof(FusedMultiplyAdd), [typeof(float), typeof(float), typeof(float)]);
        return true;
    });

    /// <summary>Makes the remappings (idempotent, thread-safe).</summary>
    public static void Register() => _ = Registered.Value;

    /// <summary>MathF.FusedMultiplyAdd in kernels: <c>fma.rn.f32</c> on CUDA, the exact portable form elsewhere.</summary>
    public static float FusedMultiplyAdd(float x, float y, float z)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("fma.rn.f32 %0, %1, %2, %3;", out float r, x, y, z);
            return r;
        }

        return StrictFloat.PortableFusedMultiplyAdd(x, y, z);
    }
}
