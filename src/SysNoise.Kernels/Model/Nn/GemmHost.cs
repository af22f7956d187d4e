using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// Supplies B of C = A·B one column panel at a time: rows [k0, k0 + kc) of columns [col0, col0 + cols) (col0 a multiple
/// of <see cref="GemmHost.NR"/>, cols ≤ NR). The result p holds row k's NR columns at p + (k − k0)·ldb; columns past
/// cols may hold anything (their lanes are computed and discarded). Packers write into <paramref name="work"/>
/// (<see cref="GemmHost.WorkSize"/> floats); operands laid out suitably are returned in place.
/// </summary>
public unsafe interface IPanelSource
{
    float* Panel(int k0, int kc, int col0, int cols, float* work, out long ldb);
}

/// <summary>Work on a finished tile of C (rows × cols at c, row stride ldc), after the whole K chain and the bias.</summary>
public unsafe interface ITileEpilogue
{
    void Finish(float* c, long ldc, int rows, int cols);

    /// <summary>The same work on 16 results about to be stored at <paramref name="c"/> (a full tile's registers).</summary>
    Vector512<float> Apply(Vector512<float> v, float* c);
}

/// <summary>No epilogue: C is the GEMM result.</summary>
public readonly unsafe struct NoEpilogue : ITileEpilogue
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Finish(float* c, long ldc, int rows, int cols)
    {
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> v, float* c) => v;
}

/// <summary>
/// A row-contiguous B (B(k, n) = data[k·rowStride + n]) packed a whole column block at a time, row by row: when a
/// block's first panel is asked for (its work area is <paramref name="workBase"/>, where <see cref="GemmHost.Run{TB}"/>
/// puts panel 0), every row k of the block's columns (up to <see cref="GemmHost.NT"/>, ending at
/// <paramref name="end"/>, the call's n1) is copied into all the block's panels, and the later panels are returned as
/// packed. Reading B in place instead visits K rows 128 bytes at a time: K interleaved streams the prefetchers cannot
/// follow once K is large and B is not in cache (MobileNetV2's 144→24 at 56×56, batch 8, ran at a third of ONNX
/// Runtime's speed). Same values, so the same chains.
/// </summary>
public readonly unsafe struct RowPackedPanels(float* data, long rowStride, int end, float* workBase) : IPanelSource
{
    public float* Panel(int k0, int kc, int col0, int cols, float* work, out long ldb)
    {
        int nr = GemmHost.NR;
        ldb = nr;
        if (work == workBase)
        {
            int blockEnd = Math.Min(end, col0 + GemmHost.NT);
            for (int k = 0; k < kc; k++)
            {
                float* src = data + ((long)(k0 + k) * rowStride);
                float* dst = work + ((long)k * nr);
                for (int c = col0; c < blockEnd; c += nr, dst += (long)kc * nr)
                {
                    GemmHost.CopyRow(src + c, dst, Math.Min(nr, blockEnd - c));
                }
            }
        }

        return work;
    }
}

/// <summary>
/// B given as a strided matrix: B(k, n) = data[k·rowStride + n·colStride]. Full panels of a row-contiguous B are read
/// in place (row stride = rowStride); others are packed.
/// </summary>
public readonly unsafe struct StridedPanels(float* data, long rowStride, long colStride) : IPanelSource
{
    public float* Panel(int k0, int kc, int col0, int cols, float* work, out long ldb)
    {
        if (colStride == 1 && cols == GemmHost.NR)
        {
            ldb = rowStride;
            return data + ((long)k0 * rowStride) + col0;
        }

        int nr = GemmHost.NR;
        ldb = nr;
        for (int k = 0; k < kc; k++)
        {
            float* src = data + ((long)(k0 + k) * rowStride) + (col0 * colStride);
            float* dst = work + ((long)k * nr);
            if (colStride == 1)
            {
                GemmHost.CopyRow(src, dst, cols);
            }
            else
            {
                for (int j = 0; j < cols; j++)
                {
                    dst[j] = src[j * colStride];
                }

                new Span<float>(dst + cols, nr - cols).Clear();
            }
        }

        return work;
    }
}

/// <summary>B packed once as [panel][K][NR] (see <see cref="GemmHost.PackB"/>).</summary>
public readonly unsafe struct PrepackedPanels(float* packed, int k) : IPanelSource
{
    public float* Panel(int k0, int kc, int col0, int cols, float* work, out long ldb)
    {
        ldb = GemmHost.NR;
        return packed + ((long)(col0 / GemmHost.NR) * k * GemmHost.NR) + ((long)k0 * GemmHost.NR);
    }
}

/// <summary>
/// The host GEMM: C[M, N] = A[M, K]·B[K, N] (+ a per-row bias), A packed as [M/MR panels][K][MR], B supplied as
/// NR-column panels. A register-blocked micro-kernel keeps an MR×NR tile of C in vector registers and, for every
/// element, runs acc = fma(a, b, acc) over k = 0..K−1 in order (a K block stores the tile and the next reloads it,
/// which is exact), then adds the bias once: the chain of <see cref="NnMath"/>, so results do not depend on the
/// tiling, the thread split or the vector width.
/// </summary>
public static unsafe class GemmHost
{
    /// <summary>Columns per B panel: two vectors.</summary>
    public static readonly int NR = Vector512.IsHardwareAccelerated ? 32 : 16;

    /// <summary>Rows per A panel.</summary>
    public static readonly int MR = Vector512.IsHardwareAccelerated ? 8 : 6;

    /// <summary>K block: a B panel of KC×NR floats stays in L1 while the A panels stream past it.</summary>
    public const int KC = 256;

    /// <summary>Columns per block of C (a multiple of every NR): bounds the C tiles revisited by each K block.</summary>
    public const int NT = 256;

    /// <summary>Floats of work space one <see cref="Run{TB}"/> call needs (the packed panels of one KC×NT block).</summary>
    public static int WorkSize => KC * NT;

    public static int Panels(int m) => (m + MR - 1) / MR;

    /// <summary>Floats of a packed A of M×K.</summary>
    public static long PackedASize(int m, int k) => (long)Panels(m) * MR * k;

    /// <summary>Packs A(m, k) = a[m·rowStride + k·colStride] as [panel][K][MR], rows past M zero.</summary>
    public static void PackA(float* a, long rowStride, long colStride, int m, int k, float* dst)
    {
        int mr = MR;
        for (int p = 0; p < Panels(m); p++)
        {
            float* panel = dst + ((long)p * mr * k);
            int rows = Math.Min(mr, m - (p * mr));
            for (int r = 0; r < mr; r++)
            {
                if (r >= rows)
                {
                    for (int kk = 0; kk < k; kk++)
                    {
                        panel[((long)kk * mr) + r] = 0f;
                    }

                    continue;
                }

                float* src = a + ((long)((p * mr) + r) * rowStride);
                for (int kk = 0; kk < k; kk++)
                {
                    panel[((long)kk * mr) + r] = src[kk * colStride];
                }
            }
        }
    }

    /// <summary>Floats of a packed B of K×N.</summary>
    public static long PackedBSize(int k, int n) => (long)((n + NR - 1) / NR) * NR * k;

    /// <summary>Packs B(k, n) = b[k·rowStride + n·colStride] as [panel][K][NR], columns past N zero.</summary>
    public static void PackB(float* b, long rowStride, long colStride, int k, int n, float* dst)
    {
        int nr = NR;
        for (int n0 = 0; n0 < n; n0 += nr)
        {
            int cols = Math.Min(nr, n - n0);
            float* panel = dst + ((long)(n0 / nr) * k * nr);
            for (int kk = 0; kk < k; kk++)
            {
                float* src = b + ((long)kk * rowStride) + (n0 * colStride);
                float* row = panel + ((long)kk * nr);
                for (int j = 0; j < cols; j++)
                {
                    row[j] = src[j * colStride];
                }

                new Span<float>(row + cols, nr - cols).Clear();
            }
        }
    }

    /// <summary>
    /// C rows of panels [mp0, mp1) and columns [n0, n1) (n0 a multiple of NR). <paramref name="rowBias"/> (null: none)
    /// is added once after the whole K chain. K must be ≥ 1. <paramref name="work"/> holds <see cref="WorkSize"/> floats.
    /// </summary>
    public static void Run<TB>(float* packedA, int m, int k, TB b, int n0, int n1, int mp0, int mp1, float* c, long ldc, float* rowBias, float* work)
        where TB : struct, IPanelSource
        => Run(packedA, m, k, b, n0, n1, mp0, mp1, c, ldc, rowBias, work, default(NoEpilogue));

    /// <summary>
    /// As above, then <paramref name="epilogue"/> on every finished tile of C (after the bias), while it is in L1.
    /// Loop order: column blocks of NT, K blocks of KC (the block's NR-column panels supplied once), A panels, panels.
    /// </summary>
    public static void Run<TB, TE>(float* packedA, int m, int k, TB b, int n0, int n1, int mp0, int mp1, float* c, long ldc, float* rowBias, float* work, TE epilogue)
        where TB : struct, IPanelSource
        where TE : struct, ITileEpilogue
    {
        int mr = MR, nr = NR;
        float* tile = stackalloc float[8 * 32];
        float* edgeBias = stackalloc float[8];
        int maxPanels = NT / nr;
        float** panels = stackalloc float*[maxPanels];
        long* strides = stackalloc long[maxPanels];
        for (int nt = n0; nt < n1; nt += NT)
        {
            int ntEnd = Math.Min(n1, nt + NT);
            int count = (ntEnd - nt + nr - 1) / nr;
            for (int k0 = 0; k0 < k; k0 += KC)
            {
                int kc = Math.Min(KC, k - k0);
                bool accumulate = k0 > 0;
                bool last = k0 + kc == k;

                // The block's B panels (≤ KC×NT floats: L2), then each A panel (KC×MR: L1) against all of them, so C is
                // written MR rows × NT columns at a time.
                for (int pi = 0; pi < count; pi++)
                {
                    int col0 = nt + (pi * nr);
                    panels[pi] = b.Panel(k0, kc, col0, Math.Min(nr, ntEnd - col0), work + ((long)pi * kc * nr), out strides[pi]);
                }

                for (int mp = mp0; mp < mp1; mp++)
                {
                    float* ap = packedA + ((long)mp * mr * k) + ((long)k0 * mr);
                    int rows = Math.Min(mr, m - (mp * mr));
                    float* bias = last && rowBias != null ? rowBias + (mp * mr) : null;
                    for (int pi = 0; pi < count; pi++)
                    {
                        int col0 = nt + (pi * nr);
                        int cols = Math.Min(nr, ntEnd - col0);
                        float* bp = panels[pi];
                        long ldb = strides[pi];
                        float* cp = c + ((long)mp * mr * ldc) + col0;
                        if (rows == mr && cols == nr && mr == 8)
                        {
                            // The 8×32 kernel applies the epilogue to its registers before the store.
                            Kernel512(ap, bp, ldb, kc, cp, ldc, accumulate, bias, epilogue, last, default(FullColumns));
                        }
                        else if (rows == mr && cols == nr)
                        {
                            Tile(ap, bp, ldb, kc, cp, ldc, accumulate, bias, rows);
                            if (last)
                            {
                                epilogue.Finish(cp, ldc, rows, cols);
                            }
                        }
                        else if (rows == 1 && cols == nr && nr == 32 && Vector512.IsHardwareAccelerated)
                        {
                            // A single row (a batch-1 classifier, a one-channel output): its kernel straight on C.
                            Kernel512x1(ap, bp, ldb, kc, cp, accumulate, bias);
                            if (last)
                            {
                                epilogue.Finish(cp, ldc, rows, cols);
                            }
                        }
                        else if (rows == mr && nr == 32 && cols <= 16 && mr == 8 && Avx512F.IsSupported)
                        {
                            // Column edge of at most 16 columns (a 14×14 plane's last 4): half the tile's FMAs.
                            Kernel512Half(ap, bp, ldb, kc, cp, ldc, accumulate, bias, cols);
                            if (last)
                            {
                                epilogue.Finish(cp, ldc, rows, cols);
                            }
                        }
                        else if (rows == mr && nr == 32 && Avx512F.IsSupported)
                        {
                            // Column edge: the same tile with C read and written through lane masks.
                            Kernel512(ap, bp, ldb, kc, cp, ldc, accumulate, bias, default(NoEpilogue), false, new MaskedColumns(cols));
                            if (last)
                            {
                                epilogue.Finish(cp, ldc, rows, cols);
                            }
                        }
                        else
                        {
                            // Edge tile: run the full tile on a scratch copy, keep the valid part.
                            for (int r = 0; r < mr; r++)
                            {
                                for (int j = 0; j < nr; j++)
                                {
                                    tile[(r * nr) + j] = accumulate && r < rows && j < cols ? cp[(r * ldc) + j] : 0f;
                                }
                            }

                            if (bias != null)
                            {
                                for (int r = 0; r < mr; r++)
                                {
                                    edgeBias[r] = r < rows ? bias[r] : 0f;
                                }
                            }

                            Tile(ap, bp, ldb, kc, tile, nr, accumulate, bias != null ? edgeBias : null, rows);
                            for (int r = 0; r < rows; r++)
                            {
                                for (int j = 0; j < cols; j++)
                                {
                                    cp[(r * ldc) + j] = tile[(r * nr) + j];
                                }
                            }

                            if (last)
                            {
                                epilogue.Finish(cp, ldc, rows, cols);
                            }
                        }
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(float* a, float* b, long ldb, int kc, float* c, long ldc, bool accumulate, float* bias, int rows)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            if (rows == 1)
            {
                Kernel512x1(a, b, ldb, kc, c, accumulate, bias);
            }
            else
            {
                Kernel512(a, b, ldb, kc, c, ldc, accumulate, bias, default(NoEpilogue), false, default(FullColumns));
            }
        }
        else
        {
            Kernel256(a, b, ldb, kc, c, ldc, accumulate, bias);
        }
    }

    /// <summary>Copies <paramref name="cols"/> floats (≤ NR) and zeroes the rest of the NR-wide row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CopyRow(float* src, float* dst, int cols)
    {
        if (cols == NR)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                Vector512.Store(Vector512.Load(src), dst);
                Vector512.Store(Vector512.Load(src + 16), dst + 16);
            }
            else
            {
                Vector256.Store(Vector256.Load(src), dst);
                Vector256.Store(Vector256.Load(src + 8), dst + 8);
            }

            return;
        }

        int j = 0;
        for (; j < cols; j++)
        {
            dst[j] = src[j];
        }

        for (; j < NR; j++)
        {
            dst[j] = 0f;
        }
    }

    /// <summary>
    /// 8×32 tile: 16 zmm accumulators. <typeparamref name="TC"/> reads and writes C's two 16-column halves (whole, or
    /// through lane masks at a column edge).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512<TE, TC>(float* a, float* b, long ldb, int kc, float* c, long ldc, bool accumulate, float* bias, TE epilogue, bool finish, TC columns)
        where TE : struct, ITileEpilogue
        where TC : struct, ITileColumns
    {
        Vector512<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71;
        if (accumulate)
        {
            c00 = columns.Load0(c); c01 = columns.Load1(c + 16);
            c10 = columns.Load0(c + ldc); c11 = columns.Load1(c + ldc + 16);
            c20 = columns.Load0(c + (2 * ldc)); c21 = columns.Load1(c + (2 * ldc) + 16);
            c30 = columns.Load0(c + (3 * ldc)); c31 = columns.Load1(c + (3 * ldc) + 16);
            c40 = columns.Load0(c + (4 * ldc)); c41 = columns.Load1(c + (4 * ldc) + 16);
            c50 = columns.Load0(c + (5 * ldc)); c51 = columns.Load1(c + (5 * ldc) + 16);
            c60 = columns.Load0(c + (6 * ldc)); c61 = columns.Load1(c + (6 * ldc) + 16);
            c70 = columns.Load0(c + (7 * ldc)); c71 = columns.Load1(c + (7 * ldc) + 16);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = c60 = c61 = c70 = c71 = Vector512<float>.Zero;
        }

        for (int k = 0; k < kc; k++)
        {
            Step8x32(a, Vector512.Load(b), Vector512.Load(b + 16), ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71);
            a += 8;
            b += ldb;
        }

        if (bias != null)
        {
            Vector512<float> v = Vector512.Create(bias[0]); c00 += v; c01 += v;
            v = Vector512.Create(bias[1]); c10 += v; c11 += v;
            v = Vector512.Create(bias[2]); c20 += v; c21 += v;
            v = Vector512.Create(bias[3]); c30 += v; c31 += v;
            v = Vector512.Create(bias[4]); c40 += v; c41 += v;
            v = Vector512.Create(bias[5]); c50 += v; c51 += v;
            v = Vector512.Create(bias[6]); c60 += v; c61 += v;
            v = Vector512.Create(bias[7]); c70 += v; c71 += v;
        }

        if (finish)
        {
            c00 = epilogue.Apply(c00, c); c01 = epilogue.Apply(c01, c + 16);
            c10 = epilogue.Apply(c10, c + ldc); c11 = epilogue.Apply(c11, c + ldc + 16);
            c20 = epilogue.Apply(c20, c + (2 * ldc)); c21 = epilogue.Apply(c21, c + (2 * ldc) + 16);
            c30 = epilogue.Apply(c30, c + (3 * ldc)); c31 = epilogue.Apply(c31, c + (3 * ldc) + 16);
            c40 = epilogue.Apply(c40, c + (4 * ldc)); c41 = epilogue.Apply(c41, c + (4 * ldc) + 16);
            c50 = epilogue.Apply(c50, c + (5 * ldc)); c51 = epilogue.Apply(c51, c + (5 * ldc) + 16);
            c60 = epilogue.Apply(c60, c + (6 * ldc)); c61 = epilogue.Apply(c61, c + (6 * ldc) + 16);
            c70 = epilogue.Apply(c70, c + (7 * ldc)); c71 = epilogue.Apply(c71, c + (7 * ldc) + 16);
        }

        columns.Store0(c, c00); columns.Store1(c + 16, c01);
        columns.Store0(c + ldc, c10); columns.Store1(c + ldc + 16, c11);
        columns.Store0(c + (2 * ldc), c20); columns.Store1(c + (2 * ldc) + 16, c21);
        columns.Store0(c + (3 * ldc), c30); columns.Store1(c + (3 * ldc) + 16, c31);
        columns.Store0(c + (4 * ldc), c40); columns.Store1(c + (4 * ldc) + 16, c41);
        columns.Store0(c + (5 * ldc), c50); columns.Store1(c + (5 * ldc) + 16, c51);
        columns.Store0(c + (6 * ldc), c60); columns.Store1(c + (6 * ldc) + 16, c61);
        columns.Store0(c + (7 * ldc), c70); columns.Store1(c + (7 * ldc) + 16, c71);
    }

    /// <summary>
    /// 8 rows × the first 16 columns of a tile whose other columns do not exist (cols ≤ 16), C read and written through a
    /// lane mask: the 8×32 kernel's chain per output (C or +0, then fma over k in order, then + bias) on one vector per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512Half(float* a, float* b, long ldb, int kc, float* c, long ldc, bool accumulate, float* bias, int cols)
    {
        Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(cols)).AsSingle();
        Vector512<float> c0, c1, c2, c3, c4, c5, c6, c7;
        if (accumulate)
        {
            c0 = Avx512F.MaskLoad(c, mask, Vector512<float>.Zero);
            c1 = Avx512F.MaskLoad(c + ldc, mask, Vector512<float>.Zero);
            c2 = Avx512F.MaskLoad(c + (2 * ldc), mask, Vector512<float>.Zero);
            c3 = Avx512F.MaskLoad(c + (3 * ldc), mask, Vector512<float>.Zero);
            c4 = Avx512F.MaskLoad(c + (4 * ldc), mask, Vector512<float>.Zero);
            c5 = Avx512F.MaskLoad(c + (5 * ldc), mask, Vector512<float>.Zero);
            c6 = Avx512F.MaskLoad(c + (6 * ldc), mask, Vector512<float>.Zero);
            c7 = Avx512F.MaskLoad(c + (7 * ldc), mask, Vector512<float>.Zero);
        }
        else
        {
            c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = Vector512<float>.Zero;
        }

        for (int k = 0; k < kc; k++)
        {
            Step8x16(a, Vector512.Load(b), ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
            a += 8;
            b += ldb;
        }

        if (bias != null)
        {
            c0 += Vector512.Create(bias[0]);
            c1 += Vector512.Create(bias[1]);
            c2 += Vector512.Create(bias[2]);
            c3 += Vector512.Create(bias[3]);
            c4 += Vector512.Create(bias[4]);
            c5 += Vector512.Create(bias[5]);
            c6 += Vector512.Create(bias[6]);
            c7 += Vector512.Create(bias[7]);
        }

        Avx512F.MaskStore(c, mask, c0);
        Avx512F.MaskStore(c + ldc, mask, c1);
        Avx512F.MaskStore(c + (2 * ldc), mask, c2);
        Avx512F.MaskStore(c + (3 * ldc), mask, c3);
        Avx512F.MaskStore(c + (4 * ldc), mask, c4);
        Avx512F.MaskStore(c + (5 * ldc), mask, c5);
        Avx512F.MaskStore(c + (6 * ldc), mask, c6);
        Avx512F.MaskStore(c + (7 * ldc), mask, c7);
    }

    /// <summary>How the 8×32 kernel reads and writes the two 16-column halves of a C row.</summary>
    private interface ITileColumns
    {
        Vector512<float> Load0(float* p);

        Vector512<float> Load1(float* p);

        void Store0(float* p, Vector512<float> v);

        void Store1(float* p, Vector512<float> v);
    }

    /// <summary>All 32 columns exist.</summary>
    private readonly struct FullColumns : ITileColumns
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Load0(float* p) => Vector512.Load(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Load1(float* p) => Vector512.Load(p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store0(float* p, Vector512<float> v) => Vector512.Store(v, p);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store1(float* p, Vector512<float> v) => Vector512.Store(v, p);
    }

    /// <summary>Only the first <c>cols</c> columns exist: the others are never read or written.</summary>
    private readonly struct MaskedColumns : ITileColumns
    {
        private readonly Vector512<float> mask0;
        private readonly Vector512<float> mask1;

        public MaskedColumns(int cols)
        {
            mask0 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(cols)).AsSingle();
            mask1 = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(cols - 16)).AsSingle();
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Load0(float* p) => Avx512F.MaskLoad(p, mask0, Vector512<float>.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Load1(float* p) => Avx512F.MaskLoad(p, mask1, Vector512<float>.Zero);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store0(float* p, Vector512<float> v) => Avx512F.MaskStore(p, mask0, v);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Store1(float* p, Vector512<float> v) => Avx512F.MaskStore(p, mask1, v);
    }

    /// <summary>1×32 tile (M = 1 products such as a batch-1 fully connected layer): reads row 0 of the A panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x1(float* a, float* b, long ldb, int kc, float* c, bool accumulate, float* bias)
    {
        Vector512<float> c0 = accumulate ? Vector512.Load(c) : Vector512<float>.Zero;
        Vector512<float> c1 = accumulate ? Vector512.Load(c + 16) : Vector512<float>.Zero;
        for (int k = 0; k < kc; k++)
        {
            Vector512<float> av = Vector512.Create(a[0]);
            c0 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b), c0);
            c1 = Vector512.FusedMultiplyAdd(av, Vector512.Load(b + 16), c1);
            a += 8;
            b += ldb;
        }

        if (bias != null)
        {
            Vector512<float> v = Vector512.Create(bias[0]);
            c0 += v;
            c1 += v;
        }

        Vector512.Store(c0, c);
        Vector512.Store(c1, c + 16);
    }

    /// <summary>
    /// One k of the 8×32 tile: row r's two accumulators take fma(a[r], b0 / b1, acc). Shared by this GEMM's kernel and
    /// <see cref="DirectConvHost"/>'s (inlined; the accumulators stay in registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Step8x32(
        float* a, Vector512<float> b0, Vector512<float> b1,
        ref Vector512<float> c00, ref Vector512<float> c01, ref Vector512<float> c10, ref Vector512<float> c11,
        ref Vector512<float> c20, ref Vector512<float> c21, ref Vector512<float> c30, ref Vector512<float> c31,
        ref Vector512<float> c40, ref Vector512<float> c41, ref Vector512<float> c50, ref Vector512<float> c51,
        ref Vector512<float> c60, ref Vector512<float> c61, ref Vector512<float> c70, ref Vector512<float> c71)
    {
        Vector512<float> av = Vector512.Create(a[0]);
        c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
        av = Vector512.Create(a[1]);
        c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
        av = Vector512.Create(a[2]);
        c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
        av = Vector512.Create(a[3]);
        c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
        av = Vector512.Create(a[4]);
        c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
        av = Vector512.Create(a[5]);
        c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
        av = Vector512.Create(a[6]);
        c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
        av = Vector512.Create(a[7]);
        c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
    }

    /// <summary>One k of the 8×16 tile (a tile's first 16 columns): row r's accumulator takes fma(a[r], b0, acc).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Step8x16(
        float* a, Vector512<float> b0, ref Vector512<float> c0, ref Vector512<float> c1, ref Vector512<float> c2, ref Vector512<float> c3,
        ref Vector512<float> c4, ref Vector512<float> c5, ref Vector512<float> c6, ref Vector512<float> c7)
    {
        c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a[0]), b0, c0);
        c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a[1]), b0, c1);
        c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a[2]), b0, c2);
        c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a[3]), b0, c3);
        c4 = Vector512.FusedMultiplyAdd(Vector512.Create(a[4]), b0, c4);
        c5 = Vector512.FusedMultiplyAdd(Vector512.Create(a[5]), b0, c5);
        c6 = Vector512.FusedMultiplyAdd(Vector512.Create(a[6]), b0, c6);
        c7 = Vector512.FusedMultiplyAdd(Vector512.Create(a[7]), b0, c7);
    }

    /// <summary>6×16 tile for AVX2 machines: 12 ymm accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256(float* a, float* b, long ldb, int kc, float* c, long ldc, bool accumulate, float* bias)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (accumulate)
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8);
            c20 = Vector256.Load(c + (2 * ldc)); c21 = Vector256.Load(c + (2 * ldc) + 8);
            c30 = Vector256.Load(c + (3 * ldc)); c31 = Vector256.Load(c + (3 * ldc) + 8);
            c40 = Vector256.Load(c + (4 * ldc)); c41 = Vector256.Load(c + (4 * ldc) + 8);
            c50 = Vector256.Load(c + (5 * ldc)); c51 = Vector256.Load(c + (5 * ldc) + 8);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector256<float>.Zero;
        }

        for (int k = 0; k < kc; k++)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
            Vector256<float> av = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(av, b0, c00); c01 = Vector256.FusedMultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(av, b0, c10); c11 = Vector256.FusedMultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(av, b0, c20); c21 = Vector256.FusedMultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(av, b0, c30); c31 = Vector256.FusedMultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(av, b0, c40); c41 = Vector256.FusedMultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(av, b0, c50); c51 = Vector256.FusedMultiplyAdd(av, b1, c51);
            a += 6;
            b += ldb;
        }

        if (bias != null)
        {
            Vector256<float> v = Vector256.Create(bias[0]); c00 += v; c01 += v;
            v = Vector256.Create(bias[1]); c10 += v; c11 += v;
            v = Vector256.Create(bias[2]); c20 += v; c21 += v;
            v = Vector256.Create(bias[3]); c30 += v; c31 += v;
            v = Vector256.Create(bias[4]); c40 += v; c41 += v;
            v = Vector256.Create(bias[5]); c50 += v; c51 += v;
        }

        Vector256.Store(c00, c); Vector256.Store(c01, c + 8);
        Vector256.Store(c10, c + ldc); Vector256.Store(c11, c + ldc + 8);
        Vector256.Store(c20, c + (2 * ldc)); Vector256.Store(c21, c + (2 * ldc) + 8);
        Vector256.Store(c30, c + (3 * ldc)); Vector256.Store(c31, c + (3 * ldc) + 8);
        Vector256.Store(c40, c + (4 * ldc)); Vector256.Store(c41, c + (4 * ldc) + 8);
        Vector256.Store(c50, c + (5 * ldc)); Vector256.Store(c51, c + (5 * ldc) + 8);
    }
}
