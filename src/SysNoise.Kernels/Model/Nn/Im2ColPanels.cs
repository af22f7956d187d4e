using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// B of a convolution's GEMM for one image and group: the im2col matrix, one NR-column panel at a time. Row k =
/// (ic, kd, kh, kw), column = output pixel; taps in the padding read 0 (as in <see cref="NnMath.ConvElement"/>).
/// A panel's columns fall into runs, one per output row it crosses (found once per panel); each run of each row k is
/// a run of input columns: copied at stride 1 and permuted from two loads at stride 2, both with masked 16-lane loads
/// that zero the taps in the padding and never touch memory outside the input row. (A 1×1 convolution with unit
/// strides and no pads reads the input itself through <see cref="StridedPanels"/>.)
/// </summary>
public readonly unsafe struct Im2ColPanels(float* input, NnGeometry g) : IPanelSource
{
    private const int MaxRuns = 32;

    public float* Panel(int k0, int kc, int col0, int cols, float* work, out long ldb)
    {
        int nr = GemmHost.NR;
        ldb = nr;

        // Runs: output (od, oh) row, first ow, length, first panel column.
        int* runOd = stackalloc int[MaxRuns], runOh = stackalloc int[MaxRuns], runOw = stackalloc int[MaxRuns];
        int* runLength = stackalloc int[MaxRuns], runColumn = stackalloc int[MaxRuns];
        int runs = 0, outHW = g.OutH * g.OutW;
        for (int q = col0; q < col0 + cols; runs++)
        {
            int od = q / outHW, rem = q - (od * outHW);
            int oh = rem / g.OutW, ow = rem - (oh * g.OutW);
            int length = Math.Min(g.OutW - ow, col0 + cols - q);
            (runOd[runs], runOh[runs], runOw[runs], runLength[runs], runColumn[runs]) = (od, oh, ow, length, q - col0);
            q += length;
        }

        bool vector = Avx512F.IsSupported;
        int ks = g.KernelSpatial, khw = g.KH * g.KW;
        int ic = k0 / ks, r = k0 - (ic * ks);
        int kd = r / khw;
        r -= kd * khw;
        int kh = r / g.KW, kw = r - (kh * g.KW);
        for (int kk = 0; kk < kc; kk++)
        {
            float* plane = input + ((long)ic * g.InSpatial);
            float* dst = work + ((long)kk * nr);
            int off = (kw * g.DW) - g.PW;
            for (int u = 0; u < runs; u++)
            {
                float* to = dst + runColumn[u];
                int length = runLength[u];
                int id = (runOd[u] * g.SD) - g.PD + (kd * g.DD);
                int ih = (runOh[u] * g.SH) - g.PH + (kh * g.DH);
                if (id < 0 || id >= g.InD || ih < 0 || ih >= g.InH)
                {
                    new Span<float>(to, length).Clear();
                    continue;
                }

                float* src = plane + ((((long)id * g.InH) + ih) * g.InW);
                int iw0 = (runOw[u] * g.SW) + off;
                if (vector && g.SW <= 2)
                {
                    CopyRun(src, iw0, length, to, g.SW == 2);
                }
                else
                {
                    for (int j = 0; j < length; j++)
                    {
                        int iw = iw0 + (j * g.SW);
                        to[j] = iw >= 0 && iw < g.InW ? src[iw] : 0f;
                    }
                }
            }

            // Next k: kw fastest, then kh, kd, ic.
            if (++kw == g.KW)
            {
                kw = 0;
                if (++kh == g.KH)
                {
                    kh = 0;
                    if (++kd == g.KD)
                    {
                        kd = 0;
                        ic++;
                    }
                }
            }
        }

        return work;
    }

    /// <summary>
    /// to[j] = src[iw0 + s·j] for j in [0, length) (s = 1 or 2), 0 where the column is outside [0, InW): masked loads
    /// (nothing outside the row's valid columns is read) and, at stride 2, a two-source permute of the even lanes.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CopyRun(float* src, int iw0, int length, float* to, bool stride2)
    {
        var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        Vector512<uint> inW = Vector512.Create((uint)g.InW);
        for (int j = 0; j < length; j += 16)
        {
            Vector512<float> v;
            if (stride2)
            {
                int c0 = iw0 + (2 * j);
                Vector512<float> m0 = Vector512.LessThan((lane + Vector512.Create(c0)).AsUInt32(), inW).AsSingle();
                Vector512<float> m1 = Vector512.LessThan((lane + Vector512.Create(c0 + 16)).AsUInt32(), inW).AsSingle();
                Vector512<float> lo = Avx512F.MaskLoad(src + c0, m0, Vector512<float>.Zero);
                Vector512<float> hi = Avx512F.MaskLoad(src + c0 + 16, m1, Vector512<float>.Zero);
                v = Avx512F.PermuteVar16x32x2(lo, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), hi);
            }
            else
            {
                int c0 = iw0 + j;
                Vector512<float> m = Vector512.LessThan((lane + Vector512.Create(c0)).AsUInt32(), inW).AsSingle();
                v = Avx512F.MaskLoad(src + c0, m, Vector512<float>.Zero);
            }

            int n = length - j;
            if (n >= 16)
            {
                Vector512.Store(v, to + j);
            }
            else
            {
                Avx512F.MaskStore(to + j, Vector512.LessThan(lane, Vector512.Create(n)).AsSingle(), v);
            }
        }
    }
}
