using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.IO;

/// <summary>.npy against real NumPy both ways, and clear errors for what we refuse.</summary>
public sealed class NpyFormatTests(ITestOutputHelper output) : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-npy-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void ReadsWhatNumPyWritesAndNumPyReadsWhatWeWrite()
    {
        output.WriteLine($"seed {RandomImages.RunSeed}");
        PythonOracle.Run(PythonOracle.Script("npy_roundtrip.py"), "write", dir, RandomImages.RunSeed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")));
        int count = 0;
        foreach (JsonElement m in manifest.RootElement.EnumerateArray())
        {
            string name = m.GetProperty("name").GetString()!;
            Tensor t = NpyFormat.Read(Path.Combine(dir, name + ".npy"));
            Assert.Equal(m.GetProperty("dtype").GetString(), t.DType.ToString().ToLowerInvariant());
            Assert.Equal(m.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()), t.Shape);
            byte[] raw = File.ReadAllBytes(Path.Combine(dir, name + ".raw"));
            Assert.True(raw.AsSpan().SequenceEqual(Bytes(t)), $"{name}: data differs from NumPy's");

            // Write it back (replacing NumPy's file) for the reverse check.
            NpyFormat.Write(Path.Combine(dir, name + ".npy"), t);
            count++;
        }

        string result = PythonOracle.Run(PythonOracle.Script("npy_roundtrip.py"), "check", dir);
        Assert.Equal($"ok {count}", result.Trim());
    }

    [Fact]
    public void RoundTripsEveryDtypeInProcess()
    {
        foreach (DType type in Enum.GetValues<DType>())
        {
            Tensor t = Tensor.Create(type, [2, 3]);
            new Random(1).NextBytes(Bytes(t));
            string path = Path.Combine(dir, $"{type}.npy");
            NpyFormat.Write(path, t);
            Tensor back = NpyFormat.Read(path);
            Assert.Equal(t.Shape, back.Shape);
            Assert.Equal(type, back.DType);
            Assert.True(Bytes(t).SequenceEqual(Bytes(back)));
        }
    }

    [Theory]
    [InlineData("fortran", "Fortran-order")]
    [InlineData("complex", "unsupported dtype '<c8'")]
    [InlineData("bigendian", "big-endian")]
    [InlineData("truncated", "truncated")]
    [InlineData("lying", "the header says 48 bytes")]
    [InlineData("magic", "bad magic")]
    public void RefusesBadFilesNamingFileAndProblem(string kind, string problem)
    {
        string path = Path.Combine(dir, kind + ".npy");
        File.WriteAllBytes(path, kind switch
        {
            "fortran" => Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }", 48),
            "complex" => Npy("{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", 24),
            "bigendian" => Npy("{'descr': '>i4', 'fortran_order': False, 'shape': (3,), }", 12),
            "truncated" => Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 20),
            "lying" => Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }", 60),
            _ => Encoding.ASCII.GetBytes("not an npy file at all"),
        });
        var ex = Assert.Throws<SysNoiseIOException>(() => NpyFormat.Read(path));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsAClearError()
    {
        string path = Path.Combine(dir, "nope.npy");
        var ex = Assert.Throws<SysNoiseIOException>(() => NpyFormat.Read(path));
        Assert.Equal($"{path}: no such file", ex.Message);
    }

    private static byte[] Npy(string header, int dataBytes)
    {
        string padded = header.PadRight(((header.Length + 11 + 63) / 64 * 64) - 11) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange(Encoding.ASCII.GetBytes("NUMPY"));
        bytes.Add(1);
        bytes.Add(0);
        bytes.AddRange(BitConverter.GetBytes((ushort)padded.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(padded));
        bytes.AddRange(new byte[dataBytes]);
        return [.. bytes];
    }

    private static Span<byte> Bytes(Tensor t) => t switch
    {
        Tensor<byte> x => x.Data,
        Tensor<sbyte> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<short> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<int> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<long> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<Half> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<float> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<double> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        Tensor<bool> x => MemoryMarshal.AsBytes(x.Data.AsSpan()),
        _ => throw new NotSupportedException(),
    };
}
