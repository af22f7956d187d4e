using System.Runtime.InteropServices;
using System.Text.Json;
using OpenCvSharp;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Resize;

/// <summary>
/// Every opencv* variant against the OpenCV it names, run live on fresh random cases: OpenCV 4.13 through
/// OpenCvSharp in-process, OpenCV 4.6 through Debian's python3-opencv (one batched process per test).
/// </summary>
public sealed class OpenCvResizeOracleTests(ITestOutputHelper output)
{
    private const int ByteCasesPerVariant = 200;
    private const int FloatCasesPerVariant = 100;

    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (IResizeVariant v in VariantRegistry.Resize.Where(v => v.Name.StartsWith("opencv", StringComparison.Ordinal)))
        {
            data.Add(v.Name);
        }

        return data;
    }

    public static TheoryData<string> FloatVariants()
    {
        var data = new TheoryData<string>();
        foreach (IResizeVariant v in VariantRegistry.Resize.Where(v => v.Name.StartsWith("opencv", StringComparison.Ordinal) && v.Float32 is not null))
        {
            data.Add(v.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void UInt8MatchesOpenCv(string variantName)
    {
        var variant = VariantRegistry.Get<IResizeVariant>(variantName);
        var rng = Rng(variantName, 1);
        List<ResizeCase> cases = ResizeCase.Random(rng, ByteCasesPerVariant);
        var inputs = cases.Select(c => RandomImages.Bytes(rng, c.InHeight, c.InWidth, c.Channels)).ToList();
        List<byte[]> expected = Oracle(variantName, cases, inputs, "uint8");
        ByteResidue? residue = variant.UInt8Residue;
        long differing = 0, total = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            ResizeCase c = cases[i];
            byte[] actual = variant.Resize(HostDevice.Shared, new Tensor<byte>(inputs[i], c.InHeight, c.InWidth, c.Channels), c.OutWidth, c.OutHeight).Data;
            total += actual.Length;
            if (residue is null)
            {
                string? diff = Compare.Bytes(expected[i], actual);
                Assert.True(diff is null, Failure(variantName, "uint8", c, diff));
                continue;
            }

            // A variant with a stated residue is held to it: a byte may differ, by at most MaxAbsDiff, only
            // where the variant's value before rounding is within TieDistance of a .5 tie.
            Assert.Equal(expected[i].Length, actual.Length);
            float[]? unrounded = null;
            for (int k = 0; k < actual.Length; k++)
            {
                int d = Math.Abs(actual[k] - expected[i][k]);
                if (d == 0)
                {
                    continue;
                }

                unrounded ??= ((ITieResidueVariant)variant).Unrounded(HostDevice.Shared, new Tensor<byte>(inputs[i], c.InHeight, c.InWidth, c.Channels), c.OutWidth, c.OutHeight).Data;
                double tie = Math.Abs(unrounded[k] - Math.Floor(unrounded[k]) - 0.5);
                Assert.True(d <= residue.MaxAbsDiff && tie <= residue.TieDistance, Failure(variantName, "uint8", c, $"element {k}: got {actual[k]}, expected {expected[i][k]}; value before rounding {unrounded[k]:R} is {tie:E2} from a tie (stated: |Δ| ≤ {residue.MaxAbsDiff} within {residue.TieDistance:E0} of a tie)"));
                differing++;
            }
        }

        output.WriteLine(residue is null
            ? $"{variantName} uint8: {cases.Count} cases, {total} bytes, 0 differing bytes"
            : $"{variantName} uint8: {cases.Count} cases, {total} bytes, {differing} differing ({(double)differing / total:E2}; stated residue: {residue.Note})");
    }

    [Theory]
    [MemberData(nameof(FloatVariants))]
    public void Float32MatchesOpenCvWithinStatedUlps(string variantName)
    {
        var variant = VariantRegistry.Get<IResizeVariant>(variantName);
        FloatExactness exactness = variant.Float32!;
        var rng = Rng(variantName, 2);
        List<ResizeCase> cases = ResizeCase.Random(rng, FloatCasesPerVariant, 300);
        var inputs = cases.Select(c => RandomImages.Floats(rng, c.InHeight, c.InWidth, c.Channels)).ToList();
        List<float[]> expected = Oracle(variantName, cases, inputs, "float32");
        long worst = 0;
        for (int i = 0; i < cases.Count; i++)
        {
            ResizeCase c = cases[i];
            float[] actual = variant.Resize(HostDevice.Shared, new Tensor<float>(inputs[i], c.InHeight, c.InWidth, c.Channels), c.OutWidth, c.OutHeight).Data;
            Assert.Equal(expected[i].Length, actual.Length);
            for (int k = 0; k < actual.Length; k++)
            {
                long ulps = Ulps.Between(expected[i][k], actual[k]);
                worst = Math.Max(worst, ulps);
                Assert.True(ulps <= exactness.MaxUlps, Failure(variantName, "float32", c, $"element {k}: got {actual[k]:R}, expected {expected[i][k]:R} ({ulps} ulps; stated bound {exactness.MaxUlps})"));
            }
        }

        output.WriteLine($"{variantName} float32: {cases.Count} cases, max {worst} ulps (stated bound {exactness.MaxUlps}, bit-exact claimed: {exactness.BitExact})");
    }

    private Random Rng(string variantName, int salt)
    {
        output.WriteLine($"seed {RandomImages.RunSeed}; reproduce with SYSNOISE_SEED={RandomImages.RunSeed}");
        return new Random(HashCode.Combine(RandomImages.RunSeed, variantName, salt) & int.MaxValue);
    }

    private static string Failure(string variant, string dtype, ResizeCase c, string? diff)
        => $"{variant} {dtype} {c}: {diff}\nreproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(OpenCvResizeOracleTests)}\"";

    private static List<T[]> Oracle<T>(string variantName, List<ResizeCase> cases, List<T[]> inputs, string dtype)
        where T : unmanaged
    {
        int interpolation = Interpolation(variantName);
        if (variantName.StartsWith("opencv4.6-", StringComparison.Ordinal))
        {
            return Python(cases, inputs, dtype, interpolation);
        }

        var results = new List<T[]>();
        for (int i = 0; i < cases.Count; i++)
        {
            ResizeCase c = cases[i];
            // The Mat owns native memory and the input is copied in: a Mat over a managed array is only as
            // safe as its pin, and the GC runs while OpenCV's threads read.
            using var src = new Mat(c.InHeight, c.InWidth, typeof(T) == typeof(byte) ? MatType.CV_8UC(c.Channels) : MatType.CV_32FC(c.Channels));
            Assert.True(src.IsContinuous());
            unsafe
            {
                inputs[i].AsSpan().CopyTo(new Span<T>((void*)src.Data, inputs[i].Length));
            }

            using var dst = new Mat();
            Cv2.Resize(src, dst, new Size(c.OutWidth, c.OutHeight), 0, 0, (InterpolationFlags)interpolation);
            var result = new T[c.OutHeight * c.OutWidth * c.Channels];
            Assert.True(dst.IsContinuous());
            unsafe
            {
                new ReadOnlySpan<T>((void*)dst.Data, result.Length).CopyTo(result);
            }

            results.Add(result);
        }

        return results;
    }

    private static List<T[]> Python<T>(List<ResizeCase> cases, List<T[]> inputs, string dtype, int interpolation)
        where T : unmanaged
    {
        string dir = Directory.CreateTempSubdirectory("sysnoise-opencv46-").FullName;
        try
        {
            var manifest = new List<object>();
            for (int i = 0; i < cases.Count; i++)
            {
                ResizeCase c = cases[i];
                File.WriteAllBytes(Path.Combine(dir, $"{i}.in"), MemoryMarshal.AsBytes(inputs[i].AsSpan()).ToArray());
                manifest.Add(new { id = i, shape = new[] { c.InHeight, c.InWidth, c.Channels }, dtype, interpolation, size = new[] { c.OutWidth, c.OutHeight } });
            }

            File.WriteAllText(Path.Combine(dir, "manifest.json"), JsonSerializer.Serialize(manifest));
            string version = PythonOracle.Run(PythonOracle.Script("opencv46_resize.py"), dir).Trim();
            Assert.StartsWith("4.6", version, StringComparison.Ordinal);
            return cases.Select((_, i) => MemoryMarshal.Cast<byte, T>(File.ReadAllBytes(Path.Combine(dir, $"{i}.out"))).ToArray()).ToList();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>cv::InterpolationFlags by variant method.</summary>
    private static int Interpolation(string variantName) => variantName[(variantName.IndexOf('-', StringComparison.Ordinal) + 1)..] switch
    {
        "nearest" => 0,
        "linear" => 1,
        "cubic" => 2,
        "area" => 3,
        "lanczos4" => 4,
        "linear-exact" => 5,
        "nearest-exact" => 6,
        var m => throw new ArgumentException($"no OpenCV interpolation for {m}"),
    };
}
