using SysNoise.Kernels.Resize;
using SysNoise.Kernels.Resize.OpenCv;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Resize;

/// <summary>
/// One cv::resize method as one OpenCV build computes it, following resize.cpp's dispatch:
/// same size → copy; INTER_LINEAR(_EXACT) on exact 2×2 → INTER_AREA; INTER_AREA downscales →
/// box sums (integer factors) or area tables; everything else → the separable generic path.
/// </summary>
public sealed class OpenCvResizeVariant : PlannedResizeVariant, ITieResidueVariant
{
    /// <summary>DBL_EPSILON (C#'s double.Epsilon is the smallest subnormal, not this).</summary>
    private const double DblEpsilon = 2.220446049250313e-16;

    /// <summary>SIMD width of the float vertical body in the builds emulated (SSE: 4 floats).</summary>
    private const int FloatVectorLanes = 4;

    public OpenCvResizeVariant(OpenCvMethod method, OpenCvBuild build, string name, string description)
        : base(name, build.Version, description)
    {
        Method = method;
        Build = build;
    }

    public OpenCvMethod Method { get; }

    public OpenCvBuild Build { get; }

    /// <summary>
    /// IPP's cubic is closed source; the model (double positions and Mitchell–Netravali weights stored as float,
    /// fused float accumulation, vertical pass first) matches OpenCV 4.13 except at rounding ties, where IPP's
    /// last-ulp arithmetic decides. Measured over 800 random cases of the test distribution: 4221 bytes differed,
    /// all by 1, all where the model's value was within 3.1e-5 of x.5 (hard 0/255 edges make such ties common;
    /// the share of differing bytes ranged from 0 to 7% per image). Bound: |Δ| ≤ 1 at ties within 1e-4.
    /// </summary>
    public override ByteResidue? UInt8Residue
        => UsesIppCubic
            ? new ByteResidue(1, 1e-4, "IPP cubic (closed source) modelled up to rounding ties: bytes differ by 1 only where the value is within 3.1e-5 of x.5 (800 random cases)")
            : null;

    private bool UsesIppCubic => Method == OpenCvMethod.Cubic && Build.CubicUsesIpp;

    public Tensor<float> Unrounded(Device device, Tensor<byte> image, int width, int height)
    {
        var g = ResizeGeometry.Of(image, width, height);
        if (!UsesIppCubic || g.InWidth < OpenCvBuild.IppCubicMinSide || g.InHeight < OpenCvBuild.IppCubicMinSide)
        {
            // OpenCV's own integer paths: the bytes are exact, so the "unrounded" values are the bytes.
            byte[] bytes = Resize(device, image, width, height).Data;
            return new Tensor<float>(Array.ConvertAll(bytes, b => (float)b), height, width, g.Channels);
        }

        var plan = new ResizePlan(height, width, g.Channels, IppCubicPasses<float, IppCubicUnroundedPassOp>(g));
        return new Tensor<float>(plan.Execute<byte, float>(device, image.Data), height, width, g.Channels);
    }

    /// <summary>
    /// float32 follows OpenCV's own code: gathers for the nearest methods, and the generic float path for
    /// INTER_LANCZOS4 (both builds) and for INTER_CUBIC where the build does not hand it to IPP. OpenCV 4.13's
    /// IPP takes float INTER_LINEAR and INTER_CUBIC (closed source, not modelled), and float INTER_LINEAR_EXACT
    /// runs as INTER_LINEAR (so IPP again): those variants offer no float32. INTER_AREA is within a stated ULP bound.
    /// </summary>
    public override FloatExactness? Float32 => Method switch
    {
        OpenCvMethod.Nearest or OpenCvMethod.NearestExact => new FloatExactness(true, 0, "a gather: values are copied"),
        OpenCvMethod.Lanczos4 => new FloatExactness(true, 0, "OpenCV's generic float path (IPP refuses 4-lobe Lanczos): unfused SSE order, vector body vs scalar tail"),
        OpenCvMethod.Cubic when !Build.CubicUsesIpp => new FloatExactness(true, 0, "OpenCV's generic float path: unfused SSE order, vector body vs scalar tail"),
        _ => FloatUlpBound,
    };

    /// <summary>
    /// 4.13's float INTER_LINEAR(_EXACT) and INTER_CUBIC go to IPP: modelled with OpenCV's own float path they
    /// differ by up to 1e6 ulps near zero (cancellation), which no ULP bound describes, so those variants offer
    /// no float32. INTER_AREA's float paths are OpenCV's own and reproduced exactly.
    /// </summary>
    private FloatExactness? FloatUlpBound => Method == OpenCvMethod.Area
        ? new FloatExactness(true, 0, "OpenCV's float area paths: table sums in order; integer factors gathered per cell in resizeAreaFast_'s group-of-four order, 2×2 in the SSE kernel's pairwise order")
        : null;

    protected override string NoFloat32Reason => Method switch
    {
        OpenCvMethod.Linear or OpenCvMethod.Cubic => $"{Build.Version} hands float INTER_{Method.ToString().ToUpperInvariant()} to Intel IPP, which SysNoise does not model",
        _ => $"OpenCV runs float INTER_LINEAR_EXACT as INTER_LINEAR, which {Build.Version} hands to Intel IPP (not modelled)",
    };

    protected override ResizePlan BuildFloatPlan(ResizeGeometry g)
    {
        if (g.InWidth == g.OutWidth && g.InHeight == g.OutHeight)
        {
            return new ResizePlan(g.OutHeight, g.OutWidth, g.Channels, []);
        }

        List<PlanStep> steps = Method switch
        {
            OpenCvMethod.Nearest => GatherFloat(g, OpenCvWeights.Nearest(g.InWidth, g.OutWidth), OpenCvWeights.Nearest(g.InHeight, g.OutHeight)),
            OpenCvMethod.NearestExact => GatherFloat(
                g,
                OpenCvWeights.NearestExact(g.InWidth, g.OutWidth, Build.NearestExact),
                OpenCvWeights.NearestExact(g.InHeight, g.OutHeight, Build.NearestExact)),
            OpenCvMethod.Lanczos4 => GenericFloat(g, OpenCvKernel.Lanczos4),
            OpenCvMethod.Cubic => GenericFloat(g, OpenCvKernel.Cubic),
            OpenCvMethod.Area => AreaFloat(g),
            _ => throw new NotSupportedException($"{Name} has no float32 path."),
        };
        return new ResizePlan(g.OutHeight, g.OutWidth, g.Channels, steps);
    }

    protected override ResizePlan BuildBytePlan(ResizeGeometry g)
    {
        if (g.InWidth == g.OutWidth && g.InHeight == g.OutHeight)
        {
            return new ResizePlan(g.OutHeight, g.OutWidth, g.Channels, []);
        }

        double scaleX = OpenCvWeights.Scale(g.InWidth, g.OutWidth), scaleY = OpenCvWeights.Scale(g.InHeight, g.OutHeight);
        int iscaleX = (int)Math.Round(scaleX, MidpointRounding.ToEven), iscaleY = (int)Math.Round(scaleY, MidpointRounding.ToEven);
        bool areaFast = Math.Abs(scaleX - iscaleX) < DblEpsilon && Math.Abs(scaleY - iscaleY) < DblEpsilon;
        bool twoByTwo = areaFast && iscaleX == 2 && iscaleY == 2;
        List<PlanStep> steps = Method switch
        {
            OpenCvMethod.Nearest => Gather(g, OpenCvWeights.Nearest(g.InWidth, g.OutWidth), OpenCvWeights.Nearest(g.InHeight, g.OutHeight)),
            OpenCvMethod.NearestExact => Gather(
                g,
                OpenCvWeights.NearestExact(g.InWidth, g.OutWidth, Build.NearestExact),
                OpenCvWeights.NearestExact(g.InHeight, g.OutHeight, Build.NearestExact)),
            OpenCvMethod.Linear when twoByTwo => AreaBoxes(g, 2, 2),
            OpenCvMethod.LinearExact when twoByTwo && g.Channels != 2 => AreaBoxes(g, 2, 2),
            OpenCvMethod.Area when scaleX >= 1 && scaleY >= 1 => areaFast ? AreaBoxes(g, iscaleX, iscaleY) : AreaTables(g),
            OpenCvMethod.Linear => Generic(g, OpenCvKernel.Linear, new LinearVerticalOp()),
            OpenCvMethod.Area => Generic(g, OpenCvKernel.Linear, new LinearVerticalOp(), areaMode: true),
            OpenCvMethod.Lanczos4 => Generic(g, OpenCvKernel.Lanczos4, new FixedPoint22VerticalOp()),
            OpenCvMethod.Cubic => Cubic(g),
            OpenCvMethod.LinearExact => LinearExact(g),
            _ => throw new InvalidOperationException($"unhandled method {Method}"),
        };
        return new ResizePlan(g.OutHeight, g.OutWidth, g.Channels, steps);
    }

    private static List<PlanStep> Gather(ResizeGeometry g, AxisWeights<byte> horizontal, AxisWeights<byte> vertical)
        => [new Gather2DStep<byte>(vertical, horizontal, g.Channels)];

    private static List<PlanStep> GatherFloat(ResizeGeometry g, AxisWeights<byte> horizontal, AxisWeights<byte> vertical)
        => [new Gather2DStep<float>(vertical, horizontal, g.Channels)];

    private static List<PlanStep> AreaFloat(ResizeGeometry g)
    {
        double scaleX = OpenCvWeights.Scale(g.InWidth, g.OutWidth), scaleY = OpenCvWeights.Scale(g.InHeight, g.OutHeight);
        int iscaleX = (int)Math.Round(scaleX, MidpointRounding.ToEven), iscaleY = (int)Math.Round(scaleY, MidpointRounding.ToEven);
        if (scaleX < 1 || scaleY < 1)
        {
            return GenericFloat(g, OpenCvKernel.Linear, areaMode: true);
        }

        if (Math.Abs(scaleX - iscaleX) < DblEpsilon && Math.Abs(scaleY - iscaleY) < DblEpsilon)
        {
            return [AreaFastFloatGather(g, iscaleX, iscaleY)];
        }

        return
        [
            new AxisPassStep<float, float, float, float, FloatHorizontalOp>(OpenCvWeights.AreaTable(g.InWidth, g.OutWidth), g.Horizontal(0, g.InHeight), default),
            new AxisPassStep<float, float, float, float, FloatHorizontalOp>(OpenCvWeights.AreaTable(g.InHeight, g.OutHeight), g.Vertical(g.InHeight, g.OutWidth), default),
        ];
    }

    /// <summary>
    /// Float INTER_AREA for integer factors: one gather pass over the flattened image (inner = 1), each output
    /// reading its whole cell in OpenCV's order. For 2×2 cells with 1 or 4 channels, the elements of each row
    /// that the 4-lane SSE kernel covers use its pairwise order (measured against OpenCV 4.13's SSE3 baseline).
    /// </summary>
    private static PlanStep AreaFastFloatGather(ResizeGeometry g, int factorX, int factorY)
    {
        int area = factorX * factorY, c = g.Channels, rowElements = g.OutWidth * c;
        int outLength = g.OutHeight * rowElements;
        var index = new int[outLength * area];
        var order = new int[outLength * area];
        var count = new int[outLength];
        int simdElements = factorX == 2 && factorY == 2 && c is 1 or 4 ? rowElements / FloatVectorLanes * FloatVectorLanes : 0;
        for (int y = 0; y < g.OutHeight; y++)
        {
            for (int e = 0; e < rowElements; e++)
            {
                int o = (y * rowElements) + e, x = e / c, ch = e % c;
                int mode = e < simdElements ? AreaFastFloatGatherOp.OrderRowPairs : AreaFastFloatGatherOp.OrderScalar;
                for (int sy = 0, k = 0; sy < factorY; sy++)
                {
                    for (int sx = 0; sx < factorX; sx++, k++)
                    {
                        index[(o * area) + k] = (((((y * factorY) + sy) * g.InWidth) + (x * factorX) + sx) * c) + ch;
                        order[(o * area) + k] = mode;
                    }
                }

                count[o] = area;
            }
        }

        int inLength = g.InHeight * g.InWidth * c;
        var weights = new AxisWeights<int>(inLength, outLength, area, index, count, order);
        return new AxisPassStep<float, int, AreaFastFloatAccumulator, float, AreaFastFloatGatherOp>(
            weights, new PassGeometry(1, 0, inLength, outLength, 1), new AreaFastFloatGatherOp(area));
    }

    private static List<PlanStep> GenericFloat(ResizeGeometry g, OpenCvKernel kernel)
        => GenericFloat(g, kernel, areaMode: false);

    private static List<PlanStep> GenericFloat(ResizeGeometry g, OpenCvKernel kernel, bool areaMode)
    {
        int rowElements = g.OutWidth * g.Channels;
        return
        [
            new AxisPassStep<float, float, float, float, FloatHorizontalOp>(OpenCvWeights.Float(kernel, g.InWidth, g.OutWidth, horizontal: true, areaMode), g.Horizontal(0, g.InHeight), default),
            new AxisPassStep<float, float, FloatTaps, float, FloatVerticalOp>(
                OpenCvWeights.Float(kernel, g.InHeight, g.OutHeight, horizontal: false, areaMode),
                g.Vertical(g.InHeight, g.OutWidth),
                new FloatVerticalOp(rowElements / FloatVectorLanes * FloatVectorLanes)),
        ];
    }

    private static List<PlanStep> Generic<TVertical>(ResizeGeometry g, OpenCvKernel kernel, TVertical vertical, bool areaMode = false)
        where TVertical : struct, IResampleOp<int, int, int, byte>
        => HorizontalThenVertical<int, int, int, int, int, IntSumOp, TVertical>(
            g,
            OpenCvWeights.Fixed(kernel, g.InWidth, g.OutWidth, horizontal: true, areaMode),
            OpenCvWeights.Fixed(kernel, g.InHeight, g.OutHeight, horizontal: false, areaMode),
            default,
            vertical);

    /// <summary>
    /// A horizontal pass then a vertical one. When the vertical taps read only some source rows (a downscale
    /// without antialiasing), those rows are gathered first and only they are resampled horizontally; each
    /// row's horizontal result does not depend on the others, so the bytes are the same. The host runs the
    /// two passes fused (only the rows read, each once), as OpenCV's own loop does.
    /// </summary>
    private static List<PlanStep> HorizontalThenVertical<TMid, TCoeffH, TAccH, TCoeffV, TAccV, THorizontal, TVertical>(
        ResizeGeometry g, AxisWeights<TCoeffH> horizontal, AxisWeights<TCoeffV> vertical, THorizontal horizontalOp, TVertical verticalOp)
        where TMid : unmanaged
        where TCoeffH : unmanaged
        where TAccH : unmanaged
        where TCoeffV : unmanaged
        where TAccV : unmanaged
        where THorizontal : struct, IResampleOp<byte, TCoeffH, TAccH, TMid>
        where TVertical : struct, IResampleOp<TMid, TCoeffV, TAccV, byte>
    {
        var steps = new List<PlanStep>();
        AxisWeights<TCoeffV> kernelVertical = vertical;
        int[] rows = vertical.UsedSources();
        if (rows.Length < g.InHeight)
        {
            int[] columns = Enumerable.Range(0, g.InWidth).ToArray();
            steps.Add(new Gather2DStep<byte>(AxisWeights<byte>.Gather(g.InHeight, rows), AxisWeights<byte>.Gather(g.InWidth, columns), g.Channels));
            kernelVertical = vertical.Compacted(rows);
        }

        steps.Add(new AxisPassStep<byte, TCoeffH, TAccH, TMid, THorizontal>(horizontal, g.Horizontal(0, rows.Length), horizontalOp));
        steps.Add(new AxisPassStep<TMid, TCoeffV, TAccV, byte, TVertical>(kernelVertical, g.Vertical(rows.Length, g.OutWidth), verticalOp));
        return [new HorizontalThenVerticalStep<TMid, TCoeffH, TAccH, TCoeffV, TAccV, THorizontal, TVertical>(steps, g.Channels, horizontal, vertical, horizontalOp, verticalOp)];
    }

    private List<PlanStep> Cubic(ResizeGeometry g)
    {
        if (Build.CubicUsesIpp && g.InWidth >= OpenCvBuild.IppCubicMinSide && g.InHeight >= OpenCvBuild.IppCubicMinSide)
        {
            return IppCubicPasses<byte, IppCubicSecondPassOp>(g);
        }

        int rowElements = g.OutWidth * g.Channels;
        int bodyEnd = rowElements / Build.CubicVectorLanes * Build.CubicVectorLanes;
        return HorizontalThenVertical<int, int, int, int, CubicAccumulator, IntSumOp, CubicVerticalOp>(
            g,
            OpenCvWeights.Fixed(OpenCvKernel.Cubic, g.InWidth, g.OutWidth, horizontal: true),
            OpenCvWeights.Fixed(OpenCvKernel.Cubic, g.InHeight, g.OutHeight, horizontal: false, reverseTaps: true),
            default,
            new CubicVerticalOp(bodyEnd, Build.CubicFusedMultiplyAdd));
    }

    // IPP: float weights, fused accumulation, float intermediate; the vertical pass runs first.
    private static List<PlanStep> IppCubicPasses<TOut, TSecond>(ResizeGeometry g)
        where TOut : unmanaged
        where TSecond : struct, IResampleOp<float, float, float, TOut>
    {
        AxisWeights<float> vertical = OpenCvWeights.IppCubic(g.InHeight, g.OutHeight), horizontal = OpenCvWeights.IppCubic(g.InWidth, g.OutWidth);
        PlanStep[] steps =
        [
            new AxisPassStep<byte, float, float, float, IppCubicFirstPassOp>(vertical, new PassGeometry(1, 0, g.InHeight, g.OutHeight, g.InWidth * g.Channels), default),
            new AxisPassStep<float, float, float, TOut, TSecond>(horizontal, g.Horizontal(0, g.OutHeight), default),
        ];
        return [new VerticalThenHorizontalStep<float, TOut, float, float, float, float, IppCubicFirstPassOp, TSecond>(steps, g.Channels, vertical, horizontal, default, default)];
    }

    private static List<PlanStep> AreaBoxes(ResizeGeometry g, int factorX, int factorY)
    {
        AxisWeights<int> horizontal = OpenCvWeights.AreaBox(g.InWidth, g.OutWidth, factorX), vertical = OpenCvWeights.AreaBox(g.InHeight, g.OutHeight, factorY);
        var verticalOp = new AreaFastVerticalOp(factorX, factorY);
        PlanStep[] steps =
        [
            new AxisPassStep<byte, int, int, int, IntSumOp>(horizontal, g.Horizontal(0, g.InHeight), default),
            new AxisPassStep<int, int, int, byte, AreaFastVerticalOp>(vertical, g.Vertical(g.InHeight, g.OutWidth), verticalOp),
        ];
        return [new HorizontalThenVerticalStep<int, int, int, int, int, IntSumOp, AreaFastVerticalOp>(steps, g.Channels, horizontal, vertical, default, verticalOp)];
    }

    private static List<PlanStep> AreaTables(ResizeGeometry g)
    {
        AxisWeights<float> horizontal = OpenCvWeights.AreaTable(g.InWidth, g.OutWidth), vertical = OpenCvWeights.AreaTable(g.InHeight, g.OutHeight);
        PlanStep[] steps =
        [
            new AxisPassStep<byte, float, float, float, AreaHorizontalOp>(horizontal, g.Horizontal(0, g.InHeight), default),
            new AxisPassStep<float, float, float, byte, AreaVerticalOp>(vertical, g.Vertical(g.InHeight, g.OutWidth), default),
        ];
        return [new HorizontalThenVerticalStep<float, float, float, float, float, AreaHorizontalOp, AreaVerticalOp>(steps, g.Channels, horizontal, vertical, default, default)];
    }

    private static List<PlanStep> LinearExact(ResizeGeometry g)
        => HorizontalThenVertical<int, int, int, int, uint, LinearExactHorizontalOp, LinearExactVerticalOp>(
            g, OpenCvWeights.LinearExact(g.InWidth, g.OutWidth), OpenCvWeights.LinearExact(g.InHeight, g.OutHeight), default, default);
}
