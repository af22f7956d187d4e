using System.Text.Json;
using System.Text.Json.Serialization;
using SysNoise.Kernels.Model.Quant;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Quantization;

/// <summary>
/// The NPU-style INT8 integer path ("int8-int") for a float model: activation ranges calibrated exactly as for the QDQ
/// path, then <see cref="IntegerRewriter"/> turns Conv/Gemm/MatMul into integer layers (int8 × int8 → int32, int32 bias,
/// fixed-point requantization to uint8). The result is an ONNX model with com.sysnoise operators that SysNoise's executor
/// runs (host loops or ILGPU kernels, the same bits), and a description of every layer's integers for porting to a device.
/// </summary>
public sealed class IntegerPipeline
{
    private IntegerPipeline(OnnxModel model, byte[] bytes, IntegerModelDescription description)
    {
        Model = model;
        Bytes = bytes;
        Description = description;
    }

    /// <summary>The integer model.</summary>
    public OnnxModel Model { get; }

    /// <summary>The integer model as an .onnx file's bytes (com.sysnoise domain operators: SysNoise runs it, ONNX Runtime does not).</summary>
    public byte[] Bytes { get; }

    /// <summary>Every integer layer's scales, zero points, int32 biases, multipliers and shifts.</summary>
    public IntegerModelDescription Description { get; }

    public static IntegerOptions OptionsFor(QuantizationSettings settings) => new()
    {
        PerChannel = settings.Weights == WeightGranularity.PerChannel,
        SymmetricWeights = settings.Symmetric,
        Rounding = settings.Rounding == Profiles.QuantRounding.HalfAwayFromZero ? QuantRounding.HalfAwayFromZero : QuantRounding.HalfToEven,
        Requantization = settings.Requantization == RequantizationMode.SingleRounding ? RequantMode.SingleRounding : RequantMode.DoubleRounding,
    };

    public static IntegerPipeline Prepare(OnnxModel floatModel, IEnumerable<IReadOnlyDictionary<string, Tensor>> calibrationInputs, QuantizationSettings settings, int threads = 0)
    {
        RangeCalibrator calibrator = QdqPipeline.Calibrate(floatModel, calibrationInputs, settings, threads);
        (byte[] bytes, IntegerModelDescription description) = IntegerRewriter.Rewrite(File.ReadAllBytes(floatModel.Path), calibrator, OptionsFor(settings));
        string directory = Path.GetDirectoryName(Path.GetFullPath(floatModel.Path)) ?? ".";
        OnnxModel integer = OnnxLoader.Load(bytes, floatModel.Path + " (int8 integer)", directory);
        return new IntegerPipeline(integer, bytes, description);
    }
}

/// <summary>A uint8 activation's scale and zero point: real = (q − zero_point)·scale.</summary>
public sealed record QuantizedValue(string Value, float Scale, int ZeroPoint);

/// <summary>int8 weights: per channel along <see cref="Axis"/> (−1: one scale and zero point for the tensor).</summary>
public sealed record WeightDescription(string Value, string Int8Value, int Axis, float[] Scale, int[] ZeroPoint);

/// <summary>A Conv/Gemm/MatMul the rewrite left in float, and why.</summary>
public sealed record SkippedLayer(string Name, string Op, string Reason);

/// <summary>One integer layer: what the device computes for it.</summary>
public sealed record IntegerLayerDescription
{
    public required string Name { get; init; }

    /// <summary>The float op it replaces (Conv, Gemm, MatMul).</summary>
    public required string Op { get; init; }

    /// <summary>IntegerConv or IntegerMatMul.</summary>
    public required string Kernel { get; init; }

    /// <summary>Ops fused into it (Add: a bias; Relu/Clip: the output clamp).</summary>
    public required List<string> Fused { get; init; }

    public required QuantizedValue Input { get; init; }

    public WeightDescription? Weights { get; init; }

    /// <summary>The right operand when it is an activation (MatMul of two activations).</summary>
    public QuantizedValue? RightInput { get; init; }

    /// <summary>int32 bias per output channel (scale s_x·s_w[c]), or null.</summary>
    public int[]? Bias { get; init; }

    public required QuantizedValue Output { get; init; }

    public required int OutputMin { get; init; }

    public required int OutputMax { get; init; }

    /// <summary>s_x·s_w[c]/s_y in float64, per channel (one value when per tensor).</summary>
    public required double[] RealMultiplier { get; init; }

    /// <summary>M0 in [2^30, 2^31) (0 for a zero multiplier), per channel.</summary>
    public required int[] Multiplier { get; init; }

    /// <summary>The multiplier is M0·2^(shift − 31).</summary>
    public required int[] Shift { get; init; }

    public required int OutputChannels { get; init; }
}

/// <summary>The integer model as a device would need it (written as model.int8.json by <c>sysnoise run --precision int8-int</c>).</summary>
public sealed record IntegerModelDescription
{
    /// <summary>The arithmetic every layer performs (README "INT8 integer path" has the details).</summary>
    public string Arithmetic { get; init; } =
        "acc = sum_k (x_q - x_zp) * (w_q - w_zp[c]) in int32 (wrapping; padded taps contribute 0); " +
        "acc += bias[c]; y = requantize(acc, multiplier[c], shift[c]) + y_zp; y = clamp(y, output_min, output_max). " +
        "double-rounding requantize = RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(acc * 2^max(shift,0), multiplier), max(-shift,0)) (gemmlowp / TFLite MultiplyByQuantizedMultiplier); " +
        "single-rounding = (acc * multiplier + 2^(30 - shift)) >> (31 - shift) (TFLITE_SINGLE_ROUNDING). " +
        "Activations are uint8: real = (q - zp) * scale; float values entering a layer are q = clamp(round(x / scale) + zp, 0, 255) with x / scale in float32.";

    public required string Rounding { get; init; }

    public required string Requantization { get; init; }

    public required string WeightGranularity { get; init; }

    public required bool SymmetricWeights { get; init; }

    /// <summary>Float values quantized on entry to the integer layers.</summary>
    public List<QuantizedValue> QuantizedInputs { get; init; } = [];

    /// <summary>Integer layer outputs that float ops (or the graph outputs) read, dequantized.</summary>
    public List<QuantizedValue> DequantizedOutputs { get; init; } = [];

    public List<IntegerLayerDescription> Layers { get; init; } = [];

    public List<SkippedLayer> Skipped { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    });
}
