using System.Runtime.CompilerServices;
using SysNoise.Kernels.Model;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Post;

/// <summary>
/// Decodes one box: the arithmetic every box-decode path shares (the ILGPU kernel <see cref="PostKernels.DecodeBoxes"/>
/// and the host loop <see cref="PostHost.DecodeBoxes"/> both call <see cref="Decode"/>), so each convention's numerics are
/// written once, as the data in <see cref="BoxDecodeSpec"/>.
/// </summary>
public static class BoxDecode
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Box4 Decode(BoxDecodeSpec spec, Box4 anchor, Box4 delta)
    {
        Box4 b = spec.Arithmetic == BoxArithmetic.Float32Torch ? DecodeFloat32(spec, anchor, delta) : DecodeFloat64(spec, anchor, delta);
        return new Box4(X86Nan.Canonical(b.A), X86Nan.Canonical(b.B), X86Nan.Canonical(b.C), X86Nan.Canonical(b.D));
    }

    /// <summary>
    /// The libraries' float32 tensor ops, in their order (torchvision <c>BoxCoder.decode_single</c>, Detectron2
    /// <c>apply_deltas</c>, maskrcnn-benchmark, mmdet <c>delta2bbox</c>/<c>legacy_delta2bbox</c>): every op rounds to
    /// float32; a step that a convention does not have (a +0 offset, weights of a coder without weights) is not
    /// performed at all, because adding 0 or dividing by 1 is not always the identity (−0).
    /// </summary>
    public static Box4 DecodeFloat32(BoxDecodeSpec s, Box4 anchor, Box4 delta)
    {
        float w = DetMath.Sub(anchor.C, anchor.A);
        float h = DetMath.Sub(anchor.D, anchor.B);
        if (s.SizeOffset != 0f)
        {
            w = StrictFloat.Add(w, s.SizeOffset);
            h = StrictFloat.Add(h, s.SizeOffset);
        }

        float cx, cy;
        if (s.CenterFromCorner != 0)
        {
            cx = StrictFloat.Add(anchor.A, StrictFloat.Mul(0.5f, w));
            cy = StrictFloat.Add(anchor.B, StrictFloat.Mul(0.5f, h));
        }
        else
        {
            cx = StrictFloat.Mul(StrictFloat.Add(anchor.A, anchor.C), 0.5f);
            cy = StrictFloat.Mul(StrictFloat.Add(anchor.B, anchor.D), 0.5f);
        }

        float dx = delta.A, dy = delta.B, dw = delta.C, dh = delta.D;
        if (s.UseMeansStds != 0)
        {
            dx = StrictFloat.Add(StrictFloat.Mul(dx, (float)s.StdX), (float)s.MeanX);
            dy = StrictFloat.Add(StrictFloat.Mul(dy, (float)s.StdY), (float)s.MeanY);
            dw = StrictFloat.Add(StrictFloat.Mul(dw, (float)s.StdW), (float)s.MeanW);
            dh = StrictFloat.Add(StrictFloat.Mul(dh, (float)s.StdH), (float)s.MeanH);
        }

        if (s.UseWeights != 0)
        {
            dx = DetMath.Div(dx, (float)s.WeightX);
            dy = DetMath.Div(dy, (float)s.WeightY);
            dw = DetMath.Div(dw, (float)s.WeightW);
            dh = DetMath.Div(dh, (float)s.WeightH);
        }

        float low = (float)s.ClampLow, high = (float)s.ClampHigh;
        dw = Clamp(dw, low, high);
        dh = Clamp(dh, low, high);

        float pcx = StrictFloat.Add(StrictFloat.Mul(dx, w), cx);
        float pcy = StrictFloat.Add(StrictFloat.Mul(dy, h), cy);
        float halfW = StrictFloat.Mul(0.5f, StrictFloat.Mul(TorchCpuExp.Exp(dw), w));
        float halfH = StrictFloat.Mul(0.5f, StrictFloat.Mul(TorchCpuExp.Exp(dh), h));

        float x1 = DetMath.Sub(pcx, halfW), y1 = DetMath.Sub(pcy, halfH);
        float x2 = StrictFloat.Add(pcx, halfW), y2 = StrictFloat.Add(pcy, halfH);
        if (s.LowAdjust != 0f)
        {
            x1 = StrictFloat.Add(x1, s.LowAdjust);
            y1 = StrictFloat.Add(y1, s.LowAdjust);
        }

        if (s.HighAdjust != 0f)
        {
            x2 = StrictFloat.Add(x2, s.HighAdjust);
            y2 = StrictFloat.Add(y2, s.HighAdjust);
        }

        if (s.Clip != 0)
        {
            float maxX = (float)s.ClipMaxX, maxY = (float)s.ClipMaxY;
            x1 = Clamp(x1, 0f, maxX);
            y1 = Clamp(y1, 0f, maxY);
            x2 = Clamp(x2, 0f, maxX);
            y2 = Clamp(y2, 0f, maxY);
        }

        return new Box4(x1, y1, x2, y2);
    }

    /// <summary>The same formula in double (exp included), each coordinate rounded to float32 once at the end.</summary>
    public static Box4 DecodeFloat64(BoxDecodeSpec s, Box4 anchor, Box4 delta)
    {
        double ax1 = anchor.A, ay1 = anchor.B, ax2 = anchor.C, ay2 = anchor.D;
        double w = DetMath.Sub(ax2, ax1), h = DetMath.Sub(ay2, ay1);
        if (s.SizeOffset != 0f)
        {
            w = StrictFloat.Add(w, (double)s.SizeOffset);
            h = StrictFloat.Add(h, (double)s.SizeOffset);
        }

        double cx, cy;
        if (s.CenterFromCorner != 0)
        {
            cx = StrictFloat.Add(ax1, StrictFloat.Mul(0.5, w));
            cy = StrictFloat.Add(ay1, StrictFloat.Mul(0.5, h));
        }
        else
        {
            cx = StrictFloat.Mul(StrictFloat.Add(ax1, ax2), 0.5);
            cy = StrictFloat.Mul(StrictFloat.Add(ay1, ay2), 0.5);
        }

        double dx = delta.A, dy = delta.B, dw = delta.C, dh = delta.D;
        if (s.UseMeansStds != 0)
        {
            dx = StrictFloat.Add(StrictFloat.Mul(dx, s.StdX), s.MeanX);
            dy = StrictFloat.Add(StrictFloat.Mul(dy, s.StdY), s.MeanY);
            dw = StrictFloat.Add(StrictFloat.Mul(dw, s.StdW), s.MeanW);
            dh = StrictFloat.Add(StrictFloat.Mul(dh, s.StdH), s.MeanH);
        }

        if (s.UseWeights != 0)
        {
            dx = DetMath.Div(dx, s.WeightX);
            dy = DetMath.Div(dy, s.WeightY);
            dw = DetMath.Div(dw, s.WeightW);
            dh = DetMath.Div(dh, s.WeightH);
        }

        dw = Clamp(dw, s.ClampLow, s.ClampHigh);
        dh = Clamp(dh, s.ClampLow, s.ClampHigh);

        double pcx = StrictFloat.Add(StrictFloat.Mul(dx, w), cx);
        double pcy = StrictFloat.Add(StrictFloat.Mul(dy, h), cy);
        double halfW = StrictFloat.Mul(0.5, StrictFloat.Mul(DetMath.ExpD(dw), w));
        double halfH = StrictFloat.Mul(0.5, StrictFloat.Mul(DetMath.ExpD(dh), h));

        double x1 = DetMath.Sub(pcx, halfW), y1 = DetMath.Sub(pcy, halfH);
        double x2 = StrictFloat.Add(pcx, halfW), y2 = StrictFloat.Add(pcy, halfH);
        if (s.LowAdjust != 0f)
        {
            x1 = StrictFloat.Add(x1, (double)s.LowAdjust);
            y1 = StrictFloat.Add(y1, (double)s.LowAdjust);
        }

        if (s.HighAdjust != 0f)
        {
            x2 = StrictFloat.Add(x2, (double)s.HighAdjust);
            y2 = StrictFloat.Add(y2, (double)s.HighAdjust);
        }

        if (s.Clip != 0)
        {
            x1 = Clamp(x1, 0.0, s.ClipMaxX);
            y1 = Clamp(y1, 0.0, s.ClipMaxY);
            x2 = Clamp(x2, 0.0, s.ClipMaxX);
            y2 = Clamp(y2, 0.0, s.ClipMaxY);
        }

        return new Box4((float)x1, (float)y1, (float)x2, (float)y2);
    }

    /// <summary>torch's <c>clamp(min, max)</c>: max against the low bound, then min against the high one; NaN passes through.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Clamp(float x, float low, float high)
    {
        if (low > x)
        {
            x = low;
        }

        if (high < x)
        {
            x = high;
        }

        return x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Clamp(double x, double low, double high)
    {
        if (low > x)
        {
            x = low;
        }

        if (high < x)
        {
            x = high;
        }

        return x;
    }
}
