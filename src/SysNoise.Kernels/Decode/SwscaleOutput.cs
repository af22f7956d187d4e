using System.Runtime.CompilerServices;
using ILGPU;

namespace SysNoise.Kernels.Decode;

/// <summary>Reads ints from wherever the filters are: an ArrayView in kernels, an array on the host.</summary>
public interface IIntReader
{
    int Read(int index);
}

public readonly struct ViewIntReader(ArrayView<int> view) : IIntReader
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Read(int index) => view[index];
}

/// <summary>Which libswscale 6.7 (FFmpeg 5.1) code path turns the decoded frame into rgb24.</summary>
public enum SwscalePath
{
    /// <summary>gray → rgb24: R = G = B = Y (full-range luma, no chroma).</summary>
    Gray = 0,

    /// <summary>gbrp → rgb24 (an RGB JPEG): the planes interleaved as they are.</summary>
    PlanarRgb = 1,

    /// <summary>yuv420p/yuv422p with an even height: the unscaled special converter, x86 SSSE3 <c>ff_yuv_420_rgb24_ssse3</c> (pmulhw).</summary>
    Special = 2,

    /// <summary>The scaler with SWS_FULL_CHR_H_INT (odd width, or 4:4:4): chroma filtered to every pixel, <c>yuv2rgb24_full_*_c</c>.</summary>
    FullChroma = 3,

    /// <summary>The scaler without full chroma: chroma filtered to ceil(W/2) columns shared by pixel pairs, table lookups (<c>yuv2rgb24_*_c</c>).</summary>
    HalfChroma = 4,
}

/// <summary>Planes and filters of one swscale conversion; filter arrays live in one int buffer.</summary>
public struct SwscaleGeometry
{
    public int Width;
    public int Height;
    public SwscalePath Path;
    public long YOffset;
    public int YStride;
    public long UOffset;
    public long VOffset;
    public int CStride;

    /// <summary>Chroma plane size (the scaler's chrSrcW/chrSrcH).</summary>
    public int ChromaWidth;
    public int ChromaHeight;

    /// <summary>Special path: log2 of the chroma subsampling.</summary>
    public int ChromaHShift;
    public int ChromaVShift;

    /// <summary>Horizontal chroma filter: per chroma output column a first source column and HFilterSize 14-bit taps.</summary>
    public int HFilterSize;
    public int HPosOffset;
    public int HCoefOffset;

    /// <summary>Vertical chroma filter: per output row a first chroma row and VFilterSize 12-bit taps.</summary>
    public int VFilterSize;
    public int VPosOffset;
    public int VCoefOffset;
}

/// <summary>libswscale's arithmetic for the conversions the FFmpeg CLI runs after its mjpeg decoder (full-range BT.601).</summary>
public static class SwscaleOutput
{
    // ff_yuv2rgb_c_init_tables with ff_yuv2rgb_coeffs[SWS_CS_ITU601] = {104597, 132201, 25675, 53279}, fullRange = 1
    // (each ×224/255), contrast = saturation = 1<<16: crv 91881, cbu 116129, cgu -22553, cgv -46801. The 13-bit
    // coefficients are roundToInt16(c << 13) = (c·8192 + 32768) >> 16; Y: cy = 1<<16 → 8192, offset 0.
    private const int VrCoeff = 11485;
    private const int VgCoeff = -5850;
    private const int UgCoeff = -2819;
    private const int UbCoeff = 14516;

    // The rgb24 lookup tables (fill_table/fill_gv_table): table entry = (c·x) >> 16 − (c >> 9). Measured against
    // ffmpeg over every U: the green-from-U table steps as 22552 (not 22553) would give, e.g. at U = 247.
    private const int TableCrv = 91881;
    private const int TableCbu = 116129;
    private const int TableCgu = -22552;
    private const int TableCgv = -46801;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ClampByte(int v) => (byte)(v < 0 ? 0 : v > 255 ? 255 : v);

    /// <summary>x86 SSSE3 yuv420_rgb24: u = (U&lt;&lt;3) − 1024, pmulhw by the 13-bit coefficients (floor), Y·8·8192 &gt;&gt; 16 = Y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Special(int y, int u, int v, out byte r, out byte g, out byte b)
    {
        int u8 = (u << 3) - 1024;
        int v8 = (v << 3) - 1024;
        r = ClampByte(y + ((v8 * VrCoeff) >> 16));
        g = ClampByte(y + ((u8 * UgCoeff) >> 16) + ((v8 * VgCoeff) >> 16));
        b = ClampByte(y + ((u8 * UbCoeff) >> 16));
    }

    /// <summary>output.c yuv2rgb_write_full for rgb24: Y, U, V at the scale the _1/_X templates hand over (Y·2^9 etc.).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteFull(int y, int u, int v, out byte r, out byte g, out byte b)
    {
        int yy = (y * 8192) + (1 << 21);
        int rr = yy + (v * VrCoeff);
        int gg = yy + (v * VgCoeff) + (u * UgCoeff);
        int bb = yy + (u * UbCoeff);
        if (((rr | gg | bb) & unchecked((int)0xC0000000)) != 0)
        {
            rr = Clip30(rr);
            gg = Clip30(gg);
            bb = Clip30(bb);
        }

        r = (byte)(rr >> 22);
        g = (byte)(gg >> 22);
        b = (byte)(bb >> 22);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Clip30(int v) => v < 0 ? 0 : v > (1 << 30) - 1 ? (1 << 30) - 1 : v;

    /// <summary>yuv2rgb24_{1,X}_c: the table lookups with 8-bit U, V (the tables clamp their index to 0..255).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void WriteTables(int y, int u, int v, out byte r, out byte g, out byte b)
    {
        u = u < 0 ? 0 : u > 255 ? 255 : u;
        v = v < 0 ? 0 : v > 255 ? 255 : v;
        r = ClampByte(y + ((v * TableCrv) >> 16) - (TableCrv >> 9));
        g = ClampByte(y + ((u * TableCgu) >> 16) - (TableCgu >> 9) + ((v * TableCgv) >> 16) - (TableCgv >> 9));
        b = ClampByte(y + ((u * TableCbu) >> 16) - (TableCbu >> 9));
    }

    /// <summary>hScale8To15 of chroma row <paramref name="row"/> at output column <paramref name="col"/>: Σ src·tap &gt;&gt; 7, at most 32767.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int HScale<TReader, TInts>(TReader planes, TInts filters, in SwscaleGeometry g, long plane, int row, int col)
        where TReader : struct, IByteReader
        where TInts : struct, IIntReader
    {
        int pos = filters.Read(g.HPosOffset + col);
        int c = g.HCoefOffset + (col * g.HFilterSize);
        long line = plane + ((long)row * g.CStride);
        int acc = 0;
        for (int j = 0; j < g.HFilterSize; j++)
        {
            // Taps past the plane edge are zero (initFilter's border fix).
            if (pos + j < g.ChromaWidth)
            {
                acc += planes.Read(line + pos + j) * filters.Read(c + j);
            }
        }

        acc >>= 7;
        return acc > 32767 ? 32767 : acc;
    }

    /// <summary>
    /// The vertical chroma step for output row <paramref name="y"/> as vscale.c packed_vscale dispatches it (luma is
    /// unscaled, one tap): a 1-tap filter, or 2 taps summing to 4096, go to yuv2packed1 (one row if the second tap is
    /// below 2048, else the plain average of both); anything else to yuv2packedX. Returns U and V at the scale
    /// <paramref name="full"/> selects: the full-chroma templates' (U−128)·2^9, or the 8-bit value of the table path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Chroma<TReader, TInts>(TReader planes, TInts filters, in SwscaleGeometry g, int col, int y, bool full, out int u, out int v)
        where TReader : struct, IByteReader
        where TInts : struct, IIntReader
    {
        int pos = filters.Read(g.VPosOffset + y);
        int c = g.VCoefOffset + (y * g.VFilterSize);
        int n = g.VFilterSize;
        // The C code reads the taps as uint16_t.
        if (n == 1 || (n == 2 && (filters.Read(c) & 0xFFFF) + (filters.Read(c + 1) & 0xFFFF) == 4096 && (filters.Read(c + 1) & 0xFFFF) <= 4096))
        {
            int alpha = n == 1 ? 0 : filters.Read(c + 1) & 0xFFFF;
            int u0 = HScale(planes, filters, g, g.UOffset, pos, col);
            int v0 = HScale(planes, filters, g, g.VOffset, pos, col);
            if (alpha < 2048)
            {
                u = full ? (u0 - (128 << 7)) * 4 : (u0 + 64) >> 7;
                v = full ? (v0 - (128 << 7)) * 4 : (v0 + 64) >> 7;
            }
            else
            {
                int u1 = HScale(planes, filters, g, g.UOffset, pos + 1, col);
                int v1 = HScale(planes, filters, g, g.VOffset, pos + 1, col);
                u = full ? (u0 + u1 - (128 << 8)) * 2 : (u0 + u1 + 128) >> 8;
                v = full ? (v0 + v1 - (128 << 8)) * 2 : (v0 + v1 + 128) >> 8;
            }

            return;
        }

        int us = full ? (1 << 9) - (128 << 19) : 1 << 18;
        int vs = us;
        for (int k = 0; k < n; k++)
        {
            int tap = filters.Read(c + k);
            if (pos + k < g.ChromaHeight)
            {
                us += HScale(planes, filters, g, g.UOffset, pos + k, col) * tap;
                vs += HScale(planes, filters, g, g.VOffset, pos + k, col) * tap;
            }
        }

        u = us >> (full ? 10 : 19);
        v = vs >> (full ? 10 : 19);
    }

    /// <summary>Output pixel (x, y) of the rgb24 frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Pixel<TReader, TInts>(TReader planes, TInts filters, in SwscaleGeometry g, int x, int y, out byte r, out byte gr, out byte b)
        where TReader : struct, IByteReader
        where TInts : struct, IIntReader
    {
        int luma = planes.Read(g.YOffset + ((long)y * g.YStride) + x);
        switch (g.Path)
        {
            case SwscalePath.Gray:
                r = (byte)luma;
                gr = r;
                b = r;
                return;
            case SwscalePath.PlanarRgb:
                r = (byte)luma;
                gr = planes.Read(g.UOffset + ((long)y * g.CStride) + x);
                b = planes.Read(g.VOffset + ((long)y * g.CStride) + x);
                return;
            case SwscalePath.Special:
            {
                long ci = ((long)(y >> g.ChromaVShift) * g.CStride) + (x >> g.ChromaHShift);
                Special(luma, planes.Read(g.UOffset + ci), planes.Read(g.VOffset + ci), out r, out gr, out b);
                return;
            }

            case SwscalePath.FullChroma:
            {
                Chroma(planes, filters, g, x, y, true, out int u, out int v);
                WriteFull(luma << 9, u, v, out r, out gr, out b);
                return;
            }

            default:
            {
                Chroma(planes, filters, g, x >> 1, y, false, out int u, out int v);
                WriteTables(luma, u, v, out r, out gr, out b);
                return;
            }
        }
    }

    /// <summary>ILGPU kernel: one rgb24 output pixel. Index: X = column, Y = row.</summary>
    public static void Kernel(Index2D index, ArrayView<byte> planes, ArrayView<int> filters, ArrayView<byte> output, SwscaleGeometry g)
    {
        Pixel(new ViewByteReader(planes), new ViewIntReader(filters), g, index.X, index.Y, out byte r, out byte gr, out byte b);
        long o = (((long)index.Y * g.Width) + index.X) * 3;
        output[o] = r;
        output[o + 1] = gr;
        output[o + 2] = b;
    }
}
