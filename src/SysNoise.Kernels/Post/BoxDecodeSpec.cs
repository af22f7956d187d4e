namespace SysNoise.Kernels.Post;

/// <summary>Four floats: a box (x1, y1, x2, y2) or a delta (dx, dy, dw, dh).</summary>
public readonly struct Box4(float a, float b, float c, float d)
{
    public readonly float A = a;
    public readonly float B = b;
    public readonly float C = c;
    public readonly float D = d;
}

/// <summary>How a box decode is computed.</summary>
public enum BoxArithmetic
{
    /// <summary>Each box in double (exp included), rounded to float32 once at the end: within 1 ulp of a float64 reference.</summary>
    Float64 = 0,

    /// <summary>
    /// Float32 tensor ops in the library's order, each rounded, with torch 1.13's CPU exp (<see cref="TorchCpuExp"/>):
    /// what torchvision, Detectron2, maskrcnn-benchmark and mmdet compute on float32 CPU tensors.
    /// </summary>
    Float32Torch = 1,
}

/// <summary>
/// One box-decode convention as data (every library's variant is a setting of these fields, see
/// <c>SysNoise.Runtime.Post.BoxConventions</c>). For an anchor (x1, y1, x2, y2) and a delta (dx, dy, dw, dh):
/// <code>
/// w  = x2 − x1 + SizeOffset                        (h likewise)
/// cx = CenterFromCorner ? x1 + 0.5·w : (x1 + x2)·0.5
/// d  = d·std + mean   (when UseMeansStds)           then d / weight (when UseWeights)
/// dw = clamp(dw, ClampLow, ClampHigh)               (ClampLow = −∞ for a max-only clamp)
/// pcx = dx·w + cx,   pw = exp(dw)·w
/// x1' = pcx − 0.5·pw + LowAdjust,   x2' = pcx + 0.5·pw + HighAdjust
/// clip x to [0, ClipMaxX] and y to [0, ClipMaxY] when Clip ≠ 0
/// </code>
/// Parameters given as Python floats in the libraries (weights, means, stds, clamp, clip bounds) are held as doubles;
/// the float32 arithmetic rounds them to float32 first, as torch does with a scalar operand of a float32 tensor.
/// </summary>
public readonly struct BoxDecodeSpec
{
    public readonly float SizeOffset;
    public readonly int CenterFromCorner;
    public readonly float LowAdjust;
    public readonly float HighAdjust;
    public readonly int UseWeights;
    public readonly double WeightX;
    public readonly double WeightY;
    public readonly double WeightW;
    public readonly double WeightH;
    public readonly int UseMeansStds;
    public readonly double MeanX;
    public readonly double MeanY;
    public readonly double MeanW;
    public readonly double MeanH;
    public readonly double StdX;
    public readonly double StdY;
    public readonly double StdW;
    public readonly double StdH;
    public readonly double ClampLow;
    public readonly double ClampHigh;
    public readonly int Clip;
    public readonly double ClipMaxX;
    public readonly double ClipMaxY;
    public readonly BoxArithmetic Arithmetic;

    public BoxDecodeSpec(
        float sizeOffset,
        bool centerFromCorner,
        float lowAdjust,
        float highAdjust,
        (double X, double Y, double W, double H)? weights,
        (double X, double Y, double W, double H)? means,
        (double X, double Y, double W, double H)? stds,
        double clampLow,
        double clampHigh,
        (double MaxX, double MaxY)? clip,
        BoxArithmetic arithmetic)
    {
        if ((means is null) != (stds is null))
        {
            throw new ArgumentException("means and stds go together");
        }

        SizeOffset = sizeOffset;
        CenterFromCorner = centerFromCorner ? 1 : 0;
        LowAdjust = lowAdjust;
        HighAdjust = highAdjust;
        UseWeights = weights is null ? 0 : 1;
        (WeightX, WeightY, WeightW, WeightH) = weights ?? (1, 1, 1, 1);
        UseMeansStds = means is null ? 0 : 1;
        (MeanX, MeanY, MeanW, MeanH) = means ?? (0, 0, 0, 0);
        (StdX, StdY, StdW, StdH) = stds ?? (1, 1, 1, 1);
        ClampLow = clampLow;
        ClampHigh = clampHigh;
        Clip = clip is null ? 0 : 1;
        (ClipMaxX, ClipMaxY) = clip ?? (0, 0);
        Arithmetic = arithmetic;
    }
}
