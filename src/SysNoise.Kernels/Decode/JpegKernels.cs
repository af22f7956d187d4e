using System.Runtime.CompilerServices;
using ILGPU;

namespace SysNoise.Kernels.Decode;

/// <summary>Where one component's coefficients, multipliers and sample plane live in the shared buffers.</summary>
public struct IdctGeometry
{
    public int WidthInBlocks;
    public int HeightInBlocks;
    public long CoefficientOffset;
    public int MultiplierOffset;
    public long PlaneOffset;
    public int PlaneStride;

    public readonly int Blocks => WidthInBlocks * HeightInBlocks;
}

/// <summary>How libjpeg brings one component's plane to the output grid (<c>jdsample.c jinit_upsampler</c>).</summary>
public enum UpsampleMethod
{
    /// <summary><c>fullsize_upsample</c>: the plane is already at output resolution.</summary>
    FullSize = 0,

    /// <summary><c>h2v1_upsample</c>, <c>h2v2_upsample</c>, <c>int_upsample</c> and merged upsampling: each sample repeated.</summary>
    Replicate = 1,

    /// <summary><c>h2v1_fancy_upsample</c>: triangle filter across, biases 1 (left) and 2 (right).</summary>
    FancyH2V1 = 2,

    /// <summary><c>h1v2_fancy_upsample</c>: triangle filter down, biases 1 (upper) and 2 (lower).</summary>
    FancyH1V2 = 3,

    /// <summary><c>h2v2_fancy_upsample</c>: column sums 3·near + far, then across with biases 8 and 7.</summary>
    FancyH2V2 = 4,
}

/// <summary>One component's plane as the output stage reads it.</summary>
public struct PlaneSampler
{
    public long Offset;
    public int Stride;

    /// <summary>libjpeg's downsampled_width/height: the edge the filters replicate.</summary>
    public int Width;
    public int Height;
    public UpsampleMethod Method;
    public int HorizontalExpand;
    public int VerticalExpand;
}

/// <summary>How the output pixels are made from the component samples.</summary>
public enum JpegColorConversion
{
    /// <summary>One component, written as is.</summary>
    Grayscale = 0,

    /// <summary>One component written to R, G and B (Pillow's L→RGB, OpenCV's IMREAD_COLOR).</summary>
    GrayscaleToRgb = 1,

    /// <summary><c>jdcolor.c ycc_rgb_convert</c>: 16-bit fixed point, full-range JFIF.</summary>
    YccToRgb = 2,

    /// <summary><c>rgb_rgb_convert</c>: an Adobe RGB JPEG.</summary>
    Rgb = 3,
}

public struct JpegOutputGeometry
{
    public int Width;
    public int Height;
    public JpegColorConversion Conversion;
    public PlaneSampler C0;
    public PlaneSampler C1;
    public PlaneSampler C2;

    public readonly int Channels => Conversion == JpegColorConversion.Grayscale ? 1 : 3;
}

/// <summary>Reads bytes from wherever the planes are: an ArrayView in kernels, a pointer on the host.</summary>
public interface IByteReader
{
    byte Read(long index);
}

public readonly struct ViewByteReader(ArrayView<byte> view) : IByteReader
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte Read(long index) => view[index];
}

/// <summary>Upsampling and colour conversion arithmetic, shared by the ILGPU kernel and the host loop.</summary>
public static class JpegOutput
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sample<TReader>(TReader planes, in PlaneSampler p, int x, int y)
        where TReader : struct, IByteReader
    {
        switch (p.Method)
        {
            case UpsampleMethod.FullSize:
                return planes.Read(p.Offset + ((long)y * p.Stride) + x);
            case UpsampleMethod.Replicate:
                return planes.Read(p.Offset + ((long)(y / p.VerticalExpand) * p.Stride) + (x / p.HorizontalExpand));
            case UpsampleMethod.FancyH2V1:
            {
                long row = p.Offset + ((long)y * p.Stride);
                int i = x >> 1;
                int near = planes.Read(row + i);
                if ((x & 1) == 0)
                {
                    // Out-of-range neighbours are the edge sample: (3s + s + 1) >> 2 == s.
                    int far = planes.Read(row + (i > 0 ? i - 1 : 0));
                    return ((3 * near) + far + 1) >> 2;
                }
                else
                {
                    int far = planes.Read(row + (i < p.Width - 1 ? i + 1 : p.Width - 1));
                    return ((3 * near) + far + 2) >> 2;
                }
            }

            case UpsampleMethod.FancyH1V2:
            {
                int r = y >> 1;
                bool upper = (y & 1) == 0;
                int farRow = upper ? (r > 0 ? r - 1 : 0) : (r < p.Height - 1 ? r + 1 : p.Height - 1);
                int near = planes.Read(p.Offset + ((long)r * p.Stride) + x);
                int far = planes.Read(p.Offset + ((long)farRow * p.Stride) + x);
                return ((3 * near) + far + (upper ? 1 : 2)) >> 2;
            }

            default:
            {
                // FancyH2V2: column sums first, then the horizontal triangle with biases 8 (even) and 7 (odd).
                int r = y >> 1;
                int farRow = (y & 1) == 0 ? (r > 0 ? r - 1 : 0) : (r < p.Height - 1 ? r + 1 : p.Height - 1);
                long nearBase = p.Offset + ((long)r * p.Stride);
                long farBase = p.Offset + ((long)farRow * p.Stride);
                int i = x >> 1;
                int j = (x & 1) == 0 ? (i > 0 ? i - 1 : 0) : (i < p.Width - 1 ? i + 1 : p.Width - 1);
                int csNear = (3 * planes.Read(nearBase + i)) + planes.Read(farBase + i);
                int csFar = (3 * planes.Read(nearBase + j)) + planes.Read(farBase + j);
                return ((3 * csNear) + csFar + ((x & 1) == 0 ? 8 : 7)) >> 4;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clamp(int v) => (byte)(v < 0 ? 0 : v > 255 ? 255 : v);

    /// <summary>jdcolor.c: R = Y + Crr[Cr], G = Y + ((Cbg[Cb] + Crg[Cr]) >> 16), B = Y + Cbb[Cb], tables computed inline.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void YccToRgb(int y, int cb, int cr, out byte r, out byte g, out byte b)
    {
        int u = cb - 128;
        int v = cr - 128;
        r = Clamp(y + (((91881 * v) + 32768) >> 16));
        g = Clamp(y + (((-22554 * u) + 32768 + (-46802 * v)) >> 16));
        b = Clamp(y + (((116130 * u) + 32768) >> 16));
    }

    /// <summary>Writes output pixel (x, y) at <paramref name="pixel"/> (its first byte's index / channels).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pixel<TReader>(TReader planes, in JpegOutputGeometry g, int x, int y, out byte c0, out byte c1, out byte c2)
        where TReader : struct, IByteReader
    {
        int s0 = Sample(planes, g.C0, x, y);
        switch (g.Conversion)
        {
            case JpegColorConversion.YccToRgb:
                YccToRgb(s0, Sample(planes, g.C1, x, y), Sample(planes, g.C2, x, y), out c0, out c1, out c2);
                return;
            case JpegColorConversion.Rgb:
                c0 = (byte)s0;
                c1 = (byte)Sample(planes, g.C1, x, y);
                c2 = (byte)Sample(planes, g.C2, x, y);
                return;
            default:
                c0 = (byte)s0;
                c1 = c0;
                c2 = c0;
                return;
        }
    }
}

/// <summary>ILGPU kernels for JPEG decoding; the host path (SysNoise.Runtime) runs the same ops in loops.</summary>
public static class JpegKernels
{
    /// <summary>One 8×8 block: dequantize, column pass into local memory, row pass into the plane.</summary>
    public static void IdctBlocks<TMul, TWork, TOp>(Index1D block, ArrayView<short> coefficients, ArrayView<TMul> multipliers, ArrayView<byte> planes, IdctGeometry g, TOp op)
        where TMul : unmanaged
        where TWork : unmanaged
        where TOp : struct, IIdctOp<TMul, TWork>
    {
        int blockIndex = block.X;
        int bx = blockIndex % g.WidthInBlocks;
        int by = blockIndex / g.WidthInBlocks;
        long c = g.CoefficientOffset + ((long)blockIndex * 64);
        int m = g.MultiplierOffset;
        var ws = LocalMemory.Allocate1D<TWork>(64);
        bool dcOnly = false;
        if (op.HasBlockDcShortcut)
        {
            int any = 0;
            for (int k = 8; k < 64; k++)
            {
                any |= (ushort)coefficients[c + k];
            }

            dcOnly = any == 0;
        }

        for (int col = 0; col < 8; col++)
        {
            if (dcOnly)
            {
                TWork v = op.DcOnlyColumn(coefficients[c + col], multipliers[m + col]);
                for (int k = 0; k < 8; k++)
                {
                    ws[(k * 8) + col] = v;
                }

                continue;
            }

            var coef = new Octet<short>(
                coefficients[c + col], coefficients[c + 8 + col], coefficients[c + 16 + col], coefficients[c + 24 + col],
                coefficients[c + 32 + col], coefficients[c + 40 + col], coefficients[c + 48 + col], coefficients[c + 56 + col]);
            var mul = new Octet<TMul>(
                multipliers[m + col], multipliers[m + 8 + col], multipliers[m + 16 + col], multipliers[m + 24 + col],
                multipliers[m + 32 + col], multipliers[m + 40 + col], multipliers[m + 48 + col], multipliers[m + 56 + col]);
            Octet<TWork> o = op.Column(coef, mul);
            ws[col] = o.V0;
            ws[8 + col] = o.V1;
            ws[16 + col] = o.V2;
            ws[24 + col] = o.V3;
            ws[32 + col] = o.V4;
            ws[40 + col] = o.V5;
            ws[48 + col] = o.V6;
            ws[56 + col] = o.V7;
        }

        for (int row = 0; row < 8; row++)
        {
            int w = row * 8;
            Octet<byte> s = op.Row(new Octet<TWork>(ws[w], ws[w + 1], ws[w + 2], ws[w + 3], ws[w + 4], ws[w + 5], ws[w + 6], ws[w + 7]));
            long o = g.PlaneOffset + ((long)((by * 8) + row) * g.PlaneStride) + (bx * 8);
            planes[o] = s.V0;
            planes[o + 1] = s.V1;
            planes[o + 2] = s.V2;
            planes[o + 3] = s.V3;
            planes[o + 4] = s.V4;
            planes[o + 5] = s.V5;
            planes[o + 6] = s.V6;
            planes[o + 7] = s.V7;
        }
    }

    /// <summary>One output pixel: upsample each component, convert colour. Index: X = column, Y = row.</summary>
    public static void OutputPixels(Index2D index, ArrayView<byte> planes, ArrayView<byte> output, JpegOutputGeometry g)
    {
        int x = index.X, y = index.Y;
        JpegOutput.Pixel(new ViewByteReader(planes), g, x, y, out byte c0, out byte c1, out byte c2);
        int channels = g.Channels;
        long o = (((long)y * g.Width) + x) * channels;
        output[o] = c0;
        if (channels == 3)
        {
            output[o + 1] = c1;
            output[o + 2] = c2;
        }
    }
}
