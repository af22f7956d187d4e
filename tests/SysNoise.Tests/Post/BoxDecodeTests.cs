using System.Globalization;
using SysNoise.Kernels.Post;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Post;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Post;

/// <summary>
/// Box decoding, every convention: the float64 arithmetic within 1 ulp (float32) of a NumPy float64 evaluation of the
/// library's formula; the float32 arithmetic bit-exact with the same formula run as torch 1.13 float32 tensor ops, and
/// with torchvision's own <c>BoxCoder.decode_single</c> (+ <c>clip_boxes_to_image</c>) live.
/// </summary>
public sealed class BoxDecodeTests(ITestOutputHelper output) : IDisposable
{
    private const int CasesPerConvention = 100;
    private const int CoderCases = 600;
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-decode-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static string Reproduce => $"reproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests -c Release --filter \"FullyQualifiedName~{nameof(BoxDecodeTests)}\"";

    [Fact]
    public void TorchvisionBoxCoderMatchesBitForBit()
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "coder") & int.MaxValue);
        BoxConvention torchvision = PostVariants.GetBoxConvention("torchvision");
        BoxConvention paper = PostVariants.GetBoxConvention("paper");
        var cases = new List<DecodeCase>();
        for (int c = 0; c < CoderCases; c++)
        {
            DecodeCase dc = PostCases.Decode(rng, torchvision, BoxArithmetic.Float32Torch, maxAnchors: 80);
            // One case in five through 'paper' at offset 0 with neutral means/stds: the Appendix A formula is torchvision's then.
            cases.Add(c % 5 == 4 ? dc with { Convention = paper, Options = dc.Options with { Offset = 0, Means = (0, 0, 0, 0), Stds = (1, 1, 1, 1) } } : dc);
        }

        PostCases.Save(dir, "anchors", cases.SelectMany(c => c.Anchors).ToArray(), cases.Sum(c => c.Count), 4);
        PostCases.Save(dir, "deltas", cases.SelectMany(c => c.Deltas).ToArray(), cases.Sum(c => c.Deltas.Length / 4), 4);
        PostCases.Save(dir, "meta", cases.SelectMany(c => new long[] { c.Count, c.Classes, c.Options.ClipTo?.Width ?? 0, c.Options.ClipTo?.Height ?? 0, c.Options.ClipTo is null ? 0 : 1 }).ToArray(), cases.Count, 5);
        PostCases.Save(dir, "params", cases.SelectMany(c => { var w = c.Options.Weights!.Value; return new[] { w.X, w.Y, w.W, w.H, c.Options.Clamp!.Value }; }).ToArray(), cases.Count, 5);
        string version = PostCases.RunOracle("coder", dir);
        float[] expected = PostCases.Load<float>(dir, "out");

        int at = 0, clamped = 0;
        for (int c = 0; c < cases.Count; c++)
        {
            DecodeCase dc = cases[c];
            float[] actual = PostProcessing.DecodeBoxes(HostDevice.Shared, dc.Convention.Spec(dc.Options), dc.Anchors, dc.Deltas);
            string? diff = Compare.Bytes(expected[at..(at + actual.Length)], actual);
            Assert.True(diff is null, $"seed {RandomImages.RunSeed}, case {c} ({dc}): {diff}\n{Reproduce}");
            at += actual.Length;
            clamped += Enumerable.Range(0, dc.Deltas.Length / 4).Count(i => dc.Deltas[(i * 4) + 2] / dc.Options.Weights!.Value.W > dc.Options.Clamp!.Value);
        }

        Assert.Equal(expected.Length, at);
        output.WriteLine($"seed {RandomImages.RunSeed}: {cases.Count} cases ({cases.Count(c => c.Convention == paper)} as 'paper' offset 0), {at / 4} boxes ({clamped} with dw at the clamp), float32 arithmetic bit-identical to BoxCoder.decode_single ({version})");
    }

    [Fact]
    public void EveryConventionMatchesTorchFloat32AndNumpyFloat64()
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "decode") & int.MaxValue);
        var cases = new List<DecodeCase>();
        foreach (BoxConvention convention in PostVariants.BoxConventions)
        {
            for (int c = 0; c < CasesPerConvention; c++)
            {
                cases.Add(PostCases.Decode(rng, convention, BoxArithmetic.Float64, maxAnchors: 40));
            }
        }

        var names = PostVariants.BoxConventions.Select(c => c.Name).ToList();
        PostCases.Save(dir, "anchors", cases.SelectMany(c => c.Anchors).ToArray(), cases.Sum(c => c.Count), 4);
        PostCases.Save(dir, "deltas", cases.SelectMany(c => c.Deltas).ToArray(), cases.Sum(c => c.Deltas.Length / 4), 4);
        PostCases.Save(dir, "meta", cases.SelectMany(c => new long[] { c.Count, c.Classes, c.Options.ClipTo?.Width ?? 0, c.Options.ClipTo?.Height ?? 0, c.Options.ClipTo is null ? 0 : 1, names.IndexOf(c.Convention.Name), c.Options.Offset!.Value }).ToArray(), cases.Count, 7);
        PostCases.Save(dir, "params", cases.SelectMany(c =>
        {
            var w = c.Options.Weights ?? (1, 1, 1, 1);
            var m = c.Options.Means ?? (0, 0, 0, 0);
            var s = c.Options.Stds ?? (1, 1, 1, 1);
            return new[] { w.X, w.Y, w.W, w.H, m.X, m.Y, m.W, m.H, s.X, s.Y, s.W, s.H, c.Options.Clamp!.Value };
        }).ToArray(), cases.Count, 13);
        PostCases.RunOracle("decode", dir);
        float[] torch32 = PostCases.Load<float>(dir, "out32");
        double[] numpy64 = PostCases.Load<double>(dir, "out64");

        var stats = names.ToDictionary(n => n, _ => new UlpStats());
        int at = 0;
        for (int c = 0; c < cases.Count; c++)
        {
            DecodeCase dc = cases[c];
            float[] f64 = PostProcessing.DecodeBoxes(HostDevice.Shared, dc.Convention.Spec(dc.Options), dc.Anchors, dc.Deltas);
            float[] f32 = PostProcessing.DecodeBoxes(HostDevice.Shared, dc.Convention.Spec(dc.Options with { Arithmetic = BoxArithmetic.Float32Torch }), dc.Anchors, dc.Deltas);
            string? diff = Compare.Bytes(torch32[at..(at + f32.Length)], f32);
            Assert.True(diff is null, $"seed {RandomImages.RunSeed}, case {c} ({dc}): float32 arithmetic vs the torch float32 formula: {diff}\n{Reproduce}");
            UlpStats st = stats[dc.Convention.Name];
            for (int i = 0; i < f64.Length; i++)
            {
                double reference = numpy64[at + i];
                long ulps = Ulps.Between(f64[i], (float)reference);
                Assert.True(ulps <= 1, string.Create(CultureInfo.InvariantCulture, $"seed {RandomImages.RunSeed}, case {c} ({dc}), value {i}: float64 arithmetic gave {f64[i]:R}, the NumPy float64 reference is {reference:R} ({ulps} ulps)\n{Reproduce}"));
                st.Add(ulps, Ulps.Between(f32[i], (float)reference));
            }

            at += f64.Length;
        }

        Assert.Equal(numpy64.Length, at);
        output.WriteLine($"seed {RandomImages.RunSeed}: {cases.Count} cases, {at / 4} boxes; float32 arithmetic bit-identical to the torch float32 formulas; float64 arithmetic vs NumPy float64:");
        foreach ((string name, UlpStats st) in stats)
        {
            output.WriteLine($"  {name,-14} {st.Count} values: float64 arithmetic {st.Exact64} equal to the rounded reference, max {st.Max64} ulp; float32 (torch) arithmetic max {st.Max32} ulps, {st.Over1Of32} values > 1 ulp");
        }
    }

    private sealed class UlpStats
    {
        public int Count { get; private set; }

        public int Exact64 { get; private set; }

        public long Max64 { get; private set; }

        public long Max32 { get; private set; }

        public int Over1Of32 { get; private set; }

        public void Add(long ulps64, long ulps32)
        {
            Count++;
            Exact64 += ulps64 == 0 ? 1 : 0;
            Max64 = Math.Max(Max64, ulps64);
            Max32 = Math.Max(Max32, ulps32);
            Over1Of32 += ulps32 > 1 ? 1 : 0;
        }
    }
}
