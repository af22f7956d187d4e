using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>A row of A and a [K, ·] row-major panel of B from column n0 on: 16 outputs per step.</summary>
public readonly unsafe struct PanelTerms512(float* aRow, float* b, long ldb) : IProductTerms<Vector512<float>>
{
    private readonly float* aRow = aRow;
    private readonly float* b = b;
    private readonly long ldb = ldb;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float A(int k) => aRow[k];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> B(int k) => Vector512.Load(b + (k * ldb));
}

/// <summary>As <see cref="PanelTerms512"/>, 8 outputs per step.</summary>
public readonly unsafe struct PanelTerms256(float* aRow, float* b, long ldb) : IProductTerms<Vector256<float>>
{
    private readonly float* aRow = aRow;
    private readonly float* b = b;
    private readonly long ldb = ldb;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float A(int k) => aRow[k];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> B(int k) => Vector256.Load(b + (k * ldb));
}

/// <summary>As <see cref="PanelTerms512"/>, one output.</summary>
public readonly unsafe struct PanelTerms(float* aRow, float* b, long ldb) : IProductTerms<float>
{
    private readonly float* aRow = aRow;
    private readonly float* b = b;
    private readonly long ldb = ldb;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float A(int k) => aRow[k];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float B(int k) => b[k * ldb];
}

/// <summary>
/// Host path of ONNX Runtime's CPU accumulation order: y[m, n] = <see cref="MlasMath.Element"/> over a row-major A
/// [M, K] and a row-major B panel [K, N] (a MatMul operand, or a Conv's im2col matrix), vectorised over output columns
/// (each lane is one output's chain) where the plan runs the same steps for every column of a vector.
/// </summary>
public static unsafe class MlasHost
{
    private struct GemmArgs
    {
        public float* A;
        public long Lda;
        public float* B;
        public long Ldb;
        public float* Init;
        public float* Y;
        public long Ldy;
        public int M;
        public int N;
        public int K;
        public int* Plan;
        public int PlanRowBase;
        public float Alpha;
        public bool Vectors;
        public int TilesPerRow;
    }

    /// <summary>Columns per parallel tile (a multiple of every plan's chunk alignment, 16).</summary>
    private const int TileColumns = 256;

    /// <summary>
    /// One GEMM: rows [0, m) of y (row stride ldy). init: null (zero mode) or the starting Y, [m, n] with stride n.
    /// planRowBase numbers the rows for <see cref="MlasPlan.Dot8Rows"/> (rows of a folded batch).
    /// </summary>
    public static void Gemm(float* a, long lda, float* b, long ldb, float* init, float* y, long ldy, int m, int n, int k, int[] plan, int planRowBase, float alpha, int threads)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        var args = new GemmArgs
        {
            A = a, Lda = lda, B = b, Ldb = ldb, Init = init, Y = y, Ldy = ldy, M = m, N = n, K = k,
            PlanRowBase = planRowBase, Alpha = alpha, Vectors = MlasPlan.LanesUniform(plan),
            TilesPerRow = (n + TileColumns - 1) / TileColumns,
        };
        fixed (int* p = plan)
        {
            args.Plan = p;
            int tiles = m * args.TilesPerRow;
            if (threads <= 1 || tiles == 1)
            {
                for (int t = 0; t < tiles; t++)
                {
                    Tile(args, t);
                }
            }
            else
            {
                Parallel.For(0, tiles, new ParallelOptions { MaxDegreeOfParallelism = threads }, t => Tile(args, t));
            }
        }
    }

    private static void Tile(GemmArgs g, int t)
    {
        var source = new PointerIntSource(g.Plan);
        int row = t / g.TilesPerRow;
        int n0 = (t % g.TilesPerRow) * TileColumns;
        int n1 = Math.Min(g.N, n0 + TileColumns);
        float* aRow = g.A + (row * g.Lda);
        float* yRow = g.Y + (row * g.Ldy);
        float* initRow = g.Init == null ? null : g.Init + ((long)row * g.N);
        int planRow = g.PlanRowBase + row;
        int col = n0;
        if (g.Vectors && Vector512.IsHardwareAccelerated)
        {
            for (; n1 - col >= 16; col += 16)
            {
                Vector512<float> start = initRow == null ? Vector512<float>.Zero : Vector512.Load(initRow + col);
                var terms = new PanelTerms512(aRow, g.B + col, g.Ldb);
                MlasMath.Element<Vector512<float>, Vector512Lanes, PanelTerms512, PointerIntSource>(default, terms, source, planRow, col, start, initRow == null, g.Alpha).Store(yRow + col);
            }
        }
        else if (g.Vectors && Vector256.IsHardwareAccelerated)
        {
            for (; n1 - col >= 8; col += 8)
            {
                Vector256<float> start = initRow == null ? Vector256<float>.Zero : Vector256.Load(initRow + col);
                var terms = new PanelTerms256(aRow, g.B + col, g.Ldb);
                MlasMath.Element<Vector256<float>, Vector256Lanes, PanelTerms256, PointerIntSource>(default, terms, source, planRow, col, start, initRow == null, g.Alpha).Store(yRow + col);
            }
        }

        for (; col < n1; col++)
        {
            var terms = new PanelTerms(aRow, g.B + col, g.Ldb);
            yRow[col] = MlasMath.Element<float, ScalarLanes, PanelTerms, PointerIntSource>(default, terms, source, planRow, col, initRow == null ? 0f : initRow[col], initRow == null, g.Alpha);
        }
    }

    /// <summary>
    /// The im2col matrix of one (batch, group) of a convolution: row k = (ic, kd, kh, kw), column = output position,
    /// 0 where the tap is in the padding (what MlasConvIm2Col/Vol2Col write).
    /// </summary>
    public static void Im2Col(float* x, NnGeometry g, int batch, int group, float* columns)
    {
        int outSpatial = g.OutSpatial;
        int k = 0;
        for (int ic = 0; ic < g.GroupChannels; ic++)
        {
            float* plane = x + ((((long)batch * g.Channels) + (group * g.GroupChannels) + ic) * g.InSpatial);
            for (int kd = 0; kd < g.KD; kd++)
            {
                for (int kh = 0; kh < g.KH; kh++)
                {
                    for (int kw = 0; kw < g.KW; kw++, k++)
                    {
                        float* row = columns + ((long)k * outSpatial);
                        int o = 0;
                        for (int od = 0; od < g.OutD; od++)
                        {
                            int id = (od * g.SD) - g.PD + (kd * g.DD);
                            bool dIn = id >= 0 && id < g.InD;
                            for (int oh = 0; oh < g.OutH; oh++)
                            {
                                int ih = (oh * g.SH) - g.PH + (kh * g.DH);
                                bool hIn = dIn && ih >= 0 && ih < g.InH;
                                float* src = plane + ((((long)id * g.InH) + ih) * g.InW);
                                for (int ow = 0; ow < g.OutW; ow++, o++)
                                {
                                    int iw = (ow * g.SW) - g.PW + (kw * g.DW);
                                    row[o] = hIn && iw >= 0 && iw < g.InW ? src[iw] : 0f;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
