namespace SysNoise.Runtime.Model.Execution;

/// <summary>Numeric precision of a run (issue 5's profiles set it).</summary>
public enum Precision
{
    /// <summary>float32 storage and accumulation.</summary>
    Fp32,

    /// <summary>Weights and activations stored as binary16 (rounded to nearest-even at every op output), fp32 accumulation.</summary>
    Fp16,

    /// <summary>As <see cref="Fp16"/>, and accumulations rounded to binary16 after every step.</summary>
    Fp16Acc16,

    /// <summary>QDQ fake quantization, bit-exact with ONNX Runtime running the same QDQ graph.</summary>
    Int8Qdq,

    /// <summary>NPU-style integer path: int8×int8→int32, int32 bias, fixed-point requantization.</summary>
    Int8Int,
}

/// <summary>In which order Conv, Gemm, MatMul and GlobalAveragePool accumulate their fp32 sums.</summary>
public enum AccumulationOrder
{
    /// <summary>Our fixed order (NnMath): one fma chain over k from +0 per output, then the bias; a double-sum plane mean.</summary>
    Sequential,

    /// <summary>
    /// ONNX Runtime 1.31's CPU provider (MLAS on x86-64, one intra-op thread): K blocks, kernels and bias placement
    /// as MLAS chooses them from the node's shapes (MlasPlan, MlasMath). The int8-qdq precision runs with it, so that a
    /// QDQ graph gives ORT's bits.
    /// </summary>
    OnnxRuntimeCpu,
}

/// <summary>How pooling output sizes are computed when ceil mode is on.</summary>
public enum CeilRule
{
    /// <summary>PyTorch ≥ 1.8 / ONNX ≥ 1.16: a last window that would start in the right padding is dropped.</summary>
    Modern,

    /// <summary>Older PyTorch/ONNX: plain ceil, the last window may start in the padding.</summary>
    Legacy,
}

/// <summary>Executor options: the model-inference noise knobs.</summary>
public sealed record ExecutionOptions
{
    public static ExecutionOptions Default { get; } = new();

    /// <summary>
    /// The accumulation order a requested precision runs with: int8-qdq in ONNX Runtime's CPU order (its QDQ graph then
    /// gives ORT's bits), everything else in ours. Every caller that turns a precision into a session uses this.
    /// </summary>
    public static AccumulationOrder AccumulationFor(Precision requested)
        => requested == Precision.Int8Qdq ? AccumulationOrder.OnnxRuntimeCpu : AccumulationOrder.Sequential;

    public Precision Precision { get; init; } = Precision.Fp32;

    /// <summary>Accumulation order of the fp32 Conv/Gemm/MatMul/GlobalAveragePool (fp16-acc16 keeps its own chains).</summary>
    public AccumulationOrder Accumulation { get; init; } = AccumulationOrder.Sequential;

    /// <summary>
    /// Under <see cref="AccumulationOrder.Sequential"/>, the op types (e.g. "Conv", "GlobalAveragePool") that follow ONNX
    /// Runtime's order all the same; null or empty: none. For parity work: switching one op type at a time to ORT's
    /// order shows how much of a difference from ORT that op type's summing order explains.
    /// </summary>
    public IReadOnlySet<string>? OrtOrderOps { get; init; }

    /// <summary>The op types whose fp32 arithmetic has an ONNX Runtime order here (all others are the same in both orders).</summary>
    public static IReadOnlySet<string> OrtOrderOpTypes { get; } = new SortedSet<string>(StringComparer.Ordinal)
    {
        "AveragePool", "BatchNormalization", "Conv", "ConvTranspose", "Erf", "Gemm", "GlobalAveragePool", "MatMul", "Pow",
        "ReduceMean", "ReduceSum", "Sigmoid", "Softmax",
    };

    /// <summary>null: as the model says; true/false: override every MaxPool/AveragePool's ceil_mode.</summary>
    public bool? CeilMode { get; init; }

    public CeilRule CeilRule { get; init; } = CeilRule.Modern;

    /// <summary>null: as the model says; else override every Resize/Upsample's mode ("nearest", "linear", "cubic").</summary>
    public string? UpsampleMode { get; init; }

    /// <summary>Override the coordinate_transformation_mode of every Resize (null: as the model says).</summary>
    public string? UpsampleCoordinateMode { get; init; }

    /// <summary>Threads for the host path (0: all cores).</summary>
    public int Threads { get; init; }

    /// <summary>
    /// Host fp32 path: a Conv absorbs the Add / Relu / Clip nodes that follow it (same bits as running them one by one;
    /// see <see cref="ConvFusionPlan"/>). False runs every node by itself, as a per-value dump always does. Not a noise knob.
    /// </summary>
    public bool FuseElementwise { get; init; } = true;
}
