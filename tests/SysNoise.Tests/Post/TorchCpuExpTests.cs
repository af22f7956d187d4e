using SysNoise.Kernels.Post;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Post;

/// <summary>
/// The float32 box decode reproduces torch's bits because its exp is torch's: SLEEF's expf u10 as torch 1.13's AVX2 CPU
/// kernels run it. Proven against torch.exp live, and its fused multiply-add emulation against the hardware FMA.
/// </summary>
public sealed class TorchCpuExpTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-exp-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void ExpMatchesTorchExpBitForBit()
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "exp") & int.MaxValue);
        var x = new float[400_000];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (i % 8) switch
            {
                0 => (float)((rng.NextDouble() * 240) - 120), // the whole range: underflow to 0 below −104, subnormals, overflow above 88.72
                1 => (float)((rng.NextDouble() * 0.02) - 0.01), // near 0
                2 => BitConverter.Int32BitsToSingle(rng.Next()), // any positive bit pattern (huge values, NaN, ∞)
                _ => (float)((rng.NextDouble() * 12) - 6), // where box deltas live
            };
        }

        PostCases.Save(dir, "x", x, x.Length);
        PostCases.RunOracle("exp", dir);
        float[] torch = PostCases.Load<float>(dir, "y");
        int nan = 0, differFromCorrectlyRounded = 0;
        for (int i = 0; i < x.Length; i++)
        {
            float ours = TorchCpuExp.Exp(x[i]);
            if (float.IsNaN(x[i]))
            {
                Assert.True(float.IsNaN(ours) && float.IsNaN(torch[i]), $"exp(NaN) at {i}");
                nan++;
                continue;
            }

            Assert.True(BitConverter.SingleToInt32Bits(ours) == BitConverter.SingleToInt32Bits(torch[i]), $"seed {RandomImages.RunSeed}: exp({x[i]:R}) = {ours:R}, torch.exp gives {torch[i]:R}");
            differFromCorrectlyRounded += ours == (float)Math.Exp(x[i]) ? 0 : 1;
        }

        output.WriteLine($"seed {RandomImages.RunSeed}: {x.Length} values ({nan} NaN) bit-identical to torch.exp; {differFromCorrectlyRounded} of them differ from the correctly rounded exp (which a better exp would return)");
        Assert.True(differFromCorrectlyRounded > 0);
    }

    [Fact]
    public void FmaEmulationEqualsTheHardwareFma()
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "fma") & int.MaxValue);
        float Any() => rng.Next(4) switch
        {
            0 => BitConverter.Int32BitsToSingle(rng.Next() | (rng.Next(2) << 31)), // any bit pattern
            1 => (float)((rng.NextDouble() - 0.5) * 8),
            2 => (float)((rng.NextDouble() - 0.5) * 1e-38), // subnormal territory
            _ => rng.Next(-64, 64) / 16f, // short significands: exact products and ties
        };

        int checkedCount = 0;
        for (int i = 0; i < 2_000_000; i++)
        {
            float a = Any(), b = Any();
            // One in four: c cancels most of a·b, so the rounding of the residue decides the result.
            float c = i % 4 == 0 ? -(float)((double)a * b) * (1 + (rng.Next(3) - 1) * 1e-7f) : Any();
            float expected = MathF.FusedMultiplyAdd(a, b, c);
            float actual = SysNoise.Kernels.Numerics.StrictFloat.FusedMultiplyAdd(a, b, c);
            bool same = BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual) || (float.IsNaN(expected) && float.IsNaN(actual));
            Assert.True(same, $"seed {RandomImages.RunSeed}: fma({a:R}, {b:R}, {c:R}) = {actual:R}, hardware {expected:R}");
            checkedCount++;
        }

        output.WriteLine($"seed {RandomImages.RunSeed}: {checkedCount} triples, the double round-to-odd emulation == hardware FMA");
    }
}
