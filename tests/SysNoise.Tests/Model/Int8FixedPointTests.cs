using SysNoise.Kernels.Model.Quant;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Model.Quantization;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// The int8-int requantization arithmetic (gemmlowp's SaturatingRoundingDoublingHighMul and RoundingDivideByPOT,
/// TFLite's MultiplyByQuantizedMultiplier in both builds, QuantizeMultiplier) against a Python reference written with
/// unbounded ints, which itself checks each function against a second characterisation (VQRDMULH, exact rationals).
/// </summary>
public sealed class Int8FixedPointTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1 << 30, 1 << 30, 1 << 29)]
    [InlineData(int.MinValue, int.MinValue, int.MaxValue)] // the one overflow saturates
    [InlineData(1 << 15, 1 << 15, 1)]                      // a·b/2^31 = +0.5 rounds up
    [InlineData(-(1 << 15), 1 << 15, 0)]                   // −0.5 rounds toward +∞ (VQRDMULH), not away from zero
    [InlineData(-3 << 15, 1 << 15, -1)]                    // −1.5 → −1
    [InlineData(int.MaxValue, int.MaxValue, int.MaxValue - 1)]
    [InlineData(int.MinValue, int.MaxValue, -int.MaxValue)]
    public void SaturatingRoundingDoublingHighMulByHand(int a, int b, int expected) => Assert.Equal(expected, FixedPoint.SaturatingRoundingDoublingHighMul(a, b));

    [Theory]
    [InlineData(5, 1, 3)]   // 2.5 → 3
    [InlineData(-5, 1, -3)] // −2.5 → −3: ties away from zero
    [InlineData(6, 2, 2)]   // 1.5 → 2
    [InlineData(-6, 2, -2)]
    [InlineData(7, 2, 2)]   // 1.75 → 2
    [InlineData(-7, 2, -2)]
    [InlineData(-5, 2, -1)] // −1.25 → −1
    [InlineData(12345, 0, 12345)]
    [InlineData(int.MinValue, 31, -1)]
    [InlineData(int.MaxValue, 31, 1)]
    public void RoundingDivideByPotByHand(int x, int exponent, int expected) => Assert.Equal(expected, FixedPoint.RoundingDivideByPot(x, exponent));

    [Theory]
    [InlineData(100, 1 << 30, 0, 50, 50)]
    [InlineData(3, 1 << 30, 0, 2, 2)]    // 1.5: both round the tie up
    [InlineData(-3, 1 << 30, 0, -1, -1)] // −1.5: both toward +∞
    [InlineData(5, 1 << 30, -1, 2, 1)]   // 1.25: the double rounding goes 2.5 → 3 → 1.5 → 2; the single rounding gives 1
    [InlineData(-5, 1 << 30, -1, -1, -1)]
    [InlineData(1000, 1610612736, 2, 3000, 3000)] // 0.75·2^2
    public void MultiplyByQuantizedMultiplierByHand(int x, int m0, int shift, int doubleRounding, int singleRounding)
    {
        Assert.Equal(doubleRounding, FixedPoint.MultiplyByQuantizedMultiplier(x, m0, shift));
        Assert.Equal(singleRounding, FixedPoint.MultiplyByQuantizedMultiplierSingleRounding(x, m0, shift));
    }

    [Theory]
    [InlineData(0.5, 1 << 30, 0)]
    [InlineData(1.0, 1 << 30, 1)]
    [InlineData(0.75, 1610612736, 0)]
    [InlineData(0.0, 0, 0)]
    [InlineData(9.094947017729282e-13, 0, 0)]            // 2^-40: shift −39 < −31 flushes to zero
    [InlineData(0.9999999999990905, 1 << 30, 1)]           // 1 − 2^-40: M0 rounds up to 2^31, becomes 2^30 with shift + 1
    [InlineData(0.0038986163679510357, 2143287014, -8)]
    public void QuantizeMultiplierByHand(double real, int m0, int shift) => Assert.Equal((m0, shift), QuantizedMultiplier.From(real));

    [Fact]
    public void EveryFunctionMatchesThePythonReference()
    {
        int seed = RandomImages.RunSeed;
        var rng = new Random(seed);
        int Any() => rng.Next(8) switch
        {
            0 => int.MinValue,
            1 => int.MaxValue,
            2 => rng.Next(-3, 4),
            3 => (rng.Next(2) == 0 ? 1 : -1) * (1 << rng.Next(31)),
            4 => rng.Next(-1 << 20, 1 << 20),
            _ => (int)rng.NextInt64(int.MinValue, (long)int.MaxValue + 1),
        };

        // SRDHM pairs: random, edge values, and exact halves (a·b = odd·2^30).
        const int N = 100_000;
        var pairs = new long[N * 2];
        for (int i = 0; i < N; i++)
        {
            long a, b;
            if (i % 4 == 0)
            {
                int p = rng.Next(31);
                long odd = (2L * rng.NextInt64(0, 1L << p)) + 1;
                a = (rng.Next(2) == 0 ? 1 : -1) * (1L << p);
                b = (rng.Next(2) == 0 ? 1 : -1) * odd * (1L << (30 - p));
                b = Math.Clamp(b, int.MinValue, int.MaxValue);
            }
            else
            {
                (a, b) = (Any(), Any());
            }

            (pairs[2 * i], pairs[(2 * i) + 1]) = (a, b);
        }

        // RoundingDivideByPOT: random x with every exponent, and exact halves x = odd·2^(e−1).
        var pot = new long[N * 2];
        for (int i = 0; i < N; i++)
        {
            int e = rng.Next(32);
            long x = Any();
            if (i % 3 == 0 && e > 0)
            {
                long odd = (2L * rng.NextInt64(0, 1L << Math.Max(0, 31 - e))) + 1;
                x = Math.Clamp((rng.Next(2) == 0 ? 1 : -1) * odd * (1L << (e - 1)), int.MinValue, int.MaxValue);
            }

            (pot[2 * i], pot[(2 * i) + 1]) = (x, e);
        }

        // MultiplyByQuantizedMultiplier: accumulators (mostly realistic, some extreme), M0 in [2^30, 2^31) or edges, shift in [−31, 30].
        var cases = new long[N * 3];
        for (int i = 0; i < N; i++)
        {
            long x = rng.Next(3) == 0 ? Any() : rng.Next(-(1 << 22), 1 << 22);
            long m = rng.Next(20) switch
            {
                0 => 0,
                1 => int.MaxValue,
                2 => 1 << 30,
                _ => rng.NextInt64(1L << 30, 1L << 31),
            };
            long s = rng.Next(4) == 0 ? rng.Next(-31, 31) : rng.Next(-12, 3);
            (cases[3 * i], cases[(3 * i) + 1], cases[(3 * i) + 2]) = (x, m, s);
        }

        // QuantizeMultiplier: log-uniform reals, ties of q·2^31 (odd·2^(s−32)), values that round up to 2^31, tiny ones.
        const int R = 20_000;
        var reals = new double[R];
        for (int i = 0; i < R; i++)
        {
            int s = rng.Next(-40, 11);
            reals[i] = (i % 5) switch
            {
                0 => Math.ScaleB((2 * rng.NextInt64(1L << 30, 1L << 31)) + 1, s - 32),
                1 => Math.ScaleB(1 - Math.ScaleB(1, -rng.Next(32, 53)), s),
                2 when i % 50 == 2 => 0.0,
                _ => Math.Pow(2, -45 + (rng.NextDouble() * 55)),
            };
        }

        string dir = Directory.CreateTempSubdirectory("sysnoise-fixedpoint-").FullName;
        try
        {
            NpyFormat.Write(Path.Combine(dir, "pairs.npy"), new Tensor<long>(pairs, N, 2));
            NpyFormat.Write(Path.Combine(dir, "pot.npy"), new Tensor<long>(pot, N, 2));
            NpyFormat.Write(Path.Combine(dir, "cases.npy"), new Tensor<long>(cases, N, 3));
            NpyFormat.Write(Path.Combine(dir, "reals.npy"), new Tensor<double>(reals, R));
            PythonOracle.Run(PythonOracle.Script("fixed_point.py"), dir);
            long[] Read(string f) => ((Tensor<long>)NpyFormat.Read(Path.Combine(dir, f))).Data;
            long[] srdhm = Read("srdhm.npy"), rdbpot = Read("rdbpot.npy"), mbqm = Read("mbqm.npy"), single = Read("single.npy"), qm = Read("qm.npy");
            var failures = new List<string>();
            int ties = 0;
            for (int i = 0; i < N; i++)
            {
                int a = (int)pairs[2 * i], b = (int)pairs[(2 * i) + 1];
                if (FixedPoint.SaturatingRoundingDoublingHighMul(a, b) != srdhm[i])
                {
                    failures.Add($"SaturatingRoundingDoublingHighMul({a}, {b}) = {FixedPoint.SaturatingRoundingDoublingHighMul(a, b)}, reference {srdhm[i]}");
                }

                ties += ((long)a * b & ((1L << 31) - 1)) == 1L << 30 ? 1 : 0;
                int x = (int)pot[2 * i], e = (int)pot[(2 * i) + 1];
                if (FixedPoint.RoundingDivideByPot(x, e) != rdbpot[i])
                {
                    failures.Add($"RoundingDivideByPot({x}, {e}) = {FixedPoint.RoundingDivideByPot(x, e)}, reference {rdbpot[i]}");
                }

                int cx = (int)cases[3 * i], cm = (int)cases[(3 * i) + 1], cs = (int)cases[(3 * i) + 2];
                if (FixedPoint.MultiplyByQuantizedMultiplier(cx, cm, cs) != mbqm[i])
                {
                    failures.Add($"MultiplyByQuantizedMultiplier({cx}, {cm}, {cs}) = {FixedPoint.MultiplyByQuantizedMultiplier(cx, cm, cs)}, reference {mbqm[i]}");
                }

                if (FixedPoint.MultiplyByQuantizedMultiplierSingleRounding(cx, cm, cs) != single[i])
                {
                    failures.Add($"MultiplyByQuantizedMultiplierSingleRounding({cx}, {cm}, {cs}) = {FixedPoint.MultiplyByQuantizedMultiplierSingleRounding(cx, cm, cs)}, reference {single[i]}");
                }
            }

            double worst = 0;
            for (int i = 0; i < R; i++)
            {
                (int m0, int shift) = QuantizedMultiplier.From(reals[i]);
                if (m0 != qm[2 * i] || shift != qm[(2 * i) + 1])
                {
                    failures.Add($"QuantizeMultiplier({reals[i]:R}) = ({m0}, {shift}), reference ({qm[2 * i]}, {qm[(2 * i) + 1]})");
                }

                // Against float64: M0·2^(shift−31) is within half an M0 step (relative 2^-31) of the real multiplier.
                if (m0 != 0)
                {
                    double rel = Math.Abs((Math.ScaleB(m0, shift - 31) - reals[i]) / reals[i]);
                    worst = Math.Max(worst, rel);
                    if (rel > Math.ScaleB(1, -31))
                    {
                        failures.Add($"QuantizeMultiplier({reals[i]:R}) = ({m0}, {shift}) is {rel:E3} away relatively");
                    }
                }
                else if (reals[i] >= Math.ScaleB(1, -32))
                {
                    failures.Add($"QuantizeMultiplier({reals[i]:R}) flushed to zero");
                }
            }

            output.WriteLine($"seed {seed}: {N} SRDHM pairs ({ties} exact halves), {N} RoundingDivideByPOT cases, {N} MultiplyByQuantizedMultiplier cases (both roundings), {R} QuantizeMultiplier reals (worst relative error {worst:E3}); {failures.Count} failures");
            Assert.True(failures.Count == 0, $"seed {seed} (SYSNOISE_SEED={seed} replays): {failures.Count} mismatches, e.g.\n" + string.Join("\n", failures.Take(10)));
            Assert.True(ties > N / 8, $"only {ties} exact halves among the SRDHM pairs");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
