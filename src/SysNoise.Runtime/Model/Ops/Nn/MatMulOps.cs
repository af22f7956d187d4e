using System.Runtime.CompilerServices;
using SysNoise.Kernels.Model.Nn;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Nn;

/// <summary>Constant right-hand operands packed once per (tensor, transposition).</summary>
internal static class PackedRightOperands
{
    private static readonly ConditionalWeakTable<Tensor, Packed> Cache = new();

    public static float[] Get(Tensor<float> b, bool transposed, int k, int n)
    {
        if (Cache.TryGetValue(b, out Packed? p) && p.Transposed == transposed && p.K == k && p.N == n)
        {
            return p.Data;
        }

        // B(k, n) = b[k·n_stride...]: plain [K, N] (row stride N) or transposed [N, K] (column stride K).
        float[] data = transposed ? MatMulHost.PackB(b.Data, 1, k, k, n) : MatMulHost.PackB(b.Data, n, 1, k, n);
        Cache.AddOrUpdate(b, new Packed(transposed, k, n, data));
        return data;
    }

    private sealed record Packed(bool Transposed, int K, int N, float[] Data);
}

/// <summary>
/// MatMul (NumPy semantics: N-D with batch broadcasting, 1-D operands promoted and their axis removed), float32.
/// Host: <see cref="MatMulHost"/>; ILGPU: <see cref="NnKernels.MatMul"/>. A rank-1/2 right operand is packed once.
/// </summary>
public sealed class MatMulOp : IOnnxOperator
{
    public string OpType => "MatMul";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor<float> a = NnAttributes.Float(inputs[0], node, "A");
        Tensor<float> b = NnAttributes.Float(inputs[1], node, "B");
        if (a.Rank == 0 || b.Rank == 0)
        {
            throw new ArgumentException("MatMul operands must have rank ≥ 1");
        }

        int[] sa = a.Rank == 1 ? [1, a.Shape[0]] : a.Shape;
        int[] sb = b.Rank == 1 ? [b.Shape[0], 1] : b.Shape;
        int m = sa[^2], k = sa[^1], n = sb[^1];
        if (sb[^2] != k)
        {
            throw new ArgumentException($"MatMul of {a.ShapeText} and {b.ShapeText}: inner dimensions differ");
        }

        int[] ba = sa[..^2], bb = sb[..^2];
        int rank = Math.Max(ba.Length, bb.Length);
        int[] batchShape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - ba.Length) >= 0 ? ba[i - (rank - ba.Length)] : 1;
            int db = i - (rank - bb.Length) >= 0 ? bb[i - (rank - bb.Length)] : 1;
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException($"MatMul of {a.ShapeText} and {b.ShapeText}: batch dimensions do not broadcast");
            }

            batchShape[i] = Math.Max(da, db);
        }

        int batches = checked((int)Tensor.ElementCount(batchShape));
        long[] aOff = BatchOffsets(batchShape, ba, (long)m * k, batches);
        long[] bOff = BatchOffsets(batchShape, bb, (long)k * n, batches);

        var outShape = new List<int>(batchShape);
        if (a.Rank > 1)
        {
            outShape.Add(m);
        }

        if (b.Rank > 1)
        {
            outShape.Add(n);
        }

        if (Acc16Host.Applies(context))
        {
            var g16 = new MatMulGeometry { Batches = batches, M = m, N = n, K = k, ARowStride = k, AColStride = 1, BRowStride = n, BColStride = 1, Alpha = 1f, Beta = 1f };
            return [new Tensor<float>(Acc16Host.MatMul(a.Data, b.Data, null, aOff, bOff, g16, context.Threads), [.. outShape])];
        }

        if (OrtOrder.Applies(context, node.OpType))
        {
            // MatMulComputeHelper (core/providers/cpu/math/matmul_helper.h) runs one GEMM over all of A's rows when B has
            // no batch (rank ≥ 2 both sides, A's rank ≥ B's); with a 1-D operand every row is a GEMM of M = 1.
            bool fold = a.Rank >= 2 && b.Rank >= 2 && a.Rank >= b.Rank && Tensor.ElementCount(bb) == 1;
            bool vectorRows = a.Rank == 1 || b.Rank == 1;
            var go = new MatMulGeometry { Batches = batches, M = m, N = n, K = k, ARowStride = k, AColStride = 1, BRowStride = n, BColStride = 1, Alpha = 1f, Beta = 1f };
            // A constant 2-D B is packed by ORT at load (MatMul<float>::PrePack → GemmPackBFp32).
            bool packedB = b.Rank == 2 && context.IsConstant(node.Inputs[1]);
            return [new Tensor<float>(OrtOrder.MatMul(context, node, a.Data, b.Data, null, aOff, bOff, go, false, false, fold, vectorRows, packedB), [.. outShape])];
        }

        if (context.Ilgpu is { } device)
        {
            var g = new MatMulGeometry { Batches = batches, M = m, N = n, K = k, ARowStride = k, AColStride = 1, BRowStride = n, BColStride = 1, Alpha = 1f, Beta = 1f };
            return [new Tensor<float>(NnDevice.MatMul(device, a.Data, b.Data, null, aOff, bOff, g), [.. outShape])];
        }

        var y = new Tensor<float>([.. outShape]);
        bool constantB = bb.Length == 0 && b.Rank == 2;
        float[]? packed = constantB && (long)m * batches > 1 ? PackedRightOperands.Get(b, false, k, n) : null;
        MatMulHost.Run(a.Data, aOff, k, 1, b.Data, bOff, n, 1, packed, y.Data, batches, m, n, k, context.Threads);
        return [y];
    }

    /// <summary>Element offset of each output batch's matrix in an operand with batch shape <paramref name="own"/> (right-aligned, broadcast).</summary>
    internal static long[] BatchOffsets(int[] batchShape, int[] own, long matrix, int batches)
    {
        var offsets = new long[Math.Max(1, batches)];
        int rank = batchShape.Length;
        var strides = new long[rank];
        long s = matrix;
        for (int i = rank - 1; i >= 0; i--)
        {
            int j = i - (rank - own.Length);
            int d = j >= 0 ? own[j] : 1;
            strides[i] = d == 1 ? 0 : s;
            s *= d;
        }

        for (int bi = 0; bi < batches; bi++)
        {
            long rem = bi, off = 0;
            for (int i = rank - 1; i >= 0; i--)
            {
                off += rem % batchShape[i] * strides[i];
                rem /= batchShape[i];
            }

            offsets[bi] = off;
        }

        return offsets;
    }
}

/// <summary>
/// Gemm (opsets 7–13): Y = alpha·A'·B' + beta·C with A' = transA ? Aᵀ : A, B' likewise, C optional (from opset 11) and
/// unidirectionally broadcast to [M, N]. The product's chain is MatMul's; then <see cref="NnMath.GemmEpilogue"/>.
/// </summary>
public sealed class GemmOp : IOnnxOperator
{
    public string OpType => "Gemm";

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor<float> a = NnAttributes.Float(inputs[0], node, "A");
        Tensor<float> b = NnAttributes.Float(inputs[1], node, "B");
        Tensor<float>? c = inputs.Count > 2 && inputs[2] is not null ? NnAttributes.Float(inputs[2], node, "C") : null;
        if (a.Rank != 2 || b.Rank != 2)
        {
            throw new ArgumentException($"Gemm needs 2-D A and B, got {a.ShapeText} and {b.ShapeText}");
        }

        bool ta = node.Int("transA", 0) != 0, tb = node.Int("transB", 0) != 0;
        float alpha = node.Float("alpha", 1f), beta = node.Float("beta", 1f);
        int m = ta ? a.Shape[1] : a.Shape[0], k = ta ? a.Shape[0] : a.Shape[1];
        int kb = tb ? b.Shape[1] : b.Shape[0], n = tb ? b.Shape[0] : b.Shape[1];
        if (k != kb)
        {
            throw new ArgumentException($"Gemm of {a.ShapeText} (transA={ta}) and {b.ShapeText} (transB={tb}): inner dimensions differ");
        }

        long cRow = 0, cCol = 0;
        if (c is not null)
        {
            int[] cs = c.Rank switch
            {
                0 => [1, 1],
                1 => [1, c.Shape[0]],
                2 => c.Shape,
                _ => throw new ArgumentException($"Gemm C must have rank ≤ 2, got {c.ShapeText}"),
            };
            if ((cs[0] != 1 && cs[0] != m) || (cs[1] != 1 && cs[1] != n))
            {
                throw new ArgumentException($"Gemm C {c.ShapeText} does not broadcast to ({m}, {n})");
            }

            cRow = cs[0] == 1 ? 0 : cs[1];
            cCol = cs[1] == 1 ? 0 : 1;
        }

        long aRow = ta ? 1 : k, aCol = ta ? m : 1;
        long bRow = tb ? 1 : n, bCol = tb ? k : 1;
        if (Acc16Host.Applies(context))
        {
            var g16 = new MatMulGeometry
            {
                Batches = 1, M = m, N = n, K = k, ARowStride = aRow, AColStride = aCol, BRowStride = bRow, BColStride = bCol,
                HasC = c is null ? 0 : 1, CRowStride = cRow, CColStride = cCol, Alpha = alpha, Beta = beta,
            };
            return [new Tensor<float>(Acc16Host.MatMul(a.Data, b.Data, c?.Data, [0], [0], g16, context.Threads), m, n)];
        }

        if (OrtOrder.Applies(context, node.OpType))
        {
            var go = new MatMulGeometry
            {
                Batches = 1, M = m, N = n, K = k, ARowStride = aRow, AColStride = aCol, BRowStride = bRow, BColStride = bCol,
                HasC = c is null ? 0 : 1, CRowStride = cRow, CColStride = cCol, Alpha = alpha, Beta = beta,
            };
            // A constant B is packed by ORT at load (Gemm<float>::PrePack → GemmPackBFp32).
            bool packedB = context.IsConstant(node.Inputs[1]);
            return [new Tensor<float>(OrtOrder.MatMul(context, node, a.Data, b.Data, c?.Data, [0], [0], go, ta, tb, false, packedB: packedB), m, n)];
        }

        if (context.Ilgpu is { } device)
        {
            var g = new MatMulGeometry
            {
                Batches = 1, M = m, N = n, K = k, ARowStride = aRow, AColStride = aCol, BRowStride = bRow, BColStride = bCol,
                HasC = c is null ? 0 : 1, CRowStride = cRow, CColStride = cCol, Alpha = alpha, Beta = beta,
            };
            return [new Tensor<float>(NnDevice.MatMul(device, a.Data, b.Data, c?.Data, [0], [0], g), m, n)];
        }

        var y = new Tensor<float>(m, n);
        float[] packed = PackedRightOperands.Get(b, tb, k, n);
        MatMulHost.Run(a.Data, [0], aRow, aCol, null, null, 0, 0, packed, y.Data, 1, m, n, k, context.Threads);
        if (alpha != 1f || c is not null)
        {
            float[] yd = y.Data;
            float[]? cd = c?.Data;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    long o = ((long)i * n) + j;
                    yd[o] = NnMath.GemmEpilogue(yd[o], alpha, cd is not null, beta, cd is null ? 0f : cd[(i * cRow) + (j * cCol)]);
                }
            }
        }

        return [y];
    }
}
