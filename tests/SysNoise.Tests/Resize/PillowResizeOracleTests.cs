using System.Runtime.InteropServices;
using System.Text.Json;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Resize;

/// <summary>Every pillow-* variant against Pillow 9.4 run live, on fresh random cases each run.</summary>
public sealed class PillowResizeOracleTests(ITestOutputHelper output)
{
    private const int ByteCasesPerVariant = 200;
    private const int FloatCasesPerVariant = 40;

    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (IResizeVariant v in PillowResizeVariants.All)
        {
            data.Add(v.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void UInt8MatchesPillow(string variantName) => RunBatch<byte>(variantName, ByteCasesPerVariant, "uint8", 1);

    [Theory]
    [MemberData(nameof(Variants))]
    public void Float32MatchesPillowModeF(string variantName) => RunBatch<float>(variantName, FloatCasesPerVariant, "float32", 2);

    private void RunBatch<T>(string variantName, int caseCount, string dtype, int salt)
        where T : unmanaged, IEquatable<T>
    {
        var variant = (PillowResizeVariant)PillowResizeVariants.All.First(v => v.Name == variantName);
        int seed = HashCode.Combine(RandomImages.RunSeed, variantName, salt) & int.MaxValue;
        output.WriteLine($"seed {RandomImages.RunSeed} (variant seed {seed}); reproduce with SYSNOISE_SEED={RandomImages.RunSeed}");
        var rng = new Random(seed);
        List<ResizeCase> cases = ResizeCase.Random(rng, caseCount, dtype == "float32" ? 300 : 600);
        string dir = Directory.CreateTempSubdirectory("sysnoise-pillow-").FullName;
        try
        {
            var inputs = new List<T[]>();
            var manifest = new List<object>();
            foreach (ResizeCase c in cases)
            {
                T[] data = typeof(T) == typeof(byte)
                    ? (T[])(object)RandomImages.Bytes(rng, c.InHeight, c.InWidth, c.Channels)
                    : (T[])(object)RandomImages.Floats(rng, c.InHeight, c.InWidth, c.Channels);
                inputs.Add(data);
                File.WriteAllBytes(Path.Combine(dir, $"{c.Index}.in"), MemoryMarshal.AsBytes(data.AsSpan()).ToArray());
                manifest.Add(new { id = c.Index, shape = new[] { c.InHeight, c.InWidth, c.Channels }, dtype, filter = variant.Filter.ToString().ToLowerInvariant(), size = new[] { c.OutWidth, c.OutHeight } });
            }

            File.WriteAllText(Path.Combine(dir, "manifest.json"), JsonSerializer.Serialize(manifest));
            PythonOracle.Run(PythonOracle.Script("pillow_resize.py"), dir);

            int checkedCases = 0;
            foreach (ResizeCase c in cases)
            {
                T[] expected = MemoryMarshal.Cast<byte, T>(File.ReadAllBytes(Path.Combine(dir, $"{c.Index}.out"))).ToArray();
                T[] actual = Resize(variant, inputs[c.Index], c);
                string? diff = Compare.Bytes(expected, actual);
                Assert.True(diff is null, $"{variantName} {dtype} {c}: {diff}\nreproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(PillowResizeOracleTests)}\"");
                checkedCases++;
            }

            output.WriteLine($"{variantName} {dtype}: {checkedCases} cases, 0 differing bytes");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static T[] Resize<T>(IResizeVariant variant, T[] input, ResizeCase c)
        where T : unmanaged
    {
        if (typeof(T) == typeof(byte))
        {
            return (T[])(object)variant.Resize(HostDevice.Shared, new Tensor<byte>((byte[])(object)input, c.InHeight, c.InWidth, c.Channels), c.OutWidth, c.OutHeight).Data;
        }

        return (T[])(object)variant.Resize(HostDevice.Shared, new Tensor<float>((float[])(object)input, c.InHeight, c.InWidth, c.Channels), c.OutWidth, c.OutHeight).Data;
    }
}
