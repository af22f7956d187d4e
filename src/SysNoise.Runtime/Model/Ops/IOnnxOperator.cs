using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops;

/// <summary>
/// One ONNX operator. Implementations are stateless singletons registered in <see cref="OpRegistry"/>; numerics
/// live in SysNoise.Kernels helpers that the host loops and the ILGPU kernels share.
/// </summary>
public interface IOnnxOperator
{
    string OpType { get; }

    /// <summary>The operator's domain: "" for ONNX's default domain, <see cref="OpRegistry.SysNoiseDomain"/> for SysNoise's own.</summary>
    string Domain => string.Empty;

    /// <summary>Oldest opset of the default domain whose semantics this implementation covers.</summary>
    int MinOpset => 1;

    /// <summary>Load-time checks of attributes and inputs; each string is one problem.</summary>
    IEnumerable<string> Check(OnnxNode node) => [];

    /// <summary>Runs the node. Inputs follow the node's input list (null for an omitted optional input).</summary>
    Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs);
}

/// <summary>
/// What an operator may read while running: the options (noise knobs), the thread budget and the device.
/// On a <see cref="HostDevice"/> operators run their host loops; on an <see cref="IlgpuDevice"/> they run their
/// ILGPU kernels (same arithmetic, same accumulation order), uploading inputs and downloading outputs.
/// </summary>
public sealed class OpContext(ExecutionOptions options, Device? device = null, BufferArena? arena = null)
{
    public ExecutionOptions Options { get; } = options;

    public Device Device { get; } = device ?? HostDevice.Shared;

    /// <summary>The ILGPU device when kernels should run on it, else null (host loops).</summary>
    public IlgpuDevice? Ilgpu => Device as IlgpuDevice;

    public int Threads { get; } = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;

    public ParallelOptions Parallel => new() { MaxDegreeOfParallelism = Threads };

    /// <summary>The values ONNX Runtime holds as initializers (constant initializers, Constant nodes' outputs), for ops whose peer treats them apart.</summary>
    public IReadOnlySet<string>? Constants { get; init; }

    /// <summary>Whether <paramref name="name"/> is one of <see cref="Constants"/> (ORT prepacks such GEMM/ConvTranspose weights).</summary>
    public bool IsConstant(string name) => Constants?.Contains(name) == true;

    /// <summary>The session's run-time buffer pool (host runs without a per-value dump), else null.</summary>
    public BufferArena? Arena { get; } = arena;

    /// <summary>
    /// A float32 output array of <paramref name="length"/> elements with arbitrary contents: the caller must write every
    /// element. Recycled from the arena when there is one.
    /// </summary>
    public float[] NewFloats(long length) => Arena?.RentFloats(length) ?? GC.AllocateUninitializedArray<float>(checked((int)length));
}
