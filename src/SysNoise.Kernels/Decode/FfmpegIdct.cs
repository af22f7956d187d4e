using System.Runtime.CompilerServices;

namespace SysNoise.Kernels.Decode;

/// <summary>
/// One dequantization step of FFmpeg's mjpeg decoder: <c>coef · Scale + Bias</c>. The DC entry has Bias 1024: the
/// decoder's DC predictor starts (and restarts) at <c>4 &lt;&lt; bits</c> in the dequantized domain, which is the
/// +128 level shift; that sum is clipped to int16 (av_clip_int16), AC products are stored in int16 (wrapping).
/// </summary>
public struct FfmpegDequant
{
    public int Scale;
    public int Bias;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int Apply(short coef)
    {
        if (Bias == 0)
        {
            return (short)(coef * Scale);
        }

        int v = (coef * Scale) + Bias;
        return v < short.MinValue ? short.MinValue : v > short.MaxValue ? short.MaxValue : v;
    }
}

/// <summary>
/// The IDCT FFmpeg 5.1's mjpeg decoder runs on Debian 12 x86-64, with the arithmetic of the C "simple" IDCT
/// (libavcodec/simple_idct_template.c, ff_simple_idct_put_int16_8bit): rows first with W1..W7 = 22725, 21407, 19266,
/// 16383, 12873, 8867, 4520, +1&lt;&lt;10, &gt;&gt;11, stored in int16; a row whose AC terms are all zero becomes
/// row[0]&lt;&lt;3 (the DC-only shortcut); then columns as W4·(col[0] + 32) + ..., &gt;&gt;20, clamped to 0..255.
/// Measured: the corpus matches this bit for bit, while the x86-64 AVX routine from simple_idct10.asm (same
/// butterfly, no DC-only shortcut: (16383·r0 + 1024) &gt;&gt; 11 instead of r0·8) differs by 1–2 on about half the files.
/// </summary>
public readonly struct FfmpegIdct : IIdctOp<FfmpegDequant, int>
{
    private const int W1 = 22725;
    private const int W2 = 21407;
    private const int W3 = 19266;
    private const int W4 = 16383;
    private const int W5 = 12873;
    private const int W6 = 8867;
    private const int W7 = 4520;

    public bool HasBlockDcShortcut => false;

    public bool RowsFirst => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DcOnlyColumn(short coef0, FfmpegDequant multiplier0) => 0;

    /// <summary>The row pass (idctRowCondDC) over dequantized coefficients.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<int> Column(Octet<short> coef, Octet<FfmpegDequant> m)
    {
        int r0 = m.V0.Apply(coef.V0), r1 = m.V1.Apply(coef.V1), r2 = m.V2.Apply(coef.V2), r3 = m.V3.Apply(coef.V3);
        int r4 = m.V4.Apply(coef.V4), r5 = m.V5.Apply(coef.V5), r6 = m.V6.Apply(coef.V6), r7 = m.V7.Apply(coef.V7);
        if ((r1 | r2 | r3 | r4 | r5 | r6 | r7) == 0)
        {
            int dc = (short)(r0 << 3);
            return new Octet<int>(dc, dc, dc, dc, dc, dc, dc, dc);
        }

        return Pass(r0, r1, r2, r3, r4, r5, r6, r7, 1 << 10, 11, true);
    }

    /// <summary>The column pass (idctSparseColPut): W4·(col[0] + 32), &gt;&gt;20, clamped to 0..255.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<byte> Row(Octet<int> w)
    {
        Octet<int> r = Pass(w.V0 + 32, w.V1, w.V2, w.V3, w.V4, w.V5, w.V6, w.V7, 0, 20, false);
        return new Octet<byte>(ToPixel(r.V0), ToPixel(r.V1), ToPixel(r.V2), ToPixel(r.V3), ToPixel(r.V4), ToPixel(r.V5), ToPixel(r.V6), ToPixel(r.V7));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ToPixel(int v) => (byte)(v < 0 ? 0 : v > 255 ? 255 : v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Out(int v, bool store16) => store16 ? (short)v : v;

    // Inputs are int16 values; int arithmetic as in C. Outputs are stored in int16 (row pass) or clamped (column pass).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Octet<int> Pass(int r0, int r1, int r2, int r3, int r4, int r5, int r6, int r7, int round, int shift, bool store16)
    {
        int a0 = (W4 * r0) + (W2 * r2) + round;
        int a1 = (W4 * r0) + (W6 * r2) + round;
        int a2 = (W4 * r0) - (W6 * r2) + round;
        int a3 = (W4 * r0) - (W2 * r2) + round;
        a0 += (W4 * r4) + (W6 * r6);
        a1 -= (W4 * r4) + (W2 * r6);
        a2 -= (W4 * r4) - (W2 * r6);
        a3 += (W4 * r4) - (W6 * r6);

        int b0 = (W1 * r1) + (W3 * r3);
        int b1 = (W3 * r1) - (W7 * r3);
        int b2 = (W5 * r1) - (W1 * r3);
        int b3 = (W7 * r1) - (W5 * r3);
        b0 += (W5 * r5) + (W7 * r7);
        b1 -= (W1 * r5) + (W5 * r7);
        b2 += (W7 * r5) + (W3 * r7);
        b3 += (W3 * r5) - (W1 * r7);

        return new Octet<int>(
            Out((a0 + b0) >> shift, store16),
            Out((a1 + b1) >> shift, store16),
            Out((a2 + b2) >> shift, store16),
            Out((a3 + b3) >> shift, store16),
            Out((a3 - b3) >> shift, store16),
            Out((a2 - b2) >> shift, store16),
            Out((a1 - b1) >> shift, store16),
            Out((a0 - b0) >> shift, store16));
    }
}
