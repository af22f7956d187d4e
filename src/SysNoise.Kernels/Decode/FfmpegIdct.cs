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
/// FFmpeg 5.1's 8-bit "simple" IDCT as x86-64 runs it for the mjpeg decoder (<c>ff_simple_idct8_put_avx</c>/<c>_sse2</c>,
/// libavcodec/x86/simple_idct10.asm + simple_idct10_template.asm, picked by ff_idctdsp_init_x86 for FF_IDCT_AUTO).
/// Dequantization is <c>level * quant_matrix[i]</c> stored in int16 (mjpegdec.c decode_block). Rows first: pmaddwd sums
/// with W1..W7 = 22725, 21407, 19266, 16383, 12873, 8867, 4520, +1&lt;&lt;10, &gt;&gt;11, packssdw; then columns with 32
/// added to row 0 in int16 (paddw pw_32), &gt;&gt;20, packssdw, packuswb. Unlike the C ff_simple_idct_int16_8bit there is
/// no DC-only row shortcut (the C code's row[0]&lt;&lt;3 differs from (16383·row[0]+1024)&gt;&gt;11).
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

    /// <summary>The row pass over dequantized coefficients.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<int> Column(Octet<short> coef, Octet<FfmpegDequant> m) => Pass(
        m.V0.Apply(coef.V0), m.V1.Apply(coef.V1), m.V2.Apply(coef.V2), m.V3.Apply(coef.V3),
        m.V4.Apply(coef.V4), m.V5.Apply(coef.V5), m.V6.Apply(coef.V6), m.V7.Apply(coef.V7),
        1 << 10, 11);

    /// <summary>The column pass; row 0 gets the bias 32 in int16 (paddw), then &gt;&gt;20 and clamping to 0..255.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet<byte> Row(Octet<int> w)
    {
        Octet<int> r = Pass((short)(w.V0 + 32), w.V1, w.V2, w.V3, w.V4, w.V5, w.V6, w.V7, 0, 20);
        return new Octet<byte>(ToPixel(r.V0), ToPixel(r.V1), ToPixel(r.V2), ToPixel(r.V3), ToPixel(r.V4), ToPixel(r.V5), ToPixel(r.V6), ToPixel(r.V7));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte ToPixel(int v) => (byte)(v < 0 ? 0 : v > 255 ? 255 : v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SaturateInt16(int v) => v < short.MinValue ? short.MinValue : v > short.MaxValue ? short.MaxValue : v;

    // Inputs are int16 values; int arithmetic wraps like the pmaddwd/paddd lanes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Octet<int> Pass(int r0, int r1, int r2, int r3, int r4, int r5, int r6, int r7, int round, int shift)
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
            SaturateInt16((a0 + b0) >> shift),
            SaturateInt16((a1 + b1) >> shift),
            SaturateInt16((a2 + b2) >> shift),
            SaturateInt16((a3 + b3) >> shift),
            SaturateInt16((a3 - b3) >> shift),
            SaturateInt16((a2 - b2) >> shift),
            SaturateInt16((a1 - b1) >> shift),
            SaturateInt16((a0 - b0) >> shift));
    }
}
