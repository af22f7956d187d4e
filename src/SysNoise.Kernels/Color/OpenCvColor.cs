namespace SysNoise.Kernels.Color;

/// <summary>
/// OpenCV's cvtColor(RGB2YUV_I420) then cvtColor(YUV2RGB_I420): BT.601 limited range in 20-bit fixed point
/// (color_yuv.simd.hpp, ITUR_BT_601_SHIFT = 20). Chroma comes from each block's top-left pixel alone (no
/// averaging) and is replicated over the block on the way back.
/// </summary>
public readonly struct OpenCvI420Op : IBlock420RoundTripOp
{
    public int Luma(Rgb pixel) => OpenCvI420.Luma(pixel);

    public Yuv Chroma(Rgb topLeft, Rgb topRight, Rgb bottomLeft, Rgb bottomRight) => OpenCvI420.Chroma(topLeft);

    public Rgb ToRgb(int y, int u, int v) => OpenCvI420.ToRgb(y, u, v);
}

/// <summary>OpenCV's cvtColor(RGB2YUV) then cvtColor(YUV2RGB): full-range, 14-bit fixed point.</summary>
public readonly struct OpenCvYuvOp : IPixelRoundTripOp
{
    public Rgb RoundTrip(Rgb pixel) => OpenCvYuv.ToRgb(OpenCvYuv.ToYuv(pixel));
}

/// <summary>OpenCV's YUV 4:2:0 integer arithmetic (rgbToY42x, rgbToUV42x, yRGBuvToRGBA).</summary>
public static class OpenCvI420
{
    private const int Shift = 20;
    private const int Half = 1 << (Shift - 1);

    public static int Luma(Rgb p)
        => ColorMath.Clip((269484 * p.R + 528482 * p.G + 102760 * p.B + Half + (16 << Shift)) >> Shift);

    public static Yuv Chroma(Rgb p) => new(
        0,
        ColorMath.Clip((-155188 * p.R - 305135 * p.G + 460324 * p.B + Half + (128 << Shift)) >> Shift),
        ColorMath.Clip((460324 * p.R - 385875 * p.G - 74448 * p.B + Half + (128 << Shift)) >> Shift));

    public static Rgb ToRgb(int y, int u, int v)
    {
        // OpenCV clamps Y − 16 at 0 (a saturating subtract in its SIMD path); the forward pass never gives Y < 16.
        int luma = (y - 16 < 0 ? 0 : y - 16) * 1220542 + Half;
        int du = u - 128, dv = v - 128;
        return new Rgb(
            ColorMath.Clip((luma + 1673527 * dv) >> Shift),
            ColorMath.Clip((luma - 852492 * dv - 409993 * du) >> Shift),
            ColorMath.Clip((luma + 2116026 * du) >> Shift));
    }
}

/// <summary>OpenCV's RGB2YCrCb_i / YCrCb2RGB_i with the YUV coefficients (yuv_shift = 14, CV_DESCALE).</summary>
public static class OpenCvYuv
{
    private const int Shift = 14;
    private const int Half = 1 << (Shift - 1);
    private const int ChromaDelta = 128 << Shift;

    public static Yuv ToYuv(Rgb p)
    {
        int y = (p.R * 4899 + p.G * 9617 + p.B * 1868 + Half) >> Shift;
        int v = ((p.R - y) * 14369 + ChromaDelta + Half) >> Shift;
        int u = ((p.B - y) * 8061 + ChromaDelta + Half) >> Shift;
        return new Yuv(ColorMath.Clip(y), ColorMath.Clip(u), ColorMath.Clip(v));
    }

    public static Rgb ToRgb(Yuv yuv)
    {
        int du = yuv.U - 128, dv = yuv.V - 128;
        return new Rgb(
            ColorMath.Clip(yuv.Y + ((dv * 18678 + Half) >> Shift)),
            ColorMath.Clip(yuv.Y + ((du * -6472 + dv * -9519 + Half) >> Shift)),
            ColorMath.Clip(yuv.Y + ((du * 33292 + Half) >> Shift)));
    }
}
