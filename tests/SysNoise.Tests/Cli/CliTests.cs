using System.Diagnostics;
using System.Text.Json;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;
using SysNoise.Tests.Support;

namespace SysNoise.Tests.Cli;

/// <summary>The sysnoise command as a user runs it: a separate process, real exit codes, stdout and stderr.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("sysnoise-cli-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public void VariantsListsEveryVariantWithStageAndVersion()
    {
        (int code, string stdout, _) = Run("variants");
        Assert.Equal(0, code);
        foreach (IVariant v in VariantRegistry.All)
        {
            Assert.Contains(v.Name, stdout, StringComparison.Ordinal);
            Assert.Contains(v.ProvenAgainst, stdout, StringComparison.Ordinal);
        }

        (code, stdout, _) = Run("variants", "--stage", "resize", "--json");
        Assert.Equal(0, code);
        using JsonDocument json = JsonDocument.Parse(stdout);
        Assert.Equal(VariantRegistry.Resize.Count(), json.RootElement.GetArrayLength());
        Assert.All(json.RootElement.EnumerateArray(), e => Assert.Equal("resize", e.GetProperty("stage").GetString()));
    }

    [Fact]
    public void ResizeWritesTheVariantsBytes()
    {
        var image = new Tensor<byte>(RandomImages.Bytes(new Random(3), 31, 45, 3), 31, 45, 3);
        string input = Path.Combine(dir, "in.npy"), outPath = Path.Combine(dir, "out.npy");
        NpyFormat.Write(input, image);
        (int code, string stdout, string stderr) = Run("resize", "--variant", "opencv-linear", "--size", "20x17", input, outPath);
        Assert.True(code == 0, stderr);
        Assert.Contains("opencv-linear", stdout, StringComparison.Ordinal);
        var written = (Tensor<byte>)NpyFormat.Read(outPath);
        Assert.Equal([17, 20, 3], written.Shape);
        byte[] expected = VariantRegistry.Get<IResizeVariant>("opencv-linear").Resize(HostDevice.Shared, image, 20, 17).Data;
        Assert.Equal(expected, written.Data);

        // An image file works as input too.
        string png = Path.Combine(dir, "in.png");
        ImageFile.WritePng(png, image);
        (code, _, stderr) = Run("resize", "--variant", "pillow-bicubic", "--size", "9x40", png, outPath);
        Assert.True(code == 0, stderr);
        Assert.Equal([40, 9, 3], NpyFormat.Read(outPath).Shape);
    }

    [Fact]
    public void DiffReportsAndExitsByOutcome()
    {
        var a = new Tensor<byte>([1, 2, 3, 4, 5, 6], 2, 3);
        var b = new Tensor<byte>([1, 2, 9, 4, 5, 7], 2, 3);
        string pa = Path.Combine(dir, "a.npy"), pb = Path.Combine(dir, "b.npy"), pc = Path.Combine(dir, "c.npy");
        NpyFormat.Write(pa, a);
        NpyFormat.Write(pb, b);
        NpyFormat.Write(pc, new Tensor<byte>(new byte[6], 3, 2));

        (int code, string stdout, _) = Run("diff", pa, pa);
        Assert.Equal(0, code);
        Assert.Contains("differing: 0 of 6", stdout, StringComparison.Ordinal);

        (code, stdout, _) = Run("diff", pa, pb);
        Assert.Equal(1, code);
        Assert.Contains("differing: 2 of 6 (33.3333%)", stdout, StringComparison.Ordinal);
        Assert.Contains("max |A-B|: 6", stdout, StringComparison.Ordinal);
        Assert.Contains("first difference: index (0, 2)", stdout, StringComparison.Ordinal);
        Assert.Contains("histogram", stdout, StringComparison.Ordinal);

        (code, stdout, _) = Run("diff", "--json", pa, pb);
        Assert.Equal(1, code);
        Assert.Equal(2, JsonDocument.Parse(stdout).RootElement.GetProperty("differing").GetInt64());

        (code, _, string stderr) = Run("diff", pa, pc);
        Assert.Equal(2, code);
        Assert.Contains("mismatched shapes", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown resize variant 'bogus'. Valid: ", "resize", "--variant", "bogus", "--size", "4x4", "IN", "OUT")]
    [InlineData("bad size '4x'", "resize", "--variant", "pillow-box", "--size", "4x", "IN", "OUT")]
    [InlineData("bad size '0x3'", "resize", "--variant", "pillow-box", "--size", "0x3", "IN", "OUT")]
    [InlineData("missing.npy: no such file", "resize", "--variant", "pillow-box", "--size", "4x4", "MISSING", "OUT")]
    [InlineData("missing.npy: no such file", "diff", "MISSING", "IN")]
    [InlineData("unknown stage 'nope'", "variants", "--stage", "nope")]
    [InlineData("'--variant' is required", "resize", "--size", "4x4", "IN", "OUT")]
    public void ErrorsAreOneLineWithExitCode2(string message, params string[] args)
    {
        string input = Path.Combine(dir, "in.npy");
        NpyFormat.Write(input, new Tensor<byte>(new byte[12], 2, 2, 3));
        string[] resolved = args.Select(a => a switch
        {
            "IN" => input,
            "OUT" => Path.Combine(dir, "out.npy"),
            "MISSING" => Path.Combine(dir, "missing.npy"),
            _ => a,
        }).ToArray();
        (int code, _, string stderr) = Run(resolved);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal); // no stack trace
    }

    [Theory]
    [InlineData("resize")]
    [InlineData("color")]
    [InlineData("variants")]
    [InlineData("diff")]
    [InlineData("devices")]
    [InlineData("resize-noise")]
    [InlineData("run")]
    [InlineData("onnx-test")]
    [InlineData("model-info")]
    public void EveryVerbHasHelp(string verb)
    {
        (int code, string stdout, _) = Run(verb, "--help");
        Assert.Equal(0, code);
        Assert.Contains("Usage:", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void DevicesShowsWhatRunsWhere()
    {
        (int code, string stdout, _) = Run("devices");
        Assert.Equal(0, code);
        Assert.Contains("host", stdout, StringComparison.Ordinal);
        Assert.Contains("auto", stdout, StringComparison.Ordinal);
    }

    /// <summary>Runs the built sysnoise.dll in its own process.</summary>
    internal static (int Code, string Stdout, string Stderr) Run(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(TestPaths.AssemblyFolder, "sysnoise.dll"));
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var p = Process.Start(info)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }
}
