using SysNoise.Kernels.Model.Numerics;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Post;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Post;

/// <summary>
/// The four softmax variants against a NumPy reference that follows the documented order (float32 or float16 values,
/// float32 sum in index order), bit for bit; and how far softmax-fp32 is from torch.softmax (measured, not claimed).
/// </summary>
public sealed class SoftmaxTests(ITestOutputHelper output) : IDisposable
{
    private const int CasesPerVariant = 150;
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-softmax-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    /// <summary>Logits as classifiers produce them: small and large scales, 1 to 1000 classes, binary16 values for fp16.</summary>
    public static (float[] X, int Cols) RandomLogits(Random rng, bool half, int rows)
    {
        int cols = rng.Next(6) switch { 0 => 1, 1 => 2, 2 => 10, 3 => 1000, _ => 1 + rng.Next(120) };
        double scale = half ? new[] { 1.0, 4, 12 }[rng.Next(3)] : new[] { 1.0, 10, 40 }[rng.Next(3)];
        var x = new float[rows * cols];
        for (int i = 0; i < x.Length; i++)
        {
            double v = (rng.NextDouble() - 0.3) * 2 * scale;
            x[i] = half ? HalfMath.RoundToHalf((float)v) : (float)v;
        }

        return (x, cols);
    }

    [Fact]
    public void EveryVariantMatchesItsNumpyReference()
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "softmax") & int.MaxValue);
        var cases = new Dictionary<SoftmaxVariant, List<(float[] X, int Cols)>>();
        foreach (SoftmaxVariant variant in PostVariants.Softmax)
        {
            var list = Enumerable.Range(0, CasesPerVariant).Select(_ => RandomLogits(rng, variant.Half, rows: 1 + rng.Next(4))).ToList();
            cases[variant] = list;
            NpyFormat.Write(Path.Combine(dir, variant.Name + ".x.npy"), new Tensor<float>(list.SelectMany(c => c.X).ToArray(), list.Sum(c => c.X.Length)));
            NpyFormat.Write(Path.Combine(dir, variant.Name + ".shapes.npy"), new Tensor<long>(list.SelectMany(c => new long[] { c.X.Length / c.Cols, c.Cols }).ToArray(), list.Count, 2));
        }

        PythonOracle.Run(PythonOracle.Script("post_softmax.py"), dir);
        var nanRows = new Dictionary<string, int>();
        foreach ((SoftmaxVariant variant, var list) in cases)
        {
            float[] expected = ((Tensor<float>)NpyFormat.Read(Path.Combine(dir, variant.Name + ".y.npy"))).Data;
            int at = 0, nan = 0;
            for (int c = 0; c < list.Count; c++)
            {
                (float[] x, int cols) = list[c];
                float[] y = PostProcessing.Softmax(HostDevice.Shared, variant, x, cols);
                string? diff = Compare.Bytes(expected[at..(at + y.Length)], y);
                Assert.True(diff is null, $"{variant.Name}, seed {RandomImages.RunSeed}, case {c} ({x.Length / cols}×{cols}): {diff}\nreproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests -c Release --filter \"FullyQualifiedName~{nameof(SoftmaxTests)}\"");
                at += y.Length;
                for (int r = 0; r < y.Length; r += cols)
                {
                    nan += y.AsSpan(r, cols).ToArray().Any(float.IsNaN) ? 1 : 0;
                }
            }

            Assert.Equal(expected.Length, at);
            nanRows[variant.Name] = nan;
            output.WriteLine($"{variant.Name}: {list.Count} cases, {at} values bit-identical to the NumPy reference; {nan} rows NaN");
        }

        // The max shift is what keeps large logits finite: without it some rows overflow, with it none do.
        Assert.Equal(0, nanRows["softmax-fp32"]);
        Assert.Equal(0, nanRows["softmax-fp16"]);
        Assert.True(nanRows["softmax-fp16-plain"] > 0, "fp16 logits up to ±24 should overflow exp without the max shift");

        // softmax-fp32 vs torch.softmax: torch sums 8-lane vectors and uses SLEEF's exp, so it differs in the last bits.
        float[] torchY = ((Tensor<float>)NpyFormat.Read(Path.Combine(dir, "torch.y.npy"))).Data;
        float[] ours = cases[PostVariants.Softmax[0]].SelectMany(c => PostProcessing.Softmax(HostDevice.Shared, PostVariants.Softmax[0], c.X, c.Cols)).ToArray();
        long[] ulps = ours.Zip(torchY, Ulps.Between).ToArray();
        output.WriteLine($"seed {RandomImages.RunSeed}: softmax-fp32 vs torch.softmax (not claimed bit-exact): {ulps.Count(u => u == 0)} of {ulps.Length} equal, max {ulps.Max()} ulps");
    }
}
