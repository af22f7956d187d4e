using SysNoise.Kernels.Post;
using SysNoise.Runtime.Variants;

namespace SysNoise.Runtime.Post;

/// <summary>What a box decode needs besides the convention: the knobs each library exposes.</summary>
public sealed record BoxDecodeOptions
{
    /// <summary>The aligned offset (0 or 1). Required by <c>paper</c>; the other conventions fix it and accept only their own.</summary>
    public int? Offset { get; init; }

    /// <summary>(wx, wy, ww, wh): deltas are divided by them. Only for conventions that have weights; default (1, 1, 1, 1).</summary>
    public (double X, double Y, double W, double H)? Weights { get; init; }

    /// <summary>Denormalising means: d·std + mean. Only for conventions that have them; default (0, 0, 0, 0).</summary>
    public (double X, double Y, double W, double H)? Means { get; init; }

    /// <summary>Denormalising stds; default (1, 1, 1, 1).</summary>
    public (double X, double Y, double W, double H)? Stds { get; init; }

    /// <summary>The dw/dh clamp bound; default log(1000/16) (mmdet: |log(16/1000)|).</summary>
    public double? Clamp { get; init; }

    /// <summary>Clip decoded boxes to an image of this size (width, height), with the convention's bound (W or W − 1).</summary>
    public (int Width, int Height)? ClipTo { get; init; }

    public BoxArithmetic Arithmetic { get; init; } = BoxArithmetic.Float64;
}

/// <summary>
/// A box-decode convention (one library's <c>delta2bbox</c>), as data for <see cref="BoxDecodeSpec"/>. Names are what a
/// deployment profile's <c>postprocess.box_convention</c> references.
/// </summary>
public sealed class BoxConvention : IVariant
{
    internal BoxConvention(string name, string provenAgainst, string description)
    {
        Name = name;
        ProvenAgainst = provenAgainst;
        Description = description;
    }

    public string Name { get; }

    public PipelineStage Stage => PipelineStage.PostProcess;

    public string ProvenAgainst { get; }

    public string Description { get; }

    /// <summary>The +1 the library adds to widths and heights; null when it is a parameter (the paper's ALIGNED_FLAG.offset).</summary>
    public int? FixedOffset { get; init; }

    /// <summary>Centre as x1 + 0.5·w (torchvision, Detectron, the paper) rather than (x1 + x2)·0.5 (mmdet).</summary>
    public bool CenterFromCorner { get; init; }

    /// <summary>mmdet 1.x's "+0.5 / −0.5" on the decoded corners.</summary>
    public bool HalfPixelCorners { get; init; }

    /// <summary>x2' = pcx + 0.5·pw − offset (Detectron's "−1 is correct", the paper's ALIGNED_FLAG).</summary>
    public bool SubtractOffsetFromFarCorner { get; init; }

    /// <summary>dw/dh clamped on both sides (mmdet) rather than from above only.</summary>
    public bool SymmetricClamp { get; init; }

    public bool HasWeights { get; init; }

    public bool HasMeansStds { get; init; }

    /// <summary>Clip bound = size − this (Detectron, mmdet 1.x and legacy: W − 1; torchvision, mmdet 2: W); null: the offset.</summary>
    public int? ClipOffset { get; init; }

    /// <summary>The library's default clamp bound: torchvision/Detectron write log(1000/16), mmdet |log(16/1000)|.</summary>
    public double DefaultClamp => SymmetricClamp ? Math.Abs(Math.Log(16.0 / 1000.0)) : Math.Log(1000.0 / 16.0);

    /// <summary>The kernel spec for these options; throws <see cref="ArgumentException"/> naming the conflict.</summary>
    public BoxDecodeSpec Spec(BoxDecodeOptions options)
    {
        int offset;
        if (FixedOffset is int fixedOffset)
        {
            if (options.Offset is int given && given != fixedOffset)
            {
                throw new ArgumentException($"box convention '{Name}' fixes the offset at {fixedOffset}; use 'paper' for a configurable offset");
            }

            offset = fixedOffset;
        }
        else
        {
            offset = options.Offset ?? throw new ArgumentException($"box convention '{Name}' needs an offset (0 or 1: the paper's ALIGNED_FLAG.offset)");
            if (offset is not (0 or 1))
            {
                throw new ArgumentException($"the offset must be 0 or 1, got {offset}");
            }
        }

        if (options.Weights is not null && !HasWeights)
        {
            throw new ArgumentException($"box convention '{Name}' has no weights (it denormalises with means and stds)");
        }

        if ((options.Means is not null || options.Stds is not null) && !HasMeansStds)
        {
            throw new ArgumentException($"box convention '{Name}' has no means/stds (it divides by weights)");
        }

        var weights = HasWeights ? options.Weights ?? (1, 1, 1, 1) : ((double, double, double, double)?)null;
        var means = HasMeansStds ? options.Means ?? (0, 0, 0, 0) : ((double, double, double, double)?)null;
        var stds = HasMeansStds ? options.Stds ?? (1, 1, 1, 1) : ((double, double, double, double)?)null;
        foreach (var (label, v) in new[] { ("weights", weights), ("means", means), ("stds", stds) })
        {
            if (v is { } t && !(double.IsFinite(t.Item1) && double.IsFinite(t.Item2) && double.IsFinite(t.Item3) && double.IsFinite(t.Item4)))
            {
                throw new ArgumentException($"{label} must be finite");
            }
        }

        if (weights is { } w && (w.Item1 == 0 || w.Item2 == 0 || w.Item3 == 0 || w.Item4 == 0))
        {
            throw new ArgumentException("weights must be non-zero (deltas are divided by them)");
        }

        double clamp = options.Clamp ?? DefaultClamp;
        if (double.IsNaN(clamp))
        {
            throw new ArgumentException("the clamp bound must be a number");
        }

        (double, double)? clip = null;
        if (options.ClipTo is { } size)
        {
            if (size.Width < 1 || size.Height < 1)
            {
                throw new ArgumentException($"the clip size must be positive, got {size.Width}x{size.Height}");
            }

            int clipOffset = ClipOffset ?? offset;
            clip = (size.Width - clipOffset, size.Height - clipOffset);
        }

        float low = HalfPixelCorners ? 0.5f : 0f;
        float high = HalfPixelCorners ? -0.5f : SubtractOffsetFromFarCorner ? -offset : 0f;
        return new BoxDecodeSpec(
            offset,
            CenterFromCorner,
            low,
            high,
            weights,
            means,
            stds,
            SymmetricClamp ? -clamp : double.NegativeInfinity,
            clamp,
            clip,
            options.Arithmetic);
    }
}

/// <summary>
/// An NMS variant as data: the IoU offset, the threshold's precision, the score sort, and the batched (class-aware)
/// strategy. Names are what a deployment profile references.
/// </summary>
public sealed class NmsVariant : IVariant
{
    internal NmsVariant(string name, string provenAgainst, string description)
    {
        Name = name;
        ProvenAgainst = provenAgainst;
        Description = description;
    }

    public string Name { get; }

    public PipelineStage Stage => PipelineStage.PostProcess;

    public string ProvenAgainst { get; }

    public string Description { get; }

    /// <summary>0: area = (x2 − x1)(y2 − y1) (torchvision); 1: the +1 pixel convention (mmcv offset=1).</summary>
    public int Offset { get; init; }

    /// <summary>The library takes the threshold as a C++ float (mmcv) rather than a double (torchvision).</summary>
    public bool ThresholdIsFloat { get; init; }

    /// <summary>Scores sorted with <c>sort(stable=True)</c> (torchvision) rather than the default introsort (mmcv).</summary>
    public bool StableSort { get; init; }

    /// <summary>Batched NMS uses the coordinate-offset trick up to this many boxes and one NMS per class above it.</summary>
    public int TrickMaxBoxes { get; init; }

    /// <summary>The per-class path runs on the offset boxes (mmcv) rather than the original ones (torchvision).</summary>
    public bool PerClassUsesOffsetBoxes { get; init; }

    public NmsSpec Spec(double iouThreshold) => new(Offset, ThresholdIsFloat ? (float)iouThreshold : iouThreshold);
}

/// <summary>A classifier softmax variant (see <see cref="SoftmaxSpec"/> for the exact order).</summary>
public sealed class SoftmaxVariant : IVariant
{
    internal SoftmaxVariant(string name, string description, bool subtractMax, bool half)
    {
        Name = name;
        Description = description;
        Spec = new SoftmaxSpec(subtractMax, half);
    }

    public string Name { get; }

    public PipelineStage Stage => PipelineStage.PostProcess;

    public string ProvenAgainst => "NumPy reference, same order";

    public string Description { get; }

    public SoftmaxSpec Spec { get; }

    public bool Half => Spec.Half != 0;
}

/// <summary>The post-processing variants: box-decode conventions, NMS variants and softmax variants.</summary>
public static class PostVariants
{
    private const string Float64Reference = "NumPy float64 (≤1 ulp)";

    public static IReadOnlyList<BoxConvention> BoxConventions { get; } =
    [
        new("paper", Float64Reference + "; torchvision 0.14 at offset 0", "box decode, the SysNoise paper's Appendix A: w = x2 − x1 + offset, x2' = pcx + 0.5·pw − offset, means/stds then weights, dw clamped from above; clip to W − offset")
        {
            FixedOffset = null, CenterFromCorner = true, SubtractOffsetFromFarCorner = true, HasWeights = true, HasMeansStds = true,
        },
        new("detectron", Float64Reference, "box decode, Detectron / maskrcnn-benchmark (TO_REMOVE = 1): w = x2 − x1 + 1, x2' = pcx + 0.5·pw − 1, weights, dw clamped from above; clip to W − 1")
        {
            FixedOffset = 1, CenterFromCorner = true, SubtractOffsetFromFarCorner = true, HasWeights = true, ClipOffset = 1,
        },
        new("mmdet1", Float64Reference, "box decode, mmdet 1.x delta2bbox: centre (x1 + x2)/2, w = x2 − x1 + 1, corners ±0.5, means/stds, dw clamped to ±|log(16/1000)|; clip to W − 1")
        {
            FixedOffset = 1, HalfPixelCorners = true, SymmetricClamp = true, HasMeansStds = true, ClipOffset = 1,
        },
        new("mmdet2-legacy", Float64Reference, "box decode, mmdet 2.x/3.x LegacyDeltaXYWHBBoxCoder: w = x2 − x1 + 1 without the ±0.5, means/stds, symmetric clamp; clip to W − 1")
        {
            FixedOffset = 1, SymmetricClamp = true, HasMeansStds = true, ClipOffset = 1,
        },
        new("mmdet2", Float64Reference, "box decode, mmdet 2.x/3.x DeltaXYWHBBoxCoder: w = x2 − x1, centre (x1 + x2)/2, means/stds, symmetric clamp; clip to W")
        {
            FixedOffset = 0, SymmetricClamp = true, HasMeansStds = true, ClipOffset = 0,
        },
        new("torchvision", Float64Reference + "; torchvision 0.14 BoxCoder (float32, bit-exact)", "box decode, torchvision BoxCoder.decode_single / Detectron2 Box2BoxTransform: w = x2 − x1, centre x1 + 0.5·w, weights, dw clamped from above; clip to W")
        {
            FixedOffset = 0, CenterFromCorner = true, HasWeights = true, ClipOffset = 0,
        },
    ];

    public static IReadOnlyList<NmsVariant> Nms { get; } =
    [
        new("torchvision-nms", "torchvision 0.14 nms, batched_nms (bit-exact)", "NMS, torchvision.ops: area (x2 − x1)(y2 − y1), suppress IoU > threshold (double), stable descending sort; batched: coordinate trick up to 1000 boxes (4000 numbers), per-class loop above")
        {
            Offset = 0, StableSort = true, TrickMaxBoxes = 1000,
        },
        new("mmcv-nms-offset1", "hand-checked table, float64 reference", "NMS, mmcv nms(offset=1) on torch 1.13 CPU: area (x2 − x1 + 1)(y2 − y1 + 1), suppress IoU > threshold (float), introsort order; batched: coordinate trick below 10000 boxes, per-class on offset boxes above")
        {
            Offset = 1, ThresholdIsFloat = true, StableSort = false, TrickMaxBoxes = 9999, PerClassUsesOffsetBoxes = true,
        },
    ];

    public static IReadOnlyList<SoftmaxVariant> Softmax { get; } =
    [
        new("softmax-fp32", "softmax in float32 with the row maximum subtracted, float32 sum in index order", subtractMax: true, half: false),
        new("softmax-fp32-plain", "softmax in float32 without the max shift: exp(x)/Σexp(x), ∞/∞ = NaN once x > 88.7", subtractMax: false, half: false),
        new("softmax-fp16", "softmax on binary16 values with the max shift: fp16 differences and exps, float32 sum, fp16 output", subtractMax: true, half: true),
        new("softmax-fp16-plain", "softmax on binary16 values without the max shift: exp overflows fp16 once x > 11.09", subtractMax: false, half: true),
    ];

    public static IEnumerable<IVariant> All => BoxConventions.Cast<IVariant>().Concat(Nms).Concat(Softmax);

    public static BoxConvention GetBoxConvention(string name) =>
        BoxConventions.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown box convention '{name}'. Valid: {string.Join(", ", BoxConventions.Select(c => c.Name))}");

    public static NmsVariant GetNms(string name) =>
        Nms.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"unknown NMS variant '{name}'. Valid: {string.Join(", ", Nms.Select(c => c.Name))}");

    /// <summary>The NMS variant for an IoU offset: 0 is torchvision's, 1 mmcv's offset=1.</summary>
    public static NmsVariant NmsForOffset(int offset) => offset switch
    {
        0 => GetNms("torchvision-nms"),
        1 => GetNms("mmcv-nms-offset1"),
        _ => throw new ArgumentException($"the NMS offset must be 0 or 1, got {offset}"),
    };
}
