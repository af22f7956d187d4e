using SysNoise.Runtime.Model.Execution;

namespace SysNoise.Runtime.Profiles;

/// <summary>How an image becomes the model's input size (torchvision-style eval transforms).</summary>
public enum ResizeMode
{
    /// <summary>Resize the shorter side to round(crop × 8/7) (or <see cref="EvalTransform.ResizeTo"/>), then centre-crop.</summary>
    ResizeCrop,

    /// <summary>Resize the shorter side to the crop size, then centre-crop.</summary>
    ShorterSide,

    /// <summary>Resize straight to crop × crop (aspect ratio not kept).</summary>
    Direct,

    /// <summary>
    /// PaddleOCR's <c>DetResizeForTest</c> with <c>limit_type: max</c> (text detection): the longer side scaled down to
    /// <see cref="EvalTransform.LimitSide"/> when it is longer, each side truncated, then rounded (half to even) to a
    /// multiple of 32 (at least 32). No crop: the model sees the whole image.
    /// </summary>
    LimitMax,
}

/// <summary>How pixel values are scaled before mean/std.</summary>
public enum ScaleOp
{
    /// <summary>torchvision's ToTensor: <c>x / scale</c> in float32.</summary>
    Divide,

    /// <summary>PaddleOCR's NormalizeImage: <c>x · float32(1 / scale)</c> in float32 (differs from the division in the last bit for some x).</summary>
    Multiply,
}

public enum ChannelOrder
{
    Rgb,
    Bgr,
}

public enum TensorLayout
{
    Nchw,
    Nhwc,
}

/// <summary>The eval transform: geometry and normalisation.</summary>
public sealed record EvalTransform
{
    public ResizeMode Mode { get; init; } = ResizeMode.ResizeCrop;

    public int Crop { get; init; } = 224;

    /// <summary>Shorter-side target for <see cref="ResizeMode.ResizeCrop"/>; null: round(crop × 8/7).</summary>
    public int? ResizeTo { get; init; }

    /// <summary>Pixel values are divided by this before mean/std (255 maps to [0, 1]).</summary>
    public float Scale { get; init; } = 255f;

    public float[] Mean { get; init; } = [0.485f, 0.456f, 0.406f];

    public float[] Std { get; init; } = [0.229f, 0.224f, 0.225f];

    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.Rgb;

    /// <summary>The longer-side limit of <see cref="ResizeMode.LimitMax"/> (PaddleOCR's det_limit_side_len).</summary>
    public int LimitSide { get; init; } = 960;

    public ScaleOp ScaleOp { get; init; } = ScaleOp.Divide;

    public TensorLayout Layout { get; init; } = TensorLayout.Nchw;

    public int ShorterSideTarget => Mode switch
    {
        ResizeMode.ResizeCrop => ResizeTo ?? (int)Math.Round(Crop * 8.0 / 7.0, MidpointRounding.ToEven),
        _ => Crop,
    };
}

public enum WeightGranularity
{
    PerTensor,
    PerChannel,
}

public enum ActivationCalibration
{
    MinMax,
    Percentile,
}

public enum QuantRounding
{
    HalfToEven,
    HalfAwayFromZero,
}

/// <summary>How the int8-int path scales an int32 accumulator by its fixed-point multiplier (TFLite's two builds).</summary>
public enum RequantizationMode
{
    /// <summary>TFLite's default MultiplyByQuantizedMultiplier: gemmlowp's SaturatingRoundingDoublingHighMul then RoundingDivideByPOT.</summary>
    DoubleRounding,

    /// <summary>TFLite built with TFLITE_SINGLE_ROUNDING: one rounding of x·M0 / 2^(31 − shift), ties up.</summary>
    SingleRounding,
}

/// <summary>INT8 settings (used when the precision is int8-qdq or int8-int).</summary>
public sealed record QuantizationSettings
{
    public WeightGranularity Weights { get; init; } = WeightGranularity.PerChannel;

    public bool Symmetric { get; init; } = true;

    public ActivationCalibration Activations { get; init; } = ActivationCalibration.MinMax;

    public double Percentile { get; init; } = 99.99;

    public QuantRounding Rounding { get; init; } = QuantRounding.HalfToEven;

    /// <summary>int8-int only: the fixed-point requantization.</summary>
    public RequantizationMode Requantization { get; init; } = RequantizationMode.DoubleRounding;

    /// <summary>Images used for calibration, taken from the start of the dataset's sorted file list.</summary>
    public int CalibrationImages { get; init; } = 32;
}

/// <summary>Detection post-processing conventions (issue 6).</summary>
public sealed record PostProcessSettings
{
    public string BoxConvention { get; init; } = "torchvision";

    public int BoxOffset { get; init; }

    public int NmsOffset { get; init; }

    /// <summary>DB text-detection post-processing (PP-OCR detectors); PaddleOCR's inference defaults.</summary>
    public Dense.DbSettings Db { get; init; } = new();
}

/// <summary>One deployment system, described declaratively (a YAML file or a built-in).</summary>
public sealed record DeploymentProfile
{
    public required string Name { get; init; }

    public string Description { get; init; } = string.Empty;

    /// <summary>A decode variant name (sysnoise variants --stage decode).</summary>
    public string Decode { get; init; } = "pil";

    /// <summary>A resize variant name (sysnoise variants --stage resize).</summary>
    public string Resize { get; init; } = "pillow-bilinear";

    public EvalTransform Transform { get; init; } = new();

    /// <summary>A colour variant name, or null for none.</summary>
    public string? Color { get; init; }

    /// <summary>null: as the model says; else force ceil_mode on every pooling.</summary>
    public bool? CeilMode { get; init; }

    public CeilRule CeilRule { get; init; } = CeilRule.Modern;

    /// <summary>null: as the model says; else "nearest", "linear" or "cubic" for every Resize/Upsample.</summary>
    public string? Upsample { get; init; }

    public Precision Precision { get; init; } = Precision.Fp32;

    public QuantizationSettings Quantization { get; init; } = new();

    public PostProcessSettings PostProcess { get; init; } = new();

    /// <summary>Where the profile came from (a file path or "built-in").</summary>
    public string Source { get; init; } = "built-in";

    public ExecutionOptions ToExecutionOptions(int threads = 0) => new()
    {
        Precision = Precision,
        CeilMode = CeilMode,
        CeilRule = CeilRule,
        UpsampleMode = Upsample,
        Threads = threads,
    };
}
