using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace SysNoise.Runtime.Devices;

/// <summary>
/// Compiles kernels to PTX without a GPU (ILGPU's PTX backend needs no driver), so that every
/// kernel is proven to build for CUDA on machines that have none.
/// </summary>
public sealed class PtxCompiler : IDisposable
{
    private readonly Context context;
    private readonly PTXBackend backend;

    public PtxCompiler(CudaArchitecture? architecture = null)
    {
        SysNoise.Kernels.Numerics.KernelIntrinsics.Register();
        context = Context.Create(builder => builder.Math(MathMode.Default).Optimize(OptimizationLevel.O1));
        Architecture = architecture ?? CudaArchitecture.SM_75;
        backend = new PTXBackend(context, Architecture, CudaInstructionSet.ISA_75, nvvmAPI: null!); // No NVVM: ILGPU emits PTX itself.
    }

    public CudaArchitecture Architecture { get; }

    /// <summary>
    /// Compiles an implicitly grouped kernel (a closed generic method) and returns its PTX. A kernel whose PTX calls an
    /// external function (a .NET method ILGPU has no mapping for, e.g. MathF.FusedMultiplyAdd) is refused: the CUDA
    /// driver cannot link it, even when the call sits in a branch that never runs.
    /// </summary>
    public string Compile(MethodInfo kernel)
    {
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(kernel);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, KernelSpecialization.Empty);
        string ptx = compiled.PTXAssembly;
        int external = ptx.IndexOf(".extern .func", StringComparison.Ordinal);
        if (external >= 0)
        {
            int end = ptx.IndexOf('(', ptx.IndexOf(')', external) + 1);
            string declaration = ptx[external..(end > external ? end : Math.Min(ptx.Length, external + 80))].ReplaceLineEndings(" ");
            throw new InvalidOperationException($"{kernel.DeclaringType?.Name}.{kernel.Name}: the PTX calls an unresolved external function ({declaration.Trim()}), which the CUDA driver cannot link");
        }

        return ptx;
    }

    public void Dispose()
    {
        backend.Dispose();
        context.Dispose();
    }
}
