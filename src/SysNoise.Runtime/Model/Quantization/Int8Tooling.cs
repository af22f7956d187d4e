using SysNoise.Kernels.Model.Quant;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Quantization;

public enum CalibrationMethod
{
    /// <summary>Running min and max over every calibration tensor (ORT's MinMax).</summary>
    MinMax,

    /// <summary>ORT's Percentile: a 2048-bin histogram; symmetric cuts |x| at the percentile, asymmetric cuts (100 − p)/2 % from each tail.</summary>
    Percentile,
}

public enum QuantRounding
{
    /// <summary>Round half to even (ONNX QuantizeLinear, ORT, PyTorch FBGEMM, TensorRT).</summary>
    HalfToEven,

    /// <summary>Round half away from zero (TFLite's reference quantizer).</summary>
    HalfAwayFromZero,
}

/// <summary>A quantized type's range as ORT's quantization tool chooses it.</summary>
public readonly record struct QuantRange(DType Type, int QMin, int QMax)
{
    /// <summary>int8 [−128, 127] or [−127, 127] when symmetric; uint8 [0, 255] or [0, 254]; reduce_range [−64, 64] / [0, 127].</summary>
    public static QuantRange For(DType type, bool symmetric = false, bool reduceRange = false) => (type, symmetric, reduceRange) switch
    {
        (DType.Int8, _, true) => new(type, -64, 64),
        (DType.UInt8, _, true) => new(type, 0, 127),
        (DType.Int8, true, _) => new(type, -127, 127),
        (DType.Int8, false, _) => new(type, -128, 127),
        (DType.UInt8, true, _) => new(type, 0, 254),
        (DType.UInt8, false, _) => new(type, 0, 255),
        _ => throw new ArgumentException($"{type} is not an 8-bit quantized type"),
    };
}

/// <summary>A scale and zero point (per tensor, or one per channel).</summary>
public sealed record QuantParams(float[] Scale, int[] ZeroPoint, QuantRange Range, int Axis = -1)
{
    public bool PerChannel => Axis >= 0;

    /// <summary>
    /// ORT's <c>compute_scale_zp</c>: the range is widened to include 0; symmetric uses ±max|r|; scale =
    /// (rmax − rmin)/(qmax − qmin) in float64 cast to float32; zero point round_half_even(qmin − rmin/scale) with
    /// rmin/scale in float32 ((qmin+qmax)/2 when symmetric); a scale below float32's smallest normal becomes 1 with zero point 0.
    /// </summary>
    public static (float Scale, int ZeroPoint) Compute(float rmin, float rmax, QuantRange range, bool symmetric)
    {
        rmin = Math.Min(rmin, 0f);
        rmax = Math.Max(rmax, 0f);
        if (symmetric)
        {
            float absmax = Math.Max(Math.Abs(rmin), Math.Abs(rmax));
            rmin = -absmax;
            rmax = absmax;
        }

        float scale = (float)(((double)rmax - rmin) / (range.QMax - range.QMin));
        if (scale < 1.17549435e-38f || float.IsNaN(scale))
        {
            return (1f, 0);
        }

        int zp = symmetric
            ? (int)Math.Round((range.QMin + range.QMax) / 2.0, MidpointRounding.ToEven)
            : (int)Math.Round(range.QMin - (rmin / scale), MidpointRounding.ToEven);
        return (scale, Math.Clamp(zp, range.QMin, range.QMax));
    }
}

/// <summary>Collects activation ranges over a set of calibration tensors.</summary>
public sealed class RangeCalibrator(CalibrationMethod method = CalibrationMethod.MinMax, double percentile = 99.999, bool symmetric = false, int bins = 2048)
{
    private readonly Dictionary<string, (float Min, float Max)> minMax = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<float[]>> samples = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> ranks = new(StringComparer.Ordinal);

    public CalibrationMethod Method { get; } = method;

    /// <summary>Adds one tensor seen for <paramref name="name"/> (e.g. from <c>OnnxSession.Run</c>'s per-value callback).</summary>
    public void Add(string name, Tensor tensor)
    {
        if (tensor is not Tensor<float> f || f.Data.Length == 0)
        {
            return;
        }

        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (float v in f.Data)
        {
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }

        ranks[name] = f.Rank;
        minMax[name] = minMax.TryGetValue(name, out var r) ? (Math.Min(r.Min, lo), Math.Max(r.Max, hi)) : (lo, hi);
        if (Method == CalibrationMethod.Percentile)
        {
            if (!samples.TryGetValue(name, out List<float[]>? list))
            {
                samples[name] = list = [];
            }

            list.Add((float[])f.Data.Clone());
        }
    }

    public IReadOnlyCollection<string> Names => minMax.Keys;

    /// <summary>The rank of the last tensor seen for <paramref name="name"/> (−1 when none was).</summary>
    public int RankOf(string name) => ranks.TryGetValue(name, out int r) ? r : -1;

    /// <summary>The calibrated (rmin, rmax) of a value.</summary>
    public (float Min, float Max) Range(string name)
    {
        (float min, float max) = minMax.TryGetValue(name, out var r) ? r : throw new KeyNotFoundException($"no calibration data for '{name}'");
        if (Method == CalibrationMethod.MinMax)
        {
            return (min, max);
        }

        float[] all = samples[name].SelectMany(a => a).ToArray();
        if (symmetric)
        {
            float absMax = Math.Max(Math.Abs(min), Math.Abs(max));
            (long[] hist, double[] edges) = Histogram(all.Select(Math.Abs), 0, absMax, all.Length);
            double t = edges[SearchSorted(Cdf(hist), percentile / 100.0)];
            return ((float)-t, (float)t);
        }
        else
        {
            (long[] hist, double[] edges) = Histogram(all, min, max, all.Length);
            double[] cdf = Cdf(hist);
            double cut = (100.0 - percentile) / 200.0;
            return ((float)edges[SearchSorted(cdf, cut)], (float)edges[SearchSorted(cdf, 1.0 - cut)]);
        }
    }

    private (long[] Hist, double[] Edges) Histogram(IEnumerable<float> values, double lo, double hi, int count)
    {
        var hist = new long[bins];
        var edges = new double[bins + 1];
        if (hi <= lo)
        {
            hi = lo + 1;
        }

        for (int i = 0; i <= bins; i++)
        {
            edges[i] = lo + ((hi - lo) * i / bins);
        }

        foreach (float v in values)
        {
            int b = (int)((v - lo) / (hi - lo) * bins);
            hist[Math.Clamp(b, 0, bins - 1)]++;
        }

        return (hist, edges);
    }

    private static double[] Cdf(long[] hist)
    {
        double total = hist.Sum();
        var cdf = new double[hist.Length];
        double run = 0;
        for (int i = 0; i < hist.Length; i++)
        {
            run += hist[i] / total;
            cdf[i] = run;
        }

        return cdf;
    }

    /// <summary>numpy.searchsorted (left): first index with cdf[i] ≥ p.</summary>
    private static int SearchSorted(double[] cdf, double p)
    {
        int i = 0;
        while (i < cdf.Length && cdf[i] < p)
        {
            i++;
        }

        return i;
    }
}

/// <summary>Weight quantization (per tensor or per channel, symmetric or asymmetric, either rounding).</summary>
public static class WeightQuantizer
{
    /// <summary>
    /// Quantizes <paramref name="w"/> with ranges from its own min/max (per channel along <paramref name="axis"/>, or
    /// per tensor when axis is −1): q = clamp(round(w / scale) + zp) with w/scale in float32.
    /// </summary>
    public static (Tensor Quantized, QuantParams Params) Quantize(Tensor<float> w, QuantRange range, bool symmetric, int axis, QuantRounding rounding)
    {
        int channels = axis < 0 ? 1 : w.Shape[axis];
        long inner = 1;
        for (int d = axis + 1; axis >= 0 && d < w.Rank; d++)
        {
            inner *= w.Shape[d];
        }

        var geometry = new QuantGeometry(channels, inner);
        var lo = Enumerable.Repeat(float.PositiveInfinity, channels).ToArray();
        var hi = Enumerable.Repeat(float.NegativeInfinity, channels).ToArray();
        for (long i = 0; i < w.Data.LongLength; i++)
        {
            int c = geometry.Channel(i);
            lo[c] = Math.Min(lo[c], w.Data[i]);
            hi[c] = Math.Max(hi[c], w.Data[i]);
        }

        var scale = new float[channels];
        var zp = new int[channels];
        for (int c = 0; c < channels; c++)
        {
            (scale[c], zp[c]) = QuantParams.Compute(lo[c], hi[c], range, symmetric);
        }

        var q = new int[w.Data.Length];
        for (long i = 0; i < w.Data.LongLength; i++)
        {
            int c = geometry.Channel(i);
            float v = w.Data[i] / scale[c];
            float r = rounding == QuantRounding.HalfToEven ? QuantMath.RoundHalfEven(v) : MathF.Round(v, MidpointRounding.AwayFromZero);
            q[i] = (int)Math.Clamp(r + (float)zp[c], range.QMin, range.QMax);
        }

        Tensor quantized = range.Type == DType.Int8
            ? new Tensor<sbyte>(q.Select(v => (sbyte)v).ToArray(), w.Shape)
            : new Tensor<byte>(q.Select(v => (byte)v).ToArray(), w.Shape);
        return (quantized, new QuantParams(scale, zp, range, axis));
    }
}
