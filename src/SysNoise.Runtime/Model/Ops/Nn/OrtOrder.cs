using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using SysNoise.Kernels.Model.Nn;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;

namespace SysNoise.Runtime.Model.Ops.Nn;

/// <summary>
/// <see cref="AccumulationOrder.OnnxRuntimeCpu"/> for Conv, Gemm, MatMul and GlobalAveragePool: each node's MLAS plan
/// (<see cref="MlasPlan"/>) is computed once per node and input shape and consumed by <see cref="MlasMath"/>, on the
/// host (<see cref="MlasHost"/>, vectorised over output columns) or in <see cref="MlasKernels"/> on an ILGPU device.
/// </summary>
internal static unsafe class OrtOrder
{
    private static readonly ConditionalWeakTable<OnnxNode, CachedPlan> Plans = new();

    public static bool Applies(OpContext context) => context.Options.Accumulation == AccumulationOrder.OnnxRuntimeCpu;

    /// <summary>The node's plan for this shape key, built by <paramref name="build"/> the first time.</summary>
    public static int[] PlanFor(OnnxNode node, string key, Func<int[]> build)
    {
        if (Plans.TryGetValue(node, out CachedPlan? cached) && cached.Key == key)
        {
            return cached.Plan;
        }

        var fresh = new CachedPlan(key, build());
        Plans.AddOrUpdate(node, fresh);
        return fresh.Plan;
    }

    public static float[] Conv(OpContext context, OnnxNode node, float[] x, float[] w, float[]? bias, NnGeometry g, int spatialRank)
    {
        int[] plan = PlanFor(node, $"conv {spatialRank} {g.Batch} {g.Channels} {g.InD} {g.InH} {g.InW} {g.OutChannels}", () => MlasPlan.ForConv(g, spatialRank));
        var y = new float[g.OutputElements];
        if (y.Length == 0)
        {
            return y;
        }

        if (context.Ilgpu is { } device)
        {
            return DeviceConv(device, x, w, bias, g, plan);
        }

        int m = g.GroupOutChannels, n = g.OutSpatial, k = g.GroupChannels * g.KernelSpatial;
        bool direct = g.KernelSpatial == 1 && g.SD == 1 && g.SH == 1 && g.SW == 1 && g.PD == 0 && g.PH == 0 && g.PW == 0;
        float[] columns = direct ? [] : new float[(long)k * n];
        fixed (float* px = x, pw = w, py = y, pc = columns)
        {
            for (int batch = 0; batch < g.Batch; batch++)
            {
                for (int group = 0; group < g.Group; group++)
                {
                    float* panel;
                    if (direct)
                    {
                        panel = px + ((((long)batch * g.Channels) + (group * g.GroupChannels)) * g.InSpatial);
                    }
                    else
                    {
                        MlasHost.Im2Col(px, g, batch, group, pc);
                        panel = pc;
                    }

                    float* output = py + ((((long)batch * g.OutChannels) + (group * m)) * n);
                    MlasHost.Gemm(pw + ((long)group * m * k), k, panel, n, null, output, n, m, n, k, plan, 0, 1f, context.Threads);
                    if (bias is not null)
                    {
                        // MlasActivation (identity with bias): one rounded add after the whole sum.
                        for (int oc = 0; oc < m; oc++)
                        {
                            float b = bias[(group * m) + oc];
                            float* row = output + ((long)oc * n);
                            for (int i = 0; i < n; i++)
                            {
                                row[i] = NnMath.AddBias(row[i], b);
                            }
                        }
                    }
                }
            }
        }

        return y;
    }

    /// <summary>
    /// MatMul (c null) or Gemm: y [batches·m, n] from A (element (row, k) at aOffsets[b] + row·aRow + k·aCol) and B
    /// (element (k, col) at bOffsets[b] + k·bRow + col·bCol). foldRows: ORT multiplies all batches as one GEMM;
    /// vectorRows: a 1-D operand, which ORT multiplies one row at a time (M = 1).
    /// </summary>
    public static float[] MatMul(OpContext context, OnnxNode node, float[] a, float[] b, float[]? c, long[] aOffsets, long[] bOffsets, MatMulGeometry g, bool transA, bool transB, bool foldRows, bool vectorRows = false)
    {
        int planM = vectorRows ? 1 : foldRows ? g.Batches * g.M : g.M;
        float betaForPlan = c is null ? 0f : g.Beta;
        int[] plan = PlanFor(node, $"gemm {planM} {g.N} {g.K} {transA} {transB} {g.Alpha} {betaForPlan}", () => MlasPlan.ForGemm(planM, g.N, g.K, transA, transB, g.Alpha, betaForPlan));
        int batches = Math.Max(1, g.Batches);
        var y = new float[(long)batches * g.M * g.N];
        if (y.Length == 0)
        {
            return y;
        }

        if (context.Ilgpu is { } device)
        {
            return DeviceMatMul(device, a, b, c, aOffsets, bOffsets, g, foldRows, plan);
        }

        // Row-major copies of A [m, k] and B [k, n] when the operands are strided otherwise (transposes).
        bool scaled = c is not null && g.Beta != 0f;
        float[] init = scaled ? new float[(long)g.M * g.N] : [];
        if (scaled)
        {
            for (int row = 0; row < g.M; row++)
            {
                for (int col = 0; col < g.N; col++)
                {
                    float cv = c![(g.CRowStride * row) + (g.CColStride * col)];
                    init[((long)row * g.N) + col] = g.Beta == 1f ? cv : SysNoise.Kernels.Numerics.StrictFloat.Mul(cv, g.Beta);
                }
            }
        }

        bool aPlain = g.AColStride == 1 && g.ARowStride == g.K;
        bool bPlain = g.BColStride == 1 && g.BRowStride == g.N;
        float[] aCopy = aPlain ? [] : new float[(long)g.M * g.K];
        float[] bCopy = bPlain ? [] : new float[(long)g.K * g.N];
        fixed (float* pa = a, pb = b, py = y, pi = init, pac = aCopy, pbc = bCopy)
        {
            for (int batch = 0; batch < batches; batch++)
            {
                float* aPanel = pa + aOffsets[batch];
                if (!aPlain)
                {
                    for (int row = 0; row < g.M; row++)
                    {
                        for (int k = 0; k < g.K; k++)
                        {
                            pac[((long)row * g.K) + k] = aPanel[(g.ARowStride * row) + (g.AColStride * k)];
                        }
                    }

                    aPanel = pac;
                }

                float* bPanel = pb + bOffsets[batch];
                if (!bPlain)
                {
                    for (int k = 0; k < g.K; k++)
                    {
                        for (int col = 0; col < g.N; col++)
                        {
                            pbc[((long)k * g.N) + col] = bPanel[(g.BRowStride * k) + (g.BColStride * col)];
                        }
                    }

                    bPanel = pbc;
                }

                MlasHost.Gemm(aPanel, g.K, bPanel, g.N, scaled ? pi : null, py + ((long)batch * g.M * g.N), g.N, g.M, g.N, g.K, plan, foldRows ? batch * g.M : 0, g.Alpha, context.Threads);
            }
        }

        return y;
    }

    /// <summary>GlobalAveragePool as MLAS sums it (<see cref="MlasMath.GlobalAverage"/>).</summary>
    public static float[] GlobalAverage(OpContext context, float[] x, int planes, int length)
    {
        var y = new float[planes];
        if (planes == 0)
        {
            return y;
        }

        if (context.Ilgpu is { } device)
        {
            Accelerator acc = device.Accelerator;
            var kernel = device.GetOrLoadKernel(typeof(GlobalAverageKey), d => d.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, ArrayView<float>>(MlasKernels.GlobalAverage));
            using var xb = NnDevice.Up(acc, x);
            using var yb = acc.Allocate1D<float>(planes);
            kernel(planes, xb.View, length, yb.View);
            acc.Synchronize();
            yb.CopyToCPU(y);
            return y;
        }

        fixed (float* px = x)
        {
            var source = new PointerSource(px);
            for (int p = 0; p < planes; p++)
            {
                y[p] = MlasMath.GlobalAverage(source, (long)p * length, length);
            }
        }

        return y;
    }

    private static float[] DeviceConv(IlgpuDevice device, float[] x, float[] w, float[]? bias, NnGeometry g, int[] plan)
    {
        var output = new float[g.OutputElements];
        Accelerator acc = device.Accelerator;
        var kernel = device.GetOrLoadKernel(typeof(ConvKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, NnGeometry, ArrayView<int>, ArrayView<float>>(MlasKernels.Conv));
        using var xb = NnDevice.Up(acc, x);
        using var wb = NnDevice.Up(acc, w);
        using var bb = NnDevice.Up(acc, bias);
        using var pb = NnDevice.Up(acc, plan);
        using var yb = acc.Allocate1D<float>(output.Length);
        kernel(output.Length, xb.View, wb.View, bb.View, bias is null ? 0 : 1, g, pb.View, yb.View);
        acc.Synchronize();
        yb.CopyToCPU(output);
        return output;
    }

    private static float[] DeviceMatMul(IlgpuDevice device, float[] a, float[] b, float[]? c, long[] aOffsets, long[] bOffsets, MatMulGeometry g, bool foldRows, int[] plan)
    {
        var output = new float[(long)Math.Max(1, g.Batches) * g.M * g.N];
        Accelerator acc = device.Accelerator;
        var kernel = device.GetOrLoadKernel(typeof(MatMulKey), x => x.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<long>, ArrayView<long>, MatMulGeometry, int, ArrayView<int>, ArrayView<float>>(MlasKernels.MatMul));
        using var ab = NnDevice.Up(acc, a);
        using var bb = NnDevice.Up(acc, b);
        using var cb = NnDevice.Up(acc, c);
        using var ao = NnDevice.Up(acc, aOffsets);
        using var bo = NnDevice.Up(acc, bOffsets);
        using var pb = NnDevice.Up(acc, plan);
        using var yb = acc.Allocate1D<float>(output.Length);
        kernel(output.Length, ab.View, bb.View, cb.View, ao.View, bo.View, g, foldRows ? 1 : 0, pb.View, yb.View);
        acc.Synchronize();
        yb.CopyToCPU(output);
        return output;
    }

    private sealed record CachedPlan(string Key, int[] Plan);

    private static class ConvKey;

    private static class MatMulKey;

    private static class GlobalAverageKey;
}
