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

        // First pass lines are columns (libjpeg) or rows (FFmpeg): line i, element k sits at block index
        // i * lineStep + k * elemStep; the second pass reads line j, element k at j * elemStep + k * lineStep.
        int lineStep = op.RowsFirst ? 8 : 1;
        int elemStep = op.RowsFirst ? 1 : 8;
        for (int line = 0; line < 8; line++)
        {
            int b = line * lineStep;
            if (dcOnly)
            {
                TWork v = op.DcOnlyColumn(coefficients[c + b], multipliers[m + b]);
                for (int k = 0; k < 8; k++)
                {
                    ws[b + (k * elemStep)] = v;
                }

                continue;
            }

            var coef = new Octet<short>(
                coefficients[c + b], coefficients[c + b + elemStep], coefficients[c + b + (2 * elemStep)], coefficients[c + b + (3 * elemStep)],
                coefficients[c + b + (4 * elemStep)], coefficients[c + b + (5 * elemStep)], coefficients[c + b + (6 * elemStep)], coefficients[c + b + (7 * elemStep)]);
            var mul = new Octet<TMul>(
                multipliers[m + b], multipliers[m + b + elemStep], multipliers[m + b + (2 * elemStep)], multipliers[m + b + (3 * elemStep)],
                multipliers[m + b + (4 * elemStep)], multipliers[m + b + (5 * elemStep)], multipliers[m + b + (6 * elemStep)], multipliers[m + b + (7 * elemStep)]);
            Octet<TWork> o = op.Column(coef, mul);
            ws[b] = o.V0;
            ws[b + elemStep] = o.V1;
            ws[b + (2 * elemStep)] = o.V2;
            ws[b + (3 * elemStep)] = o.V3;
            ws[b + (4 * elemStep)] = o.V4;
            ws[b + (5 * elemStep)] = o.V5;
            ws[b + (6 * elemStep)] = o.V6;
            ws[b + (7 * elemStep)] = o.V7;
        }

        long origin = g.PlaneOffset + ((long)by * 8 * g.PlaneStride) + (bx * 8);
        for (int line = 0; line < 8; line++)
        {
            int w = line * elemStep;
            Octet<byte> s = op.Row(new Octet<TWork>(
                ws[w], ws[w + lineStep], ws[w + (2 * lineStep)], ws[w + (3 * lineStep)],
                ws[w + (4 * lineStep)], ws[w + (5 * lineStep)], ws[w + (6 * lineStep)], ws[w + (7 * lineStep)]));
            planes[BlockSample(origin, g.PlaneStride, w)] = s.V0;
            planes[BlockSample(origin, g.PlaneStride, w + lineStep)] = s.V1;
            planes[BlockSample(origin, g.PlaneStride, w + (2 * lineStep))] = s.V2;
            planes[BlockSample(origin, g.PlaneStride, w + (3 * lineStep))] = s.V3;
            planes[BlockSample(origin, g.PlaneStride, w + (4 * lineStep))] = s.V4;
            planes[BlockSample(origin, g.PlaneStride, w + (5 * lineStep))] = s.V5;
            planes[BlockSample(origin, g.PlaneStride, w + (6 * lineStep))] = s.V6;
            planes[BlockSample(origin, g.PlaneStride, w + (7 * lineStep))] = s.V7;
        }
    }

    /// <summary>Plane index of block sample <paramref name="index"/> (row-major 0..63) of the block at <paramref name="origin"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long BlockSample(long origin, int stride, int index) => origin + ((long)(index >> 3) * stride) + (index & 7);

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
