using System.Buffers;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// Host batched matrix products on <see cref="GemmHost"/>: y[batch] = A[batch]·B[batch] with A packed per call and B
/// either strided (packed per tile) or pre-packed once (constant weights). Tasks split batches, column ranges and
/// row-panel ranges; every element's chain is acc = fma(a, b, acc) over k in order whatever the split.
/// </summary>
public static unsafe class MatMulHost
{
    /// <summary>
    /// y (batches × M × N, contiguous) = A·B. A(b, m, k) = a[aOffsets[b] + m·aRow + k·aCol];
    /// B(b, k, n) = b[bOffsets[b] + k·bRow + n·bCol], or the pre-packed <paramref name="packedB"/> (one B for all batches).
    /// </summary>
    public static void Run(
        float[] a, long[] aOffsets, long aRow, long aCol,
        float[]? b, long[]? bOffsets, long bRow, long bCol, float[]? packedB,
        float[] y, int batches, int m, int n, int k, int threads)
    {
        long outPerBatch = (long)m * n;
        if (outPerBatch == 0 || batches == 0)
        {
            return;
        }

        if (k == 0)
        {
            Array.Clear(y, 0, (int)(batches * outPerBatch));
            return;
        }

        int mPanels = GemmHost.Panels(m);
        long packedSize = GemmHost.PackedASize(m, k);
        float[] packedA = ArrayPool<float>.Shared.Rent((int)(packedSize * batches));
        long flops = (long)batches * m * n * k;
        // Few FLOPs can still be a long memory-bound job: a batch-1 classifier (M = 1) streams all of B once.
        bool small = flops < 2_000_000 && (long)k * n < 262_144;
        int t = small ? 1 : Math.Max(1, threads);
        int nr = GemmHost.NR;
        int colBlocks = (n + nr - 1) / nr;
        int want = t == 1 ? 1 : t * 6;
        int colsPerTask = Math.Max(1, Math.Min(GemmHost.NT / nr, colBlocks * batches / Math.Max(1, want))) * nr;
        int nTasks = (n + colsPerTask - 1) / colsPerTask;
        int mChunks = Math.Clamp(want / Math.Max(1, batches * nTasks), 1, mPanels);
        int panelsPerChunk = (mPanels + mChunks - 1) / mChunks;
        mChunks = (mPanels + panelsPerChunk - 1) / panelsPerChunk;
        int tasks = batches * nTasks * mChunks;
        try
        {
            fixed (float* ap = a)
            {
                fixed (float* pa = packedA)
                {
                    fixed (float* bp = b)
                    {
                        fixed (float* pb = packedB)
                        {
                            fixed (float* yp = y)
                            {
                                for (int bi = 0; bi < batches; bi++)
                                {
                                    GemmHost.PackA(ap + aOffsets[bi], aRow, aCol, m, k, pa + (bi * packedSize));
                                }

                                nint paa = (nint)pa, bpa = (nint)bp, pba = (nint)pb, ya = (nint)yp;
                                void Task(int task)
                                {
                                    int mc = task % mChunks;
                                    int rest = task / mChunks;
                                    int nt = rest % nTasks;
                                    int bi = rest / nTasks;
                                    int n0 = nt * colsPerTask, n1 = Math.Min(n, n0 + colsPerTask);
                                    int mp0 = mc * panelsPerChunk, mp1 = Math.Min(mPanels, mp0 + panelsPerChunk);
                                    float* pA = (float*)paa + (bi * packedSize);
                                    float* yo = (float*)ya + (bi * outPerBatch);
                                    float[] work = ArrayPool<float>.Shared.Rent(GemmHost.WorkSize);
                                    fixed (float* wk = work)
                                    {
                                        if (pba != 0)
                                        {
                                            GemmHost.Run(pA, m, k, new PrepackedPanels((float*)pba, k), n0, n1, mp0, mp1, yo, n, null, wk);
                                        }
                                        else
                                        {
                                            GemmHost.Run(pA, m, k, new StridedPanels((float*)bpa + bOffsets![bi], bRow, bCol), n0, n1, mp0, mp1, yo, n, null, wk);
                                        }
                                    }

                                    ArrayPool<float>.Shared.Return(work);
                                }

                                HostParallel.For(tasks, t, Task); // runs inline on one thread or for one task
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packedA);
        }
    }

    /// <summary>Packs a constant B(k, n) = b[k·rowStride + n·colStride] once (a pinned array) for <see cref="Run"/>.</summary>
    public static float[] PackB(float[] b, long rowStride, long colStride, int k, int n)
    {
        float[] packed = GC.AllocateUninitializedArray<float>((int)Math.Max(1, GemmHost.PackedBSize(k, n)), pinned: true);
        fixed (float* bp = b)
        {
            fixed (float* pp = packed)
            {
                GemmHost.PackB(bp, rowStride, colStride, k, n, pp);
            }
        }

        return packed;
    }
}
