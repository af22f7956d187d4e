using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using SysNoise.Kernels.Model.Nn;

namespace SysNoise.Kernels.Model.Quant;

/// <summary>
/// Host paths of the integer layers. Operands are centred (value − zero point) into int16 rows padded with zeros to a
/// multiple of 16, and every accumulator is a dot product of two such rows: AVX2 <c>vpmaddwd</c> multiplies int16 pairs
/// into exact int32 pair sums (|x − zp|, |w − zp| ≤ 255, so a pair sum is at most 130050), and the int32 lanes add with
/// wrap-around. The result equals <see cref="IntegerMath"/>'s sequential sum bit for bit (int32 addition modulo 2^32 is
/// associative); the epilogue is the same <see cref="IntegerMath.Epilogue"/> call.
/// </summary>
public static unsafe class IntegerHost
{
    /// <summary>Row length granule of the centred int16 rows.</summary>
    public const int KGranule = 16;

    /// <summary>Output pixels per conv task (one im2col chunk).</summary>
    private const int PixelChunk = 64;

    public static int PaddedK(int k) => (k + KGranule - 1) / KGranule * KGranule;

    /// <summary>Whether a convolution runs the direct loop (one input channel per group: depthwise) rather than the GEMM.</summary>
    public static bool IsDirect(NnGeometry g) => g.GroupChannels == 1;

    /// <summary>
    /// Centred int16 rows of int8 weights: row r holds w[r·k + j] − zp(r) for j &lt; k and zeros up to the padded length.
    /// The zero point of row r is the channel table's entry of channel r.
    /// </summary>
    public static short[] PackWeightRows(sbyte[] w, int rows, int k, int[] channels)
    {
        int kp = PaddedK(k);
        var packed = new short[Math.Max(1, (long)rows * kp)];
        for (int r = 0; r < rows; r++)
        {
            int zp = channels[r * IntegerEpilogue.ChannelStride];
            for (int j = 0; j < k; j++)
            {
                packed[((long)r * kp) + j] = (short)(w[((long)r * k) + j] - zp);
            }
        }

        return packed;
    }

    /// <summary>
    /// Centred int16 columns of a [K, N] (or, transposed, [N, K]) int8 weight matrix: row n of the result is column n,
    /// minus that column's zero point.
    /// </summary>
    public static short[] PackWeightColumns(sbyte[] w, int k, int n, bool transposed, int[] channels)
    {
        int kp = PaddedK(k);
        var packed = new short[Math.Max(1, (long)n * kp)];
        for (int c = 0; c < n; c++)
        {
            int zp = channels[c * IntegerEpilogue.ChannelStride];
            for (int j = 0; j < k; j++)
            {
                sbyte v = transposed ? w[((long)c * k) + j] : w[((long)j * n) + c];
                packed[((long)c * kp) + j] = (short)(v - zp);
            }
        }

        return packed;
    }

    /// <summary>
    /// Integer Conv to uint8 (NC(D)HW). <paramref name="packedWeights"/> from <see cref="PackWeightRows"/> over all
    /// OC rows of K = C/group·KD·KH·KW (unused by the direct path, which reads <paramref name="w"/>).
    /// </summary>
    public static void Conv(byte[] x, sbyte[] w, short[] packedWeights, int[] channels, NnGeometry g, IntegerEpilogue e, byte[] y, int threads)
    {
        if (g.OutputElements == 0)
        {
            return;
        }

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        int planes = g.Batch * g.OutChannels;
        int outSpatial = g.OutSpatial;
        if (IsDirect(g) && g.KD == 1 && g.InD == 1 && g.OutD == 1)
        {
            Parallel.For(0, planes, parallel, () => new int[PaddedPlaneSize(g) + g.KernelSpatial], (plane, _, scratch) =>
            {
                DepthwisePlane(x, w, channels, g, e, y, plane, scratch);
                return scratch;
            }, _ => { });
            return;
        }

        if (IsDirect(g))
        {
            Parallel.For(0, planes, parallel, plane =>
            {
                int n = plane / g.OutChannels, oc = plane % g.OutChannels;
                long t = (long)oc * IntegerEpilogue.ChannelStride;
                fixed (byte* xp = x)
                {
                    fixed (sbyte* wp = w)
                    {
                        var xs = new BytePointerSource(xp);
                        var ws = new SBytePointerSource(wp);
                        long o = (long)plane * outSpatial;
                        for (int od = 0; od < g.OutD; od++)
                        {
                            for (int oh = 0; oh < g.OutH; oh++)
                            {
                                for (int ow = 0; ow < g.OutW; ow++)
                                {
                                    int acc = IntegerMath.ConvElement(xs, ws, g, e.InputZeroPoint, channels[t], n, oc, od, oh, ow);
                                    y[o++] = (byte)IntegerMath.Epilogue(acc, channels[t + 1], channels[t + 2], channels[t + 3], e);
                                }
                            }
                        }
                    }
                }
            });
            return;
        }

        int k = g.GroupChannels * g.KernelSpatial;
        int kp = PaddedK(k);
        int ocg = g.GroupOutChannels;
        int chunks = (outSpatial + PixelChunk - 1) / PixelChunk;
        int tasks = g.Batch * g.Group * chunks;
        Parallel.For(0, tasks, parallel, () => new ConvScratch(kp, ocg), (task, _, scratch) =>
        {
            int chunk = task % chunks;
            int image = task / chunks;
            int gi = image % g.Group, n = image / g.Group;
            int p0 = chunk * PixelChunk;
            int pc = Math.Min(PixelChunk, outSpatial - p0);
            fixed (byte* xp = x)
            {
                fixed (short* cols = scratch.Columns)
                {
                    fixed (short* wp = packedWeights)
                    {
                        fixed (int* acc = scratch.Accumulators)
                        {
                            byte* input = xp + ((((long)n * g.Channels) + ((long)gi * g.GroupChannels)) * g.InSpatial);
                            Im2Col(input, g, e.InputZeroPoint, p0, pc, k, kp, cols);
                            DotBlock(wp + ((long)gi * ocg * kp), ocg, cols, pc, kp, acc);
                            for (int oc = 0; oc < ocg; oc++)
                            {
                                int c = (gi * ocg) + oc;
                                long t = (long)c * IntegerEpilogue.ChannelStride;
                                long o = ((((long)n * g.OutChannels) + c) * outSpatial) + p0;
                                int* row = acc + ((long)oc * pc);
                                for (int p = 0; p < pc; p++)
                                {
                                    y[o + p] = (byte)IntegerMath.Epilogue(row[p], channels[t + 1], channels[t + 2], channels[t + 3], e);
                                }
                            }
                        }
                    }
                }
            }

            return scratch;
        }, _ => { });
    }

    private static int PaddedPlaneSize(NnGeometry g) => (((g.OutH - 1) * g.SH) + ((g.KH - 1) * g.DH) + 1) * (((g.OutW - 1) * g.SW) + ((g.KW - 1) * g.DW) + 1);

    /// <summary>
    /// One output plane of a 2-D convolution with one input channel per group: the input plane centred (x − x_zp) into
    /// a zero-padded int copy covering every tap, then each output's taps in (kh, kw) order with no bounds tests.
    /// </summary>
    private static void DepthwisePlane(byte[] x, sbyte[] w, int[] channels, NnGeometry g, IntegerEpilogue e, byte[] y, int plane, int[] scratch)
    {
        int n = plane / g.OutChannels, oc = plane % g.OutChannels;
        int ic = oc / g.GroupOutChannels;
        int hp = ((g.OutH - 1) * g.SH) + ((g.KH - 1) * g.DH) + 1;
        int wp = ((g.OutW - 1) * g.SW) + ((g.KW - 1) * g.DW) + 1;
        int ks = g.KernelSpatial;
        Span<int> padded = scratch.AsSpan(0, hp * wp);
        Span<int> taps = scratch.AsSpan(hp * wp, ks);
        long t = (long)oc * IntegerEpilogue.ChannelStride;
        int wzp = channels[t];
        for (int k = 0; k < ks; k++)
        {
            taps[k] = w[((long)oc * ks) + k] - wzp;
        }

        long src = (((long)n * g.Channels) + ic) * g.InSpatial;
        for (int r = 0; r < hp; r++)
        {
            int ih = r - g.PH;
            Span<int> row = padded.Slice(r * wp, wp);
            if (ih < 0 || ih >= g.InH)
            {
                row.Clear();
                continue;
            }

            long rowStart = src + ((long)ih * g.InW);
            for (int c = 0; c < wp; c++)
            {
                int iw = c - g.PW;
                row[c] = iw >= 0 && iw < g.InW ? x[rowStart + iw] - e.InputZeroPoint : 0;
            }
        }

        int bias = channels[t + 1], multiplier = channels[t + 2], shift = channels[t + 3];
        long o = (long)plane * g.OutSpatial;
        for (int oh = 0; oh < g.OutH; oh++)
        {
            for (int ow = 0; ow < g.OutW; ow++)
            {
                int acc = 0, k = 0;
                for (int kh = 0; kh < g.KH; kh++)
                {
                    int start = (((oh * g.SH) + (kh * g.DH)) * wp) + (ow * g.SW);
                    for (int kw = 0; kw < g.KW; kw++)
                    {
                        acc = unchecked(acc + (padded[start + (kw * g.DW)] * taps[k++]));
                    }
                }

                y[o++] = (byte)IntegerMath.Epilogue(acc, bias, multiplier, shift, e);
            }
        }
    }

    /// <summary>
    /// Integer batched matrix product to uint8: y[b, m, n] = epilogue(Σk (A(b, m, k) − a_zp)·B'(b, n, k)) with B' the
    /// centred int16 columns of B (<see cref="PackWeightColumns"/> for weights, <see cref="PackActivationColumns"/> for an
    /// activation), one matrix per entry of <paramref name="bMatrix"/> (the batch's matrix index into <paramref name="packedB"/>).
    /// A(b, m, k) = a[aOffsets[b] + m·aRow + k·aCol].
    /// </summary>
    public static void MatMul(byte[] a, long[] aOffsets, long aRow, long aCol, short[] packedB, int[] bMatrix, int[] channels, int batches, int m, int n, int k, IntegerEpilogue e, byte[] y, int threads)
    {
        if ((long)batches * m * n == 0)
        {
            return;
        }

        int kp = PaddedK(k);
        const int RowChunk = 16;
        int chunks = (m + RowChunk - 1) / RowChunk;
        long work = (long)batches * m * n * kp;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = work < 1_000_000 ? 1 : Math.Max(1, threads) };
        Parallel.For(0, batches * chunks, parallel, () => (Rows: new short[RowChunk * kp], Acc: new int[RowChunk * n]), (task, _, scratch) =>
        {
            int b = task / chunks;
            int m0 = (task % chunks) * RowChunk;
            int rows = Math.Min(RowChunk, m - m0);
            Array.Clear(scratch.Rows);
            for (int r = 0; r < rows; r++)
            {
                long src = aOffsets[b] + ((m0 + r) * aRow);
                int dst = r * kp;
                for (int j = 0; j < k; j++)
                {
                    scratch.Rows[dst + j] = (short)(a[src + (j * aCol)] - e.InputZeroPoint);
                }
            }

            fixed (short* lp = scratch.Rows)
            {
                fixed (short* bp = packedB)
                {
                    fixed (int* acc = scratch.Acc)
                    {
                        DotBlock(lp, rows, bp + ((long)bMatrix[b] * n * kp), n, kp, acc);
                        for (int r = 0; r < rows; r++)
                        {
                            long o = (((long)b * m) + m0 + r) * n;
                            int* row = acc + ((long)r * n);
                            for (int c = 0; c < n; c++)
                            {
                                int t = c * IntegerEpilogue.ChannelStride;
                                y[o + c] = (byte)IntegerMath.Epilogue(row[c], channels[t + 1], channels[t + 2], channels[t + 3], e);
                            }
                        }
                    }
                }
            }

            return scratch;
        }, _ => { });
    }

    /// <summary>
    /// Centred int16 columns of uint8 activation matrices: for each of <paramref name="matrices"/> matrices at
    /// <paramref name="offsets"/>, row n of its block is B(k, n) − zp over k (B(k, n) = b[offset + k·bRow + n·bCol]).
    /// </summary>
    public static short[] PackActivationColumns(byte[] b, long[] offsets, int matrices, long bRow, long bCol, int k, int n, int zeroPoint)
    {
        int kp = PaddedK(k);
        var packed = new short[Math.Max(1, (long)matrices * n * kp)];
        for (int mi = 0; mi < matrices; mi++)
        {
            long block = (long)mi * n * kp;
            for (int c = 0; c < n; c++)
            {
                long src = offsets[mi] + (c * bCol);
                long dst = block + ((long)c * kp);
                for (int j = 0; j < k; j++)
                {
                    packed[dst + j] = (short)(b[src + (j * bRow)] - zeroPoint);
                }
            }
        }

        return packed;
    }

    /// <summary>
    /// The im2col rows of output pixels [p0, p0 + pc) of one image and group: row p holds (x − x_zp) over
    /// k = (ic, kd, kh, kw), 0 for padded taps (the zero point) and past K.
    /// </summary>
    private static void Im2Col(byte* input, NnGeometry g, int zeroPoint, int p0, int pc, int k, int kp, short* cols)
    {
        int outHW = g.OutH * g.OutW;
        for (int p = 0; p < pc; p++)
        {
            int q = p0 + p;
            int od = q / outHW;
            int rem = q - (od * outHW);
            int oh = rem / g.OutW;
            int ow = rem - (oh * g.OutW);
            short* row = cols + ((long)p * kp);
            int j = 0;
            for (int ic = 0; ic < g.GroupChannels; ic++)
            {
                byte* plane = input + ((long)ic * g.InSpatial);
                for (int kd = 0; kd < g.KD; kd++)
                {
                    int id = (od * g.SD) - g.PD + (kd * g.DD);
                    bool dOk = id >= 0 && id < g.InD;
                    for (int kh = 0; kh < g.KH; kh++)
                    {
                        int ih = (oh * g.SH) - g.PH + (kh * g.DH);
                        bool hOk = dOk && ih >= 0 && ih < g.InH;
                        byte* src = plane + ((((long)id * g.InH) + ih) * g.InW);
                        for (int kw = 0; kw < g.KW; kw++)
                        {
                            int iw = (ow * g.SW) - g.PW + (kw * g.DW);
                            row[j++] = hOk && iw >= 0 && iw < g.InW ? (short)(src[iw] - zeroPoint) : (short)0;
                        }
                    }
                }
            }

            for (; j < kp; j++)
            {
                row[j] = 0;
            }
        }
    }

    /// <summary>acc[i·rRows + j] = dot(l row i, r row j) over kp int16 elements (rows of length kp, a multiple of 16).</summary>
    private static void DotBlock(short* l, int lRows, short* r, int rRows, int kp, int* acc)
    {
        int i = 0;
        for (; i + 2 <= lRows; i += 2)
        {
            short* l0 = l + ((long)i * kp);
            short* l1 = l0 + kp;
            int j = 0;
            for (; j + 4 <= rRows; j += 4)
            {
                short* r0 = r + ((long)j * kp);
                Tile2x4(l0, l1, r0, kp, acc + ((long)i * rRows) + j, acc + ((long)(i + 1) * rRows) + j);
            }

            for (; j < rRows; j++)
            {
                short* rj = r + ((long)j * kp);
                acc[((long)i * rRows) + j] = Dot(l0, rj, kp);
                acc[((long)(i + 1) * rRows) + j] = Dot(l1, rj, kp);
            }
        }

        for (; i < lRows; i++)
        {
            short* li = l + ((long)i * kp);
            for (int j = 0; j < rRows; j++)
            {
                acc[((long)i * rRows) + j] = Dot(li, r + ((long)j * kp), kp);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Dot(short* a, short* b, int kp)
    {
        if (Avx2.IsSupported)
        {
            Vector256<int> s = Vector256<int>.Zero;
            for (int k = 0; k < kp; k += KGranule)
            {
                s = Avx2.Add(s, Avx2.MultiplyAddAdjacent(Avx.LoadVector256(a + k), Avx.LoadVector256(b + k)));
            }

            return Vector256.Sum(s);
        }

        int acc = 0;
        for (int k = 0; k < kp; k++)
        {
            acc = unchecked(acc + (a[k] * b[k]));
        }

        return acc;
    }

    /// <summary>Two l rows against four consecutive r rows: eight dot products sharing their loads.</summary>
    private static void Tile2x4(short* l0, short* l1, short* r0, int kp, int* out0, int* out1)
    {
        if (!Avx2.IsSupported)
        {
            for (int j = 0; j < 4; j++)
            {
                out0[j] = Dot(l0, r0 + ((long)j * kp), kp);
                out1[j] = Dot(l1, r0 + ((long)j * kp), kp);
            }

            return;
        }

        short* r1 = r0 + kp, r2 = r1 + kp, r3 = r2 + kp;
        Vector256<int> a0 = Vector256<int>.Zero, a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        for (int k = 0; k < kp; k += KGranule)
        {
            Vector256<short> x0 = Avx.LoadVector256(l0 + k), x1 = Avx.LoadVector256(l1 + k);
            Vector256<short> v = Avx.LoadVector256(r0 + k);
            a0 = Avx2.Add(a0, Avx2.MultiplyAddAdjacent(x0, v));
            b0 = Avx2.Add(b0, Avx2.MultiplyAddAdjacent(x1, v));
            v = Avx.LoadVector256(r1 + k);
            a1 = Avx2.Add(a1, Avx2.MultiplyAddAdjacent(x0, v));
            b1 = Avx2.Add(b1, Avx2.MultiplyAddAdjacent(x1, v));
            v = Avx.LoadVector256(r2 + k);
            a2 = Avx2.Add(a2, Avx2.MultiplyAddAdjacent(x0, v));
            b2 = Avx2.Add(b2, Avx2.MultiplyAddAdjacent(x1, v));
            v = Avx.LoadVector256(r3 + k);
            a3 = Avx2.Add(a3, Avx2.MultiplyAddAdjacent(x0, v));
            b3 = Avx2.Add(b3, Avx2.MultiplyAddAdjacent(x1, v));
        }

        out0[0] = Vector256.Sum(a0);
        out0[1] = Vector256.Sum(a1);
        out0[2] = Vector256.Sum(a2);
        out0[3] = Vector256.Sum(a3);
        out1[0] = Vector256.Sum(b0);
        out1[1] = Vector256.Sum(b1);
        out1[2] = Vector256.Sum(b2);
        out1[3] = Vector256.Sum(b3);
    }

    private sealed class ConvScratch(int kp, int ocg)
    {
        public short[] Columns { get; } = GC.AllocateUninitializedArray<short>(PixelChunk * kp);

        public int[] Accumulators { get; } = GC.AllocateUninitializedArray<int>(Math.Max(1, ocg) * PixelChunk);
    }
}
