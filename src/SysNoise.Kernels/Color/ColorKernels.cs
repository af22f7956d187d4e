using ILGPU;

namespace SysNoise.Kernels.Color;

/// <summary>
/// ILGPU kernels for colour round trips over interleaved RGB (H×W×3 bytes). One kernel per chroma layout
/// serves every variant of that layout: the variant is the op struct.
/// </summary>
public static class ColorKernels
{
    /// <summary>One pixel of a 4:4:4 round trip.</summary>
    public static void PixelRoundTrip<TOp>(Index1D pixel, ArrayView<byte> input, ArrayView<byte> output, TOp op)
        where TOp : struct, IPixelRoundTripOp
    {
        long at = (long)pixel.X * 3;
        Rgb result = op.RoundTrip(new Rgb(input[at], input[at + 1], input[at + 2]));
        output[at] = (byte)result.R;
        output[at + 1] = (byte)result.G;
        output[at + 2] = (byte)result.B;
    }

    /// <summary>
    /// One 2×2 block of a 4:2:0 round trip: its chroma, then the up to four pixels inside the image.
    /// Index: X = block column, Y = block row. An odd last column or row is its own neighbour.
    /// </summary>
    public static void Block420RoundTrip<TOp>(Index2D block, ArrayView<byte> input, ArrayView<byte> output, Block420Geometry geometry, TOp op)
        where TOp : struct, IBlock420RoundTripOp
    {
        int x0 = block.X * 2, y0 = block.Y * 2;
        int x1 = x0 + 1 < geometry.Width ? x0 + 1 : x0;
        int y1 = y0 + 1 < geometry.Height ? y0 + 1 : y0;
        Rgb p00 = Load(input, geometry.Width, y0, x0);
        Rgb p01 = Load(input, geometry.Width, y0, x1);
        Rgb p10 = Load(input, geometry.Width, y1, x0);
        Rgb p11 = Load(input, geometry.Width, y1, x1);
        Yuv chroma = op.Chroma(p00, p01, p10, p11);

        // A repeated edge pixel is written twice with the same value: harmless, and keeps the code branch-light.
        Store(output, geometry.Width, y0, x0, op.ToRgb(op.Luma(p00), chroma.U, chroma.V));
        Store(output, geometry.Width, y0, x1, op.ToRgb(op.Luma(p01), chroma.U, chroma.V));
        Store(output, geometry.Width, y1, x0, op.ToRgb(op.Luma(p10), chroma.U, chroma.V));
        Store(output, geometry.Width, y1, x1, op.ToRgb(op.Luma(p11), chroma.U, chroma.V));
    }

    private static Rgb Load(ArrayView<byte> image, int width, int y, int x)
    {
        long at = (((long)y * width) + x) * 3;
        return new Rgb(image[at], image[at + 1], image[at + 2]);
    }

    private static void Store(ArrayView<byte> image, int width, int y, int x, Rgb pixel)
    {
        long at = (((long)y * width) + x) * 3;
        image[at] = (byte)pixel.R;
        image[at + 1] = (byte)pixel.G;
        image[at + 2] = (byte)pixel.B;
    }
}
