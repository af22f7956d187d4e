using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using SysNoise.Kernels;
using SysNoise.Kernels.Model.Nn;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;

namespace SysNoise.Runtime.Model.Ops.Nn;

/// <summary>
/// <see cref="AccumulationOrder.OnnxRuntimeCpu"/> for Conv, Gemm, MatMul and GlobalAveragePool: each node's MLAS plan
/// (<see cref="MlasPlan"/>) is computed once per node and input shape and consumed by <see cref="MlasMath"/>, on the
/// host (<see cref="MlasHost"/>, vectorised over output columns) or in <see cref="MlasKernels"/> on an ILGPU device.
/// ConvTranspose reuses the SGEMM plan; Softmax, Erf, Sigmoid, ReduceMean/ReduceSum, AveragePool and BatchNormalization
/// follow <see cref="OrtCpuMath"/> (host loops here, the same helpers in <see cref="MlasKernels"/>).
/// </summary>
internal static unsafe class OrtOrder
{
    private static readonly ConditionalWeakTable<OnnxNode, CachedPlan> Plans = new();

    /// <summary>Below this many element operations a host loop runs on the calling thread.</summary>
    private const long ParallelWork = 1 << 16;

    /// <summary>
    /// Whether a node of <paramref name="opType"/> runs in ONNX Runtime's order: every node under
    /// <see cref="AccumulationOrder.OnnxRuntimeCpu"/>, else the op types of <see cref="ExecutionOptions.OrtOrderOps"/>.
    /// </summary>
    public static bool Applies(OpContext context, string opType)
        => context.Options.Accumulation == AccumulationOrder.OnnxRuntimeCpu || context.Options.OrtOrderOps?.Contains(opType) == true;

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
    public static float[] MatMul(OpContext context, OnnxNode node, float[] a, float[] b, float[]? c, long[] aOffsets, long[] bOffsets, MatMulGeometry g, bool transA, bool transB, bool foldRows, bool vectorRows = false, bool packedB = false)
    {
        int planM = vectorRows ? 1 : foldRows ? g.Batches * g.M : g.M;
        float betaForPlan = c is null ? 0f : g.Beta;
        int[] plan = packedB
            ? PlanFor(node, $"packed {g.N} {g.K}", () => MlasPlan.ForPackedGemm(g.N, g.K))
            : PlanFor(node, $"gemm {planM} {g.N} {g.K} {transA} {transB} {g.Alpha} {betaForPlan}", () => MlasPlan.ForGemm(planM, g.N, g.K, transA, transB, g.Alpha, betaForPlan));
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

    /// <summary>One input up, the kernel launched, the output (y's length) back into y.</summary>
    private static float[] OnDevice(Accelerator acc, float[] x, float[] y, Action<ArrayView<float>, ArrayView<float>> launch)
    {
        using var xb = NnDevice.Up(acc, x);
        using var yb = acc.Allocate1D<float>(y.Length);
        launch(xb.View, yb.View);
        acc.Synchronize();
        yb.CopyToCPU(y);
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
            return OnDevice(acc, x, y, (xv, yv) => kernel(planes, xv, length, yv));
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

    /// <summary>Softmax rows (length elements, stride apart) as MLAS computes them (<see cref="OrtCpuMath"/>).</summary>
    public static float[] Softmax(OpContext context, float[] x, int rows, int length, int stride)
    {
        var y = new float[x.Length];
        if (rows == 0 || length == 0)
        {
            return y;
        }

        if (context.Ilgpu is { } device)
        {
            Accelerator acc = device.Accelerator;
            var kernel = device.GetOrLoadKernel(typeof(SoftmaxKey), d => d.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int, ArrayView<float>>(MlasKernels.Softmax));
            return OnDevice(acc, x, y, (xv, yv) => kernel(rows, xv, length, stride, yv));
        }

        // Rows are independent, so splitting them over threads keeps every bit.
        fixed (float* px = x)
        {
            nint xa = (nint)px;
            HostParallel.ForRanges(rows, (long)rows * length, ParallelWork, context.Threads, 4, (first, end) =>
            {
                var source = new PointerSource((float*)xa);
                for (int r = first; r < end; r++)
                {
                    long start = ((long)(r / stride) * length * stride) + (r % stride);
                    float negativeMaximum = -OrtCpuMath.SoftmaxMaximum(source, start, stride, length);
                    float reciprocal = 1f / OrtCpuMath.SoftmaxSum(source, start, stride, length, negativeMaximum);
                    for (int k = 0; k < length; k++)
                    {
                        long i = start + ((long)k * stride);
                        y[i] = OrtCpuMath.SoftmaxValue(x[i], negativeMaximum, reciprocal);
                    }
                }
            });
        }

        return y;
    }

    /// <summary>ReduceSum (or ReduceMean: divided by (float)length) of contiguous rows as ORT's KR fast path and full reduction sum them (Eigen, <see cref="OrtCpuMath.EigenSum"/>).</summary>
    public static float[] EigenSum(OpContext context, float[] x, int rows, int length, bool mean)
    {
        var y = new float[rows];
        if (rows == 0)
        {
            return y;
        }

        if (context.Ilgpu is { } device)
        {
            Accelerator acc = device.Accelerator;
            var kernel = device.GetOrLoadKernel(typeof(EigenSumKey), d => d.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int, int, ArrayView<float>>(MlasKernels.EigenSum));
            return OnDevice(acc, x, y, (xv, yv) => kernel(rows, xv, length, mean ? 1 : 0, yv));
        }

        fixed (float* px = x)
        {
            nint xa = (nint)px;
            HostParallel.ForRanges(rows, (long)rows * length, ParallelWork, context.Threads, 4, (first, end) =>
            {
                var source = new PointerSource((float*)xa);
                for (int r = first; r < end; r++)
                {
                    y[r] = OrtCpuMath.EigenRow(source, (long)r * length, length, mean);
                }
            });
        }

        return y;
    }

    /// <summary>Sigmoid element by element as MLAS's FMA3 logistic kernel (<see cref="OrtCpuMath.Logistic"/>).</summary>
    public static float[] Logistic(OpContext context, float[] x) => Unary<LogisticOp>(context, x, MlasKernels.Logistic);

    /// <summary>Erf element by element as MLAS's FMA3 kernel (<see cref="OrtCpuMath.Erf"/>).</summary>
    public static float[] Erf(OpContext context, float[] x) => Unary<ErfOp>(context, x, MlasKernels.Erf);

    /// <summary>An elementwise MLAS kernel: its ILGPU kernel on a device, else <typeparamref name="TOp"/> on the host.</summary>
    private static float[] Unary<TOp>(OpContext context, float[] x, Action<Index1D, ArrayView<float>, ArrayView<float>> deviceKernel)
        where TOp : struct, IOrtUnary
    {
        var y = new float[x.Length];
        if (y.Length == 0)
        {
            return y;
        }

        if (context.Ilgpu is { } device)
        {
            Accelerator acc = device.Accelerator;
            var kernel = device.GetOrLoadKernel(typeof(TOp), d => d.LoadAutoGroupedStreamKernel(deviceKernel));
            return OnDevice(acc, x, y, (xv, yv) => kernel(y.Length, xv, yv));
        }

        HostParallel.ForRanges(x.Length, x.Length, ParallelWork, context.Threads, 4, (first, end) =>
        {
            for (int i = first; i < end; i++)
            {
                y[i] = default(TOp).Apply(x[i]);
            }
        });

        return y;
    }

    private interface IOrtUnary
    {
        float Apply(float x);
    }

    private readonly struct LogisticOp : IOrtUnary
    {
        public float Apply(float x) => OrtCpuMath.Logistic(x);
    }

    private readonly struct ErfOp : IOrtUnary
    {
        public float Apply(float x) => OrtCpuMath.Erf(x);
    }

    /// <summary>Inference BatchNormalization with ORT's factors: y = x·a + b, two roundings (<see cref="OrtCpuMath.BatchNormValue"/>).</summary>
    public static float[] BatchNorm(OpContext context, float[] x, float[] a, float[] b, int inner, int channels)
    {
        var y = new float[x.Length];
        if (y.Length == 0)
        {
            return y;
        }

        if (context.Ilgpu is { } device)
        {
            Accelerator acc = device.Accelerator;
            var kernel = device.GetOrLoadKernel(typeof(BatchNormKey), d => d.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, ArrayView<float>>(MlasKernels.BatchNorm));
            using var xb = NnDevice.Up(acc, x);
            using var ab = NnDevice.Up(acc, a);
            using var bb = NnDevice.Up(acc, b);
            using var yb = acc.Allocate1D<float>(y.Length);
            kernel(y.Length, xb.View, ab.View, bb.View, inner, channels, yb.View);
            acc.Synchronize();
            yb.CopyToCPU(y);
            return y;
        }

        HostParallel.ForRanges(x.Length, x.Length, ParallelWork, context.Threads, 4, (first, end) =>
        {
            for (int i = first; i < end; i++)
            {
                int c = i / inner % channels;
                y[i] = OrtCpuMath.BatchNormValue(x[i], a[c], b[c]);
            }
        });

        return y;
    }

    /// <summary>
    /// 2-D ConvTranspose as ORT's CPU kernel computes it (<see cref="OrtCpuMath.ConvTransposeElement"/>): MlasGemm sees
    /// A transposed when W is a graph value (as in a QDQ graph), and not when ORT prepacked a constant W
    /// (conv_transpose.cc PrePack stores it transposed).
    /// </summary>
    public static float[] ConvTranspose(OpContext context, OnnxNode node, float[] x, float[] w, float[]? bias, NnGeometry g)
    {
        int outPerGroup = g.OutChannels / g.Group;
        int kernelDim = outPerGroup * g.KH * g.KW, inSpatial = g.InH * g.InW, k = g.Channels / g.Group;
        bool transA = !context.IsConstant(node.Inputs[1]);
        int[] plan = PlanFor(node, $"convtranspose {kernelDim} {inSpatial} {k} {transA}", () => MlasPlan.ForGemm(kernelDim, inSpatial, k, transA, false, 1f, 0f));
        var y = new float[g.OutputElements];
        if (y.Length == 0)
        {
            return y;
        }

        if (context.Ilgpu is { } device)
        {
            Accelerator acc = device.Accelerator;
            var kernel = device.GetOrLoadKernel(typeof(ConvTransposeKey), d => d.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, NnGeometry, ArrayView<int>, ArrayView<float>>(MlasKernels.ConvTranspose));
            using var xb = NnDevice.Up(acc, x);
            using var wb = NnDevice.Up(acc, w);
            using var bb = NnDevice.Up(acc, bias);
            using var pb = NnDevice.Up(acc, plan);
            using var yb = acc.Allocate1D<float>(y.Length);
            kernel(y.Length, xb.View, wb.View, bb.View, bias is null ? 0 : 1, g, pb.View, yb.View);
            acc.Synchronize();
            yb.CopyToCPU(y);
            return y;
        }

        fixed (float* px = x, pw = w)
        fixed (int* pp = plan)
        {
            nint xa = (nint)px, wa = (nint)pw, pa = (nint)pp;
            int count = checked((int)y.Length);
            HostParallel.ForRanges(count, (long)count * g.KernelSpatial * k, ParallelWork, context.Threads, 4, (first, end) =>
            {
                var xs = new PointerSource((float*)xa);
                var ws = new PointerSource((float*)wa);
                var ps = new PointerIntSource((int*)pa);
                for (int i = first; i < end; i++)
                {
                    float v = OrtCpuMath.ConvTransposeElement(xs, ws, ps, g, i);
                    y[i] = bias is null ? v : SysNoise.Kernels.Numerics.StrictFloat.Add(v, bias[i / g.OutSpatial % g.OutChannels]);
                }
            });
        }

        return y;
    }

    /// <summary>
    /// Which MlasPool kernel ORT runs an AveragePool with (pooling.cpp MlasPool): null where this mode does not emulate
    /// it (3-D, dilations, or the global case, which GlobalAveragePool's rule covers only as its own op).
    /// </summary>
    public static int? PoolKernel(NnGeometry g, int spatialRank)
    {
        if (spatialRank is < 1 or > 2 || g.DH != 1 || g.DW != 1 || g.DD != 1)
        {
            return null;
        }

        bool global = g.KH == g.InH && g.KW == g.InW && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0 && g.PHEnd == 0 && g.PWEnd == 0;
        if (global)
        {
            return null;
        }

        bool vector = spatialRank == 2 && g.SW <= 2 && g.KH <= 32 && g.KW <= 32 && 2048 - 3 - g.PW - g.PWEnd >= g.InW;
        return vector ? OrtCpuMath.PoolVector2D : OrtCpuMath.PoolGeneric;
    }

    /// <summary>AveragePool of 1-D/2-D planes as MlasPool sums and divides them (<see cref="OrtCpuMath.AveragePool"/>).</summary>
    public static float[] AveragePool(OpContext context, float[] x, NnGeometry g, int kernel, bool includePad)
    {
        var y = new float[g.OutputElements];
        if (y.Length == 0)
        {
            return y;
        }

        if (context.Ilgpu is { } device)
        {
            Accelerator acc = device.Accelerator;
            var load = device.GetOrLoadKernel(typeof(AveragePoolKey), d => d.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, NnGeometry, int, int, ArrayView<float>>(MlasKernels.AveragePool));
            using var xb = NnDevice.Up(acc, x);
            using var yb = acc.Allocate1D<float>(y.Length);
            load(y.Length, xb.View, g, kernel, includePad ? 1 : 0, yb.View);
            acc.Synchronize();
            yb.CopyToCPU(y);
            return y;
        }

        fixed (float* px = x)
        {
            nint xa = (nint)px;
            int planes = g.Batch * g.Channels;
            HostParallel.ForRanges(planes, (long)planes * g.OutSpatial * g.KernelSpatial, ParallelWork, context.Threads, 4, (first, end) =>
            {
                var source = new PointerSource((float*)xa);
                for (int p = first; p < end; p++)
                {
                    long o = (long)p * g.OutSpatial;
                    for (int oh = 0; oh < g.OutH; oh++)
                    {
                        for (int ow = 0; ow < g.OutW; ow++, o++)
                        {
                            y[o] = OrtCpuMath.AveragePool(source, (long)p * g.InSpatial, g, kernel, includePad, oh, ow);
                        }
                    }
                }
            });
        }

        return y;
    }

    /// <summary>
    /// Rows × length when ORT's ReduceMean/ReduceSum sums contiguous rows with Eigen: its shape optimisation
    /// (OptimizeShapeForFastReduce, reduction_ops.cc) merges neighbouring axes that are both reduced or both kept
    /// (size-1 axes included) and takes the KR fast path for kept-then-reduced, and aggall over everything for a
    /// full reduction; null for the other layouts (RK, KRK, RKR, …), which sum otherwise.
    /// </summary>
    public static (int Rows, int Length)? EigenRows(int[] shape, bool[] reduce)
    {
        if (shape.Length == 0 || shape.Any(d => d == 0))
        {
            return null;
        }

        var groups = new List<(bool Reduced, long Size)>();
        for (int d = 0; d < shape.Length; d++)
        {
            if (groups.Count > 0 && groups[^1].Reduced == reduce[d])
            {
                groups[^1] = (reduce[d], groups[^1].Size * shape[d]);
            }
            else
            {
                groups.Add((reduce[d], shape[d]));
            }
        }

        return groups switch
        {
            [(true, long all)] => (1, checked((int)all)),
            [(false, long rows), (true, long length)] => (checked((int)rows), checked((int)length)),
            _ => null,
        };
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

    private static class SoftmaxKey;

    private static class EigenSumKey;

    private static class AveragePoolKey;

    private static class ConvTransposeKey;

    private static class BatchNormKey;
}
