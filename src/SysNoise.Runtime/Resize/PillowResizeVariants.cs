using SysNoise.Kernels.Resize;
using SysNoise.Kernels.Resize.Pillow;

namespace SysNoise.Runtime.Resize;

/// <summary>Pillow's <c>Image.resize((w, h), FILTER)</c> with the default <c>reducing_gap=None</c>.</summary>
public static class PillowResizeVariants
{
    public const string Version = "Pillow 9.4";

    public static IReadOnlyList<IResizeVariant> All { get; } =
    [
        new PillowResizeVariant(PillowFilter.Nearest, "pillow-nearest", "NEAREST via ImagingScaleAffine: accumulated double position, no premultiplication"),
        new PillowResizeVariant(PillowFilter.Box, "pillow-box", "BOX filter, support 0.5·scale, 22-bit fixed point, uint8 between passes"),
        new PillowResizeVariant(PillowFilter.Bilinear, "pillow-bilinear", "BILINEAR (triangle) filter with antialiasing support 1·scale, 22-bit fixed point"),
        new PillowResizeVariant(PillowFilter.Hamming, "pillow-hamming", "HAMMING-windowed sinc, support 1·scale, 22-bit fixed point"),
        new PillowResizeVariant(PillowFilter.Bicubic, "pillow-bicubic", "BICUBIC (Keys a=−0.5), support 2·scale, truncated and renormalised at borders"),
        new PillowResizeVariant(PillowFilter.Lanczos, "pillow-lanczos", "LANCZOS (3-lobe), support 3·scale, truncated and renormalised at borders"),
    ];
}

/// <summary>
/// One Pillow filter. uint8: C=1 is mode L, C=3 RGB, C=4 RGBA (premultiplied around the resample
/// for every filter but NEAREST, as <c>Image.resize</c> does). float32: each channel is resized as a mode-F band.
/// </summary>
public sealed class PillowResizeVariant : PlannedResizeVariant
{
    private static readonly FloatExactness FloatExact = new(true, 0, "mode F: double sums of float·double, stored as float; reproduced exactly");

    public PillowResizeVariant(PillowFilter filter, string name, string description)
        : base(name, PillowResizeVariants.Version, description)
    {
        Filter = filter;
    }

    public PillowFilter Filter { get; }

    public override FloatExactness Float32 => FloatExact;

    protected override ResizePlan BuildBytePlan(ResizeGeometry g)
    {
        if (Filter == PillowFilter.Nearest)
        {
            return NearestPlan<byte>(g);
        }

        bool premultiply = g.Channels == 4;
        var steps = new List<PlanStep>();
        if (premultiply)
        {
            steps.Add(new Pixel4Step<byte, PillowPremultiplyOp>(default));
        }

        AddPasses(
            steps,
            g,
            w => PillowWeights.ToFixedPoint(w),
            static (w, geo) => new AxisPassStep<byte, int, int, byte, PillowClip8Op>(w, geo, default),
            static (passes, c, h, v) => new HorizontalThenVerticalStep<byte, int, int, int, int, PillowClip8Op, PillowClip8Op>(passes, c, h, v, default, default));
        if (premultiply)
        {
            steps.Add(new Pixel4Step<byte, PillowUnpremultiplyOp>(default));
        }

        return Plan(g, steps);
    }

    protected override ResizePlan BuildFloatPlan(ResizeGeometry g)
    {
        if (Filter == PillowFilter.Nearest)
        {
            return NearestPlan<float>(g);
        }

        var steps = new List<PlanStep>();
        AddPasses(steps, g, static w => w, static (w, geo) => new AxisPassStep<float, double, double, float, PillowFloatOp>(w, geo, default), fuse: null);
        return Plan(g, steps);
    }

    private static ResizePlan Plan(ResizeGeometry g, List<PlanStep> steps)
    {
        // Image.resize returns a copy when the size does not change, premultiplication included.
        if (g.InWidth == g.OutWidth && g.InHeight == g.OutHeight)
        {
            steps.Clear();
        }

        return new ResizePlan(g.OutHeight, g.OutWidth, g.Channels, steps);
    }

    // ImagingResampleInner: horizontal first, only over the source rows the vertical pass reads; a pass whose size does not change is skipped.
    // With both passes, `fuse` (when given) wraps them in one step the host runs as a fused loop over the same maps.
    private void AddPasses<TCoeff>(
        List<PlanStep> steps,
        ResizeGeometry g,
        Func<AxisWeights<double>, AxisWeights<TCoeff>> convert,
        Func<AxisWeights<TCoeff>, PassGeometry, PlanStep> pass,
        Func<IReadOnlyList<PlanStep>, int, AxisWeights<TCoeff>, AxisWeights<TCoeff>, PlanStep>? fuse)
        where TCoeff : unmanaged
    {
        bool needHorizontal = g.OutWidth != g.InWidth;
        bool needVertical = g.OutHeight != g.InHeight;
        AxisWeights<TCoeff> vertical = convert(PillowWeights.Coefficients(Filter, g.InHeight, g.OutHeight, 0f, g.InHeight));
        int firstRow = vertical.Index[0];
        int lastRow = vertical.Index[(g.OutHeight - 1) * vertical.Taps] + vertical.Count[g.OutHeight - 1];
        int rows = g.InHeight;
        AxisWeights<TCoeff>? horizontal = null;
        AxisWeights<TCoeff> sourceVertical = vertical;
        var passes = new List<PlanStep>();
        if (needHorizontal)
        {
            horizontal = convert(PillowWeights.Coefficients(Filter, g.InWidth, g.OutWidth, 0f, g.InWidth));
            rows = lastRow - firstRow;
            passes.Add(pass(horizontal, g.Horizontal(firstRow, rows)));
            vertical = vertical.Rebased(firstRow, rows);
        }

        if (needVertical)
        {
            passes.Add(pass(vertical, g.Vertical(rows, g.OutWidth)));
        }

        if (horizontal is not null && needVertical && fuse is not null)
        {
            steps.Add(fuse(passes, g.Channels, horizontal, sourceVertical));
        }
        else
        {
            steps.AddRange(passes);
        }
    }

    private static ResizePlan NearestPlan<T>(ResizeGeometry g)
        where T : unmanaged
    {
        var steps = new List<PlanStep>
        {
            new Gather2DStep<T>(PillowWeights.Nearest(g.InHeight, g.OutHeight, 0f, g.InHeight), PillowWeights.Nearest(g.InWidth, g.OutWidth, 0f, g.InWidth), g.Channels),
        };
        return Plan(g, steps);
    }
}
