namespace SysNoise.Kernels.Color;

/// <summary>One RGB pixel widened to int, so formulas need no casts.</summary>
public readonly struct Rgb
{
    public readonly int R;
    public readonly int G;
    public readonly int B;

    public Rgb(int r, int g, int b)
    {
        R = r;
        G = g;
        B = b;
    }
}

/// <summary>One Y/U/V sample triple (unclipped unless the library clips).</summary>
public readonly struct Yuv
{
    public readonly int Y;
    public readonly int U;
    public readonly int V;

    public Yuv(int y, int u, int v)
    {
        Y = y;
        U = u;
        V = v;
    }
}

/// <summary>
/// An RGB → YUV → RGB round trip that works pixel by pixel (4:4:4: every pixel keeps its own chroma).
/// </summary>
public interface IPixelRoundTripOp
{
    Rgb RoundTrip(Rgb pixel);
}

/// <summary>
/// An RGB → YUV 4:2:0 → RGB round trip: one chroma pair per 2×2 block, replicated back over the block.
/// </summary>
public interface IBlock420RoundTripOp
{
    /// <summary>Luma of one pixel.</summary>
    int Luma(Rgb pixel);

    /// <summary>The block's chroma (U in <see cref="Yuv.U"/>, V in <see cref="Yuv.V"/>; Y unused) from its four
    /// pixels, top-left first in row order; at an odd right or bottom edge the last column or row is repeated.</summary>
    Yuv Chroma(Rgb topLeft, Rgb topRight, Rgb bottomLeft, Rgb bottomRight);

    Rgb ToRgb(int y, int u, int v);
}

/// <summary>Image size for a 4:2:0 round trip (3 interleaved channels).</summary>
public readonly struct Block420Geometry
{
    public readonly int Height;
    public readonly int Width;

    public Block420Geometry(int height, int width)
    {
        Height = height;
        Width = width;
    }

    /// <summary>Chroma blocks per row: the last one is half-filled when the width is odd.</summary>
    public int BlockColumns => (Width + 1) / 2;

    public int BlockRows => (Height + 1) / 2;
}

/// <summary>Integer helpers shared by every colour formula.</summary>
public static class ColorMath
{
    /// <summary>Saturates to 0..255 (OpenCV's saturate_cast&lt;uchar&gt; of an int; the papers' clip).</summary>
    public static int Clip(int value) => value < 0 ? 0 : value > 255 ? 255 : value;
}
