using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using SysNoise.Kernels.Model.Nn;
using SysNoise.Kernels.Model.Quant;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Ops.Nn;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Ops.Quant;

/// <summary>
/// com.sysnoise IntegerConv: uint8 x, int8 w [OC, C/group, k...], int32 w_zero_point / bias / multiplier / shift (per
/// output channel, or one value for the tensor; bias optional) → uint8 y. Attributes: x_zero_point, y_zero_point,
/// y_min, y_max, requantization ("double-rounding" | "single-rounding"), and Conv's geometry attributes; x_scale, w_scale,
/// y_scale are descriptive. Arithmetic: <see cref="IntegerMath"/> (README "INT8 integer path").
/// </summary>
public sealed class IntegerConvOp : IOnnxOperator
{
    private static readonly ConditionalWeakTable<Tensor, PackedRows> Packed = new();

    public string OpType => "IntegerConv";

    public string Domain => OpRegistry.SysNoiseDomain;

    public IEnumerable<string> Check(OnnxNode node)
    {
        if (node.Inputs.Count < 6)
        {
            yield return "IntegerConv needs x, w, w_zero_point, bias, multiplier, shift";
        }

        foreach (string p in NnAttributes.CheckAutoPad(node).Concat(IntegerLayer.CheckAttributes(node)))
        {
            yield return p;
        }
    }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor<byte> x = IntegerLayer.Input<byte>(inputs, 0, "x (uint8)");
        Tensor<sbyte> w = IntegerLayer.Input<sbyte>(inputs, 1, "w (int8)");
        NnGeometry g = NnAttributes.Conv(node, x.Shape, w.Shape);
        int[] channels = IntegerLayer.ChannelTable(g.OutChannels, inputs);
        IntegerEpilogue e = IntegerLayer.Epilogue(node, (int)node.Int("x_zero_point", 0), 0);
        int[] shape = NnAttributes.OutputShape(g, x.Rank - 2);
        var y = new byte[g.OutputElements];
        if (context.Ilgpu is { } device)
        {
            if (y.Length > 0)
            {
                var kernel = device.GetOrLoadKernel(typeof(ConvKey), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<sbyte>, ArrayView<int>, NnGeometry, IntegerEpilogue, ArrayView<byte>>(IntegerKernels.Conv));
                Accelerator acc = device.Accelerator;
                using var xb = acc.Allocate1D(IntegerLayer.NonEmpty(x.Data));
                using var wb = acc.Allocate1D(IntegerLayer.NonEmpty(w.Data));
                using var cb = acc.Allocate1D(channels);
                using var yb = acc.Allocate1D<byte>(y.Length);
                kernel(y.Length, xb.View, wb.View, cb.View, g, e, yb.View);
                acc.Synchronize();
                yb.CopyToCPU(y);
            }

            return [new Tensor<byte>(y, shape)];
        }

        short[] packed = IntegerHost.IsDirect(g) ? [] : PackedFor(w, g, channels);
        IntegerHost.Conv(x.Data, w.Data, packed, channels, g, e, y, context.Threads);
        return [new Tensor<byte>(y, shape)];
    }

    private static short[] PackedFor(Tensor<sbyte> w, NnGeometry g, int[] channels)
    {
        int k = g.GroupChannels * g.KernelSpatial;
        if (Packed.TryGetValue(w, out PackedRows? p) && p.Channels.AsSpan().SequenceEqual(channels))
        {
            return p.Data;
        }

        var fresh = new PackedRows(channels, IntegerHost.PackWeightRows(w.Data, g.OutChannels, k, channels));
        Packed.AddOrUpdate(w, fresh);
        return fresh.Data;
    }

    private sealed record PackedRows(int[] Channels, short[] Data);

    private static class ConvKey;
}

/// <summary>
/// com.sysnoise IntegerMatMul: uint8 a [..., M, K] times b, either int8 weights [K, N] (trans_b = 1: [N, K]) with
/// per-column or per-tensor zero points, or a uint8 activation [..., K, N] with one zero point (NumPy batch broadcasting);
/// int32 b_zero_point / bias (optional) / multiplier / shift per output column or per tensor → uint8 y [..., M, N].
/// Attributes as <see cref="IntegerConvOp"/> (x_zero_point is A's).
/// </summary>
public sealed class IntegerMatMulOp : IOnnxOperator
{
    private static readonly ConditionalWeakTable<Tensor, PackedColumns> Packed = new();

    public string OpType => "IntegerMatMul";

    public string Domain => OpRegistry.SysNoiseDomain;

    public IEnumerable<string> Check(OnnxNode node)
    {
        if (node.Inputs.Count < 6)
        {
            yield return "IntegerMatMul needs a, b, b_zero_point, bias, multiplier, shift";
        }

        foreach (string p in IntegerLayer.CheckAttributes(node))
        {
            yield return p;
        }
    }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor<byte> a = IntegerLayer.Input<byte>(inputs, 0, "a (uint8)");
        Tensor b = inputs[1] ?? throw new ArgumentException("IntegerMatMul needs b");
        bool activation = b is Tensor<byte>;
        if (!activation && b is not Tensor<sbyte>)
        {
            throw new ArgumentException($"b must be int8 weights or a uint8 activation, got {b.DType.ToString().ToLowerInvariant()}");
        }

        bool transB = node.Int("trans_b", 0) != 0;
        if (a.Rank < 2 || b.Rank < 2 || (transB && (b.Rank != 2 || activation)))
        {
            throw new ArgumentException($"IntegerMatMul of {a.ShapeText} and {b.ShapeText}{(transB ? " (trans_b: b must be 2-D int8 weights)" : string.Empty)}: operands must have rank ≥ 2");
        }

        int m = a.Shape[^2], k = a.Shape[^1];
        int kb = transB ? b.Shape[1] : b.Shape[^2], n = transB ? b.Shape[0] : b.Shape[^1];
        if (kb != k)
        {
            throw new ArgumentException($"IntegerMatMul of {a.ShapeText} and {b.ShapeText}: inner dimensions differ");
        }

        int[] ba = a.Shape[..^2], bb = b.Shape[..^2];
        int rank = Math.Max(ba.Length, bb.Length);
        var batchShape = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - ba.Length) >= 0 ? ba[i - (rank - ba.Length)] : 1;
            int db = i - (rank - bb.Length) >= 0 ? bb[i - (rank - bb.Length)] : 1;
            if (da != db && da != 1 && db != 1)
            {
                throw new ArgumentException($"IntegerMatMul of {a.ShapeText} and {b.ShapeText}: batch dimensions do not broadcast");
            }

            batchShape[i] = Math.Max(da, db);
        }

        int batches = checked((int)Tensor.ElementCount(batchShape));
        long[] aOff = MatMulOp.BatchOffsets(batchShape, ba, (long)m * k, batches);
        long[] bOff = MatMulOp.BatchOffsets(batchShape, bb, (long)k * n, batches);
        int[] channels = IntegerLayer.ChannelTable(n, inputs);
        int rightZeroPoint = activation ? IntegerLayer.ScalarZeroPoint(inputs[2]) : 0;
        IntegerEpilogue e = IntegerLayer.Epilogue(node, (int)node.Int("x_zero_point", 0), rightZeroPoint);
        int[] shape = [.. batchShape, m, n];
        var y = new byte[(long)batches * m * n];
        var geometry = new MatMulGeometry
        {
            Batches = batches, M = m, N = n, K = k, ARowStride = k, AColStride = 1,
            BRowStride = transB ? 1 : n, BColStride = transB ? k : 1,
        };
        if (context.Ilgpu is { } device)
        {
            if (y.Length > 0)
            {
                Accelerator acc = device.Accelerator;
                using var ab = acc.Allocate1D(IntegerLayer.NonEmpty(a.Data));
                using var ao = acc.Allocate1D(aOff);
                using var bo = acc.Allocate1D(bOff);
                using var cb = acc.Allocate1D(channels);
                using var yb = acc.Allocate1D<byte>(y.Length);
                if (b is Tensor<byte> bAct)
                {
                    var kernel = device.GetOrLoadKernel(typeof(ActivationsKey), x => x.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<byte>, ArrayView<long>, ArrayView<long>, ArrayView<int>, MatMulGeometry, IntegerEpilogue, ArrayView<byte>>(IntegerKernels.MatMulActivations));
                    using var bbuf = acc.Allocate1D(IntegerLayer.NonEmpty(bAct.Data));
                    kernel(y.Length, ab.View, bbuf.View, ao.View, bo.View, cb.View, geometry, e, yb.View);
                }
                else
                {
                    var kernel = device.GetOrLoadKernel(typeof(WeightsKey), x => x.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<sbyte>, ArrayView<long>, ArrayView<long>, ArrayView<int>, MatMulGeometry, IntegerEpilogue, ArrayView<byte>>(IntegerKernels.MatMulWeights));
                    using var bbuf = acc.Allocate1D(IntegerLayer.NonEmpty(((Tensor<sbyte>)b).Data));
                    kernel(y.Length, ab.View, bbuf.View, ao.View, bo.View, cb.View, geometry, e, yb.View);
                }

                acc.Synchronize();
                yb.CopyToCPU(y);
            }

            return [new Tensor<byte>(y, shape)];
        }

        short[] packedB;
        int[] bMatrix;
        if (b is Tensor<byte> act)
        {
            // Each distinct B matrix once (broadcast batches share theirs).
            long[] distinct = bOff.Distinct().ToArray();
            var index = distinct.Select((o, i) => (o, i)).ToDictionary(p => p.o, p => p.i);
            packedB = IntegerHost.PackActivationColumns(act.Data, distinct, distinct.Length, n, 1, k, n, rightZeroPoint);
            bMatrix = bOff.Select(o => index[o]).ToArray();
        }
        else
        {
            var w = (Tensor<sbyte>)b;
            if (bb.Length > 0)
            {
                throw new ArgumentException($"IntegerMatMul int8 weights must be 2-D, got {b.ShapeText}");
            }

            packedB = PackedFor(w, k, n, transB, channels);
            bMatrix = new int[batches];
        }

        IntegerHost.MatMul(a.Data, aOff, k, 1, packedB, bMatrix, channels, batches, m, n, k, e, y, context.Threads);
        return [new Tensor<byte>(y, shape)];
    }

    private static short[] PackedFor(Tensor<sbyte> w, int k, int n, bool transposed, int[] channels)
    {
        if (Packed.TryGetValue(w, out PackedColumns? p) && p.Transposed == transposed && p.Channels.AsSpan().SequenceEqual(channels))
        {
            return p.Data;
        }

        var fresh = new PackedColumns(transposed, channels, IntegerHost.PackWeightColumns(w.Data, k, n, transposed, channels));
        Packed.AddOrUpdate(w, fresh);
        return fresh.Data;
    }

    private sealed record PackedColumns(bool Transposed, int[] Channels, short[] Data);

    private static class WeightsKey;

    private static class ActivationsKey;
}

/// <summary>
/// com.sysnoise IntegerQuantize: float32 → uint8 with attributes scale, zero_point and rounding ("half-to-even" as ONNX
/// QuantizeLinear, or "half-away-from-zero" as TFLite's AffineQuantize); see <see cref="IntegerMath.Quantize"/>.
/// </summary>
public sealed class IntegerQuantizeOp : IOnnxOperator
{
    public string OpType => "IntegerQuantize";

    public string Domain => OpRegistry.SysNoiseDomain;

    public IEnumerable<string> Check(OnnxNode node)
    {
        string rounding = node.String("rounding", "half-to-even");
        if (rounding is not ("half-to-even" or "half-away-from-zero"))
        {
            yield return $"rounding '{rounding}' is not half-to-even or half-away-from-zero";
        }
    }

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor<float> x = NnAttributes.Float(inputs[0], node, "x");
        float scale = node.Float("scale", 1f);
        int zp = (int)node.Int("zero_point", 0);
        int away = node.String("rounding", "half-to-even") == "half-away-from-zero" ? 1 : 0;
        var y = new byte[x.Data.Length];
        if (context.Ilgpu is { } device)
        {
            if (y.Length > 0)
            {
                var kernel = device.GetOrLoadKernel(typeof(Key), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<byte>, float, int, int, int, int>(IntegerKernels.Quantize));
                Accelerator acc = device.Accelerator;
                using var xb = acc.Allocate1D(x.Data);
                using var yb = acc.Allocate1D<byte>(y.Length);
                kernel(y.Length, xb.View, yb.View, scale, zp, 0, 255, away);
                acc.Synchronize();
                yb.CopyToCPU(y);
            }

            return [new Tensor<byte>(y, x.Shape)];
        }

        float[] xs = x.Data;
        const int Block = 1 << 16;
        Parallel.For(0, (xs.Length + Block - 1) / Block, context.Parallel, blk =>
        {
            int end = Math.Min(xs.Length, (blk + 1) * Block);
            for (int i = blk * Block; i < end; i++)
            {
                y[i] = (byte)IntegerMath.Quantize(xs[i], scale, zp, 0, 255, away);
            }
        });
        return [new Tensor<byte>(y, x.Shape)];
    }

    private static class Key;
}

/// <summary>com.sysnoise IntegerDequantize: uint8 → float32, (float)(q − zero_point)·scale (attributes scale, zero_point).</summary>
public sealed class IntegerDequantizeOp : IOnnxOperator
{
    public string OpType => "IntegerDequantize";

    public string Domain => OpRegistry.SysNoiseDomain;

    public Tensor[] Run(OpContext context, OnnxNode node, IReadOnlyList<Tensor?> inputs)
    {
        Tensor<byte> x = IntegerLayer.Input<byte>(inputs, 0, "x (uint8)");
        float scale = node.Float("scale", 1f);
        int zp = (int)node.Int("zero_point", 0);
        var y = new float[x.Data.Length];
        if (context.Ilgpu is { } device)
        {
            if (y.Length > 0)
            {
                var kernel = device.GetOrLoadKernel(typeof(Key), a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<float>, float, int>(IntegerKernels.Dequantize));
                Accelerator acc = device.Accelerator;
                using var xb = acc.Allocate1D(x.Data);
                using var yb = acc.Allocate1D<float>(y.Length);
                kernel(y.Length, xb.View, yb.View, scale, zp);
                acc.Synchronize();
                yb.CopyToCPU(y);
            }

            return [new Tensor<float>(y, x.Shape)];
        }

        byte[] xs = x.Data;
        for (int i = 0; i < xs.Length; i++)
        {
            y[i] = IntegerMath.Dequantize(xs[i], zp, scale);
        }

        return [new Tensor<float>(y, x.Shape)];
    }

    private static class Key;
}

/// <summary>Inputs, attributes and the per-channel table shared by the integer layers.</summary>
internal static class IntegerLayer
{
    public static readonly string[] RequantModes = ["double-rounding", "single-rounding"];

    public static IEnumerable<string> CheckAttributes(OnnxNode node)
    {
        string mode = node.String("requantization", "double-rounding");
        if (Array.IndexOf(RequantModes, mode) < 0)
        {
            yield return $"requantization '{mode}' is not one of {string.Join(", ", RequantModes)}";
        }

        long lo = node.Int("y_min", 0), hi = node.Int("y_max", 255);
        if (lo < 0 || hi > 255 || lo > hi)
        {
            yield return $"y_min {lo} / y_max {hi} must satisfy 0 ≤ y_min ≤ y_max ≤ 255";
        }
    }

    public static Tensor<T> Input<T>(IReadOnlyList<Tensor?> inputs, int i, string what)
        where T : unmanaged
        => (i < inputs.Count ? inputs[i] : null) as Tensor<T> ?? throw new ArgumentException($"input {i} must be {what}, got {(i < inputs.Count ? inputs[i]?.DType.ToString().ToLowerInvariant() : null) ?? "nothing"}");

    public static T[] NonEmpty<T>(T[] data)
        where T : unmanaged
        => data.Length == 0 ? new T[1] : data;

    public static IntegerEpilogue Epilogue(OnnxNode node, int inputZeroPoint, int rightZeroPoint) => new()
    {
        InputZeroPoint = inputZeroPoint,
        RightZeroPoint = rightZeroPoint,
        OutputZeroPoint = (int)node.Int("y_zero_point", 0),
        Min = (int)node.Int("y_min", 0),
        Max = (int)node.Int("y_max", 255),
        Mode = (int)(node.String("requantization", "double-rounding") == "single-rounding" ? RequantMode.SingleRounding : RequantMode.DoubleRounding),
    };

    /// <summary>The B activation's single zero point.</summary>
    public static int ScalarZeroPoint(Tensor? t)
    {
        if (t is not Tensor<int> z || z.Data.Length != 1)
        {
            throw new ArgumentException("a uint8 activation b needs one int32 zero point");
        }

        return z.Data[0];
    }

    /// <summary>
    /// [channels][w_zp, bias, multiplier, shift] from inputs 2..5 (int32, one value per channel or one for all; a missing
    /// bias is 0).
    /// </summary>
    public static int[] ChannelTable(int channels, IReadOnlyList<Tensor?> inputs)
    {
        int[] zp = PerChannel(inputs, 2, "zero point", channels, optional: false);
        int[] bias = PerChannel(inputs, 3, "bias", channels, optional: true);
        int[] multiplier = PerChannel(inputs, 4, "multiplier", channels, optional: false);
        int[] shift = PerChannel(inputs, 5, "shift", channels, optional: false);
        var table = new int[Math.Max(1, channels) * IntegerEpilogue.ChannelStride];
        for (int c = 0; c < channels; c++)
        {
            if (multiplier[c] < 0 || shift[c] < -31 || shift[c] > 30)
            {
                throw new ArgumentException($"channel {c}: multiplier {multiplier[c]} / shift {shift[c]} outside M0 ≥ 0, −31 ≤ shift ≤ 30");
            }

            int t = c * IntegerEpilogue.ChannelStride;
            (table[t], table[t + 1], table[t + 2], table[t + 3]) = (zp[c], bias[c], multiplier[c], shift[c]);
        }

        return table;
    }

    private static int[] PerChannel(IReadOnlyList<Tensor?> inputs, int i, string what, int channels, bool optional)
    {
        Tensor? t = i < inputs.Count ? inputs[i] : null;
        if (t is null)
        {
            return optional ? new int[channels] : throw new ArgumentException($"the {what} (input {i}) is missing");
        }

        if (t is not Tensor<int> v)
        {
            throw new ArgumentException($"the {what} (input {i}) must be int32, got {t.DType.ToString().ToLowerInvariant()}");
        }

        if (v.Data.Length == channels)
        {
            return v.Data;
        }

        return v.Data.Length == 1 ? Enumerable.Repeat(v.Data[0], channels).ToArray() : throw new ArgumentException($"the {what} has {v.Data.Length} values for {channels} output channels");
    }
}
