using System.Globalization;
using System.Numerics;

namespace SysNoise.Runtime.Metrics;

/// <summary>
/// The few NumPy and Python numerics that pycocotools' results depend on, reproduced bit for bit (checked live against
/// Debian's NumPy 1.24 and Python 3.11 by the tests): <c>np.linspace</c>, <c>np.mean</c> (pairwise summation in
/// 8192-element buffer chunks) and <c>'{:0.Nf}'.format</c> (exact round-half-even).
/// </summary>
public static class NumpyCompat
{
    /// <summary>NumPy's reduction buffer size: <c>np.add.reduce</c> sums pairwise within chunks of this many elements.</summary>
    private const int ReduceChunk = 8192;

    /// <summary>
    /// <c>np.linspace(start, stop, num, endpoint=True)</c>: <c>i * ((stop - start) / (num - 1)) + start</c>, the last
    /// element set to <paramref name="stop"/> (so 0.5..0.95 gives NumPy's exact thresholds, 0.75 included).
    /// </summary>
    public static double[] Linspace(double start, double stop, int num)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(num);
        var y = new double[num];
        if (num == 0)
        {
            return y;
        }

        if (num == 1)
        {
            y[0] = start;
            return y;
        }

        int div = num - 1;
        double delta = stop - start;
        double step = delta / div;
        for (int i = 0; i < num; i++)
        {
            // NumPy special-cases a zero step (denormal deltas) as i / div * delta.
            y[i] = (step == 0 ? (double)i / div * delta : i * step) + start;
        }

        y[num - 1] = stop;
        return y;
    }

    /// <summary><c>np.mean</c> of a contiguous float64 array: <see cref="Sum"/> divided by the count (NaN when empty).</summary>
    public static double Mean(ReadOnlySpan<double> values) => values.Length == 0 ? double.NaN : Sum(values) / values.Length;

    /// <summary><c>np.add.reduce</c> of a contiguous float64 array: 0.0 plus the pairwise sum of each 8192-element chunk, in order.</summary>
    public static double Sum(ReadOnlySpan<double> values)
    {
        double result = 0.0;
        for (int start = 0; start < values.Length; start += ReduceChunk)
        {
            result += PairwiseSum(values.Slice(start, Math.Min(ReduceChunk, values.Length - start)));
        }

        return result;
    }

    /// <summary>NumPy's <c>pairwise_sum_DOUBLE</c>: plain loop below 8, eight accumulators up to 128, halving above.</summary>
    private static double PairwiseSum(ReadOnlySpan<double> a)
    {
        int n = a.Length;
        if (n < 8)
        {
            double res = 0.0;
            for (int i = 0; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        if (n <= 128)
        {
            double r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3], r4 = a[4], r5 = a[5], r6 = a[6], r7 = a[7];
            int i = 8;
            for (; i < n - (n % 8); i += 8)
            {
                r0 += a[i];
                r1 += a[i + 1];
                r2 += a[i + 2];
                r3 += a[i + 3];
                r4 += a[i + 4];
                r5 += a[i + 5];
                r6 += a[i + 6];
                r7 += a[i + 7];
            }

            double res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
            for (; i < n; i++)
            {
                res += a[i];
            }

            return res;
        }

        int half = n / 2;
        half -= half % 8;
        return PairwiseSum(a[..half]) + PairwiseSum(a[half..]);
    }

    /// <summary>
    /// Python's <c>'{:0.Nf}'.format(value)</c>: the exact binary value rounded half to even at N decimals
    /// ('0.0625' → '0.062'), where .NET's "F" format rounds half away from zero.
    /// </summary>
    public static string FormatFixed(double value, int decimals)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(decimals);
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        bool negative = double.IsNegative(value);
        long bits = BitConverter.DoubleToInt64Bits(Math.Abs(value));
        int exponentBits = (int)((bits >> 52) & 0x7FF);
        long fraction = bits & 0xFFFFFFFFFFFFFL;
        BigInteger mantissa = exponentBits == 0 ? fraction : fraction | (1L << 52);
        int exponent = (exponentBits == 0 ? 1 : exponentBits) - 1075; // |value| = mantissa · 2^exponent exactly

        // scaled = |value| · 10^decimals = numerator / denominator, rounded half to even.
        BigInteger numerator = mantissa * BigInteger.Pow(10, decimals);
        BigInteger denominator = BigInteger.One;
        if (exponent >= 0)
        {
            numerator <<= exponent;
        }
        else
        {
            denominator <<= -exponent;
        }

        BigInteger quotient = BigInteger.DivRem(numerator, denominator, out BigInteger remainder);
        int half = (remainder * 2).CompareTo(denominator);
        if (half > 0 || (half == 0 && !quotient.IsEven))
        {
            quotient += 1;
        }

        string digits = quotient.ToString(CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        string text = decimals == 0 ? digits : $"{digits[..^decimals]}.{digits[^decimals..]}";
        return negative ? "-" + text : text; // Python keeps the sign of -0.0 and of negatives that round to zero
    }
}
