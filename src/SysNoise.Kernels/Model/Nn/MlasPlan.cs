namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// Plan time: the K ranges, and the kernel for each, that ONNX Runtime 1.31's CPU provider (MLAS, x86-64, one intra-op
/// thread) uses for each output of a Conv, Gemm or MatMul, computed from the node's shapes alone with MLAS's rules
/// (onnxruntime/core/mlas/lib/sgemm.cpp MlasSgemmOperation, convolve.cpp MlasConvPrepare/MlasConv/MlasConvOperation).
/// <para>Layout (ints): [0] chunk width W, [1] chunk count C, [2 .. 2+C] first segment of each chunk and the end, then
/// the segments, <see cref="SegmentInts"/> each: k start, k count, kernel, count of outputs of that kernel call
/// (<see cref="Dot8Columns"/>/<see cref="Dot8Rows"/> only). Output column n uses chunk min(n / W, C − 1).</para>
/// </summary>
public static class MlasPlan
{
    public const int SegmentInts = 4;

    /// <summary>The SGEMM kernel: fma chain from +0, then C = fma(partial, alpha, C).</summary>
    public const int Fma = 0;

    /// <summary>MlasSgemmKernelM1Avx: groups of 4/2/1 rounded products, each group sum added to C.</summary>
    public const int MulAddGroups = 1;

    /// <summary>MlasSgemmKernelM1TransposeBAvx over the output columns of the call (M = 1, B transposed).</summary>
    public const int Dot8Columns = 2;

    /// <summary>MlasSgemmKernelM1TransposeBAvx over the output rows (N = 1: MLAS swaps the operands).</summary>
    public const int Dot8Rows = 3;

    // mlas/lib/mlasi.h: MLAS_SGEMM_STRIDEN, MLAS_SGEMM_STRIDEK.
    private const int StrideN = 128;
    private const int StrideK = 128;

    // mlas/lib/mlasi.h: MLAS_SGEMM_PACKED_STRIDEK.
    private const int PackedStrideK = 256;

    /// <summary>
    /// Gemm (core/providers/cpu/math/gemm.cc: Y = broadcast C, then MlasGemm with beta, or beta 0 without C) and
    /// MatMul (matmul.cc: MlasGemmBatch, beta 0, one GEMM of <paramref name="m"/> rows per batch, or of all rows when
    /// MatMulComputeHelper folds A's batch into M). ldb is K (B transposed) or N; ldc is N.
    /// </summary>
    public static int[] ForGemm(int m, int n, int k, bool transA, bool transB, float alpha, float beta)
    {
        var segments = new List<int>();
        AppendSgemm(segments, m, n, k, transA, transB, transB ? k : n, n, alpha, beta, 0);
        return Build(Math.Max(n, 1), [segments]);
    }

    /// <summary>
    /// Gemm/MatMul whose B ORT packed at session load (a constant 2-D B: matmul.cc / gemm.cc PrePack →
    /// GemmPackBFp32 → MlasGemmPackB): MlasSgemmPackedOperation (mlas/lib/sgemm.cpp) cuts K into fixed blocks of
    /// MLAS_SGEMM_PACKED_STRIDEK = 256 and runs the general fma kernel on each (no M = 1 or N = 1 kernels).
    /// </summary>
    public static int[] ForPackedGemm(int n, int k)
    {
        var segments = new List<int>();
        for (int k0 = 0; k0 < k; k0 += PackedStrideK)
        {
            segments.AddRange([k0, Math.Min(PackedStrideK, k - k0), Fma, 0]);
        }

        return Build(Math.Max(n, 1), [segments]);
    }

    /// <summary>
    /// Conv (core/providers/cpu/nn/conv.cc → MlasConvPrepare/MlasConv, Beta 0), per group of
    /// <paramref name="g"/>; <paramref name="spatialRank"/> is the number of spatial axes (1–3).
    /// </summary>
    public static int[] ForConv(NnGeometry g, int spatialRank)
    {
        int filterCount = g.GroupOutChannels;
        int inputChannels = g.GroupChannels;
        int outputSize = g.OutSpatial;
        int k = inputChannels * g.KernelSpatial;
        bool stridesOne = g.SD == 1 && g.SH == 1 && g.SW == 1;
        bool padsZero = g.PD == 0 && g.PH == 0 && g.PW == 0 && g.PDEnd == 0 && g.PHEnd == 0 && g.PWEnd == 0;
        bool dilationsOne = g.DD == 1 && g.DH == 1 && g.DW == 1;
        var segments = new List<int>();
        if (stridesOne && padsZero)
        {
            // MlasConvAlgorithmGemmDirect: pointwise, GEMM straight on the input (ldb = OutputSize).
            if (k == inputChannels)
            {
                AppendSgemm(segments, filterCount, outputSize, k, false, false, outputSize, outputSize, 1f, 0f, 0);
                return Build(Math.Max(outputSize, 1), [segments]);
            }

            // A one-channel 2-D input whose kernel spans the whole width (or height, one column wide); a 1-D conv is
            // promoted to 2-D with a height of 1.
            if (spatialRank <= 2 && dilationsOne && inputChannels == 1)
            {
                if (g.KW == g.InW)
                {
                    AppendSgemm(segments, filterCount, outputSize, k, false, true, g.InW, outputSize, 1f, 0f, 0);
                    return Build(Math.Max(outputSize, 1), [segments]);
                }

                if (g.KH == g.InH && g.KW == 1)
                {
                    AppendSgemm(segments, filterCount, outputSize, k, false, false, g.InW, outputSize, 1f, 0f, 0);
                    return Build(Math.Max(outputSize, 1), [segments]);
                }
            }
        }

        if (filterCount > outputSize)
        {
            // MlasConvAlgorithmExpandThenGemm: the whole im2col matrix, one GEMM.
            AppendSgemm(segments, filterCount, outputSize, k, false, false, outputSize, outputSize, 1f, 0f, 0);
            return Build(Math.Max(outputSize, 1), [segments]);
        }

        // MlasConvAlgorithmExpandThenGemmSegmented on one thread: MlasConvOperation over all of N. Its own N/K strides
        // (the rule of MlasSgemmOperation without the transposed-A exception) cut the output into column chunks and K
        // into blocks; each (chunk, block) is one MlasSgemmOperation(FilterCount, CountN, CountK), beta 0 then 1.
        (int strideN, int strideK) = Strides(outputSize, k, transA: false);
        var chunks = new List<List<int>>();
        for (int n0 = 0; n0 < outputSize; n0 += strideN)
        {
            int countN = Math.Min(strideN, outputSize - n0);
            var chunk = new List<int>();
            for (int k0 = 0; k0 < k; k0 += strideK)
            {
                int countK = Math.Min(strideK, k - k0);
                AppendSgemm(chunk, filterCount, countN, countK, false, false, countN, outputSize, 1f, k0 == 0 ? 0f : 1f, k0);
            }

            chunks.Add(chunk);
        }

        return chunks.Count == 0 ? Build(1, [[]]) : Build(strideN, chunks);
    }

    /// <summary>True when every output of a column-aligned vector of outputs (within one chunk) runs the same steps.</summary>
    public static bool LanesUniform(int[] plan)
    {
        int chunks = plan[1];
        int table = 3 + chunks;
        for (int s = 0; s < plan[2 + chunks]; s++)
        {
            if (plan[table + (s * SegmentInts) + 2] == Dot8Columns)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Chunk width: vectors of outputs must not straddle a chunk boundary (multiples of 16, or the whole N).</summary>
    public static int ChunkWidth(int[] plan) => plan[0];

    /// <summary>MlasSgemmOperation's dispatch for one call; k offsets shifted by <paramref name="kBase"/>.</summary>
    private static void AppendSgemm(List<int> segments, int m, int n, int k, bool transA, bool transB, long ldb, long ldc, float alpha, float beta, int kBase)
    {
        if (k == 0 || m == 0 || n == 0)
        {
            return;
        }

        bool plainScale = alpha == 1f && (beta == 0f || beta == 1f);
        if (m == 1 && !transA && plainScale)
        {
            // KernelM1Routine / KernelM1TransposeBRoutine (the AVX kernels stay selected on FMA3/AVX-512 machines:
            // mlas/lib/platform.cpp sets them in the AVX branch only).
            segments.AddRange([kBase, k, transB ? Dot8Columns : MulAddGroups, n]);
            return;
        }

        if (n == 1 && ldb == 1 && ldc == 1 && plainScale)
        {
            // B and C are contiguous column vectors: Cᵀ = Bᵀ·Aᵀ through the same M = 1 kernels, operands swapped.
            segments.AddRange([kBase, k, transA ? MulAddGroups : Dot8Rows, m]);
            return;
        }

        (_, int strideK) = Strides(n, k, transA);
        for (int k0 = 0; k0 < k; k0 += strideK)
        {
            segments.AddRange([kBase + k0, Math.Min(strideK, k - k0), Fma, 0]);
        }
    }

    /// <summary>MlasSgemmOperation: widen N's stride when K is small, else K's stride when N is small (not with Aᵀ).</summary>
    private static (int StrideN, int StrideK) Strides(int n, int k, bool transA)
    {
        int strideN = StrideN, strideK = StrideK;
        if (n >= k)
        {
            while (strideK / 2 >= k)
            {
                strideN *= 2;
                strideK /= 2;
            }
        }
        else if (!transA)
        {
            while (strideN > 16 && strideN / 2 >= n)
            {
                strideK *= 2;
                strideN /= 2;
            }
        }

        return (strideN, strideK);
    }

    private static int[] Build(int chunkWidth, List<List<int>> chunks)
    {
        var plan = new List<int> { chunkWidth, chunks.Count };
        int segment = 0;
        foreach (List<int> c in chunks)
        {
            plan.Add(segment);
            segment += c.Count / SegmentInts;
        }

        plan.Add(segment);
        foreach (List<int> c in chunks)
        {
            plan.AddRange(c);
        }

        return [.. plan];
    }
}
