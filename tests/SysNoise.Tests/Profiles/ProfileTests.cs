using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Pipeline;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Tensors;
using Xunit.Abstractions;

namespace SysNoise.Tests.Profiles;

public sealed class ProfileTests(ITestOutputHelper output)
{
    [Fact]
    public void BuiltinsLoadAndReferOnlyToRealVariants()
    {
        Assert.Contains("pytorch-pil", ProfileLoader.Builtins.Keys);
        DeploymentProfile train = ProfileLoader.Builtins["pytorch-pil"];
        Assert.Equal("pil", train.Decode);
        Assert.Equal("pillow-bilinear", train.Resize);
        Assert.Equal(Precision.Fp32, train.Precision);
        Assert.False(train.CeilMode);
        DeploymentProfile npu = ProfileLoader.Builtins["npu-int8"];
        Assert.Equal(Precision.Int8Int, npu.Precision);
        Assert.True(npu.CeilMode);
        Assert.Equal("opencv-i420", npu.Color);
        Assert.Equal(train.Transform, npu.Transform); // extends keeps the transform
        foreach (DeploymentProfile p in ProfileLoader.Builtins.Values)
        {
            _ = new Preprocessor(p); // every variant name resolves
            output.WriteLine($"{p.Name}: {p.Description}");
        }
    }

    [Theory]
    [InlineData("name: x\nresise: opencv-linear\n", ":2: unknown key 'resise' in profile; valid keys: name, description, extends, decode, resize")]
    [InlineData("name: x\ndecode: libjpeg-turbo\n", ":2: invalid decode 'libjpeg-turbo'; valid values: libjpeg-islow, libjpeg-ifast")]
    [InlineData("name: x\ntransform:\n  crop: 224\n  layuot: nchw\n", ":4: unknown key 'layuot' in transform; valid keys: mode, crop")]
    [InlineData("name: x\ntransform:\n  mean: [1, 2]\n", ":3: 'mean' must be a list of 3 numbers")]
    [InlineData("name: x\nprecision: int4\n", ":2: invalid precision 'int4'; valid values: fp32, fp16, fp16-acc16, int8-qdq, int8-int")]
    [InlineData("name: x\nceil_mode: yes\n", ":2: invalid ceil_mode 'yes'; valid values: model, on, off")]
    [InlineData("name: x\nquantization:\n  requantization: nearest\n", ":3: invalid requantization 'nearest'; valid values: double-rounding, single-rounding")]
    [InlineData("decode: pil\n", "the profile has no name")]
    public void InvalidProfilesNameTheLineAndTheValidValues(string yaml, string expected)
    {
        var ex = Assert.Throws<ProfileException>(() => ProfileLoader.Parse(yaml, "my.yaml"));
        output.WriteLine(ex.Message);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.StartsWith("my.yaml", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void QuantizationSettingsIncludeTheRequantization()
    {
        DeploymentProfile p = ProfileLoader.Parse("name: q\nextends: npu-int8\nprecision: int8-int\nquantization:\n  requantization: single-rounding\n  rounding: half-away-from-zero\n", "q.yaml");
        Assert.Equal(Precision.Int8Int, p.Precision);
        Assert.Equal(RequantizationMode.SingleRounding, p.Quantization.Requantization);
        Assert.Equal(QuantRounding.HalfAwayFromZero, p.Quantization.Rounding);
        Assert.Equal(RequantizationMode.DoubleRounding, ProfileLoader.Builtins["npu-int8"].Quantization.Requantization);
    }

    [Fact]
    public void ExtendsOverridesOnlyWhatItSays()
    {
        DeploymentProfile p = ProfileLoader.Parse("name: mine\nextends: opencv-server\nprecision: fp16\ntransform:\n  crop: 64\n  mode: direct\n", "mine.yaml");
        Assert.Equal("opencv", p.Decode);
        Assert.Equal("opencv-linear", p.Resize);
        Assert.Equal(Precision.Fp16, p.Precision);
        Assert.Equal(64, p.Transform.Crop);
        Assert.Equal(ResizeMode.Direct, p.Transform.Mode);
        Assert.Equal([0.485f, 0.456f, 0.406f], p.Transform.Mean);
    }

    [Theory]
    [InlineData(500, 375, 256, 341, 256)]
    [InlineData(375, 500, 256, 256, 341)]
    [InlineData(256, 256, 256, 256, 256)]
    public void ShorterSideResizeIsTorchvisions(int w, int h, int target, int ew, int eh)
    {
        Assert.Equal((ew, eh), Preprocessor.ShorterSide(w, h, target));
    }

    [Fact]
    public void CenterCropRoundsHalfToEvenLikePython()
    {
        // (257 - 224) / 2 = 16.5 rounds to 16 in Python 3; (259 - 224) / 2 = 17.5 rounds to 18.
        var img = new Tensor<byte>(Enumerable.Range(0, 259 * 1 * 1).Select(i => (byte)(i % 251)).ToArray(), 259, 1, 1);
        Assert.Equal(img.Data[18], Preprocessor.CenterCrop(img, 1, 224).Data[0]);
        var img2 = new Tensor<byte>(Enumerable.Range(0, 257).Select(i => (byte)(i % 251)).ToArray(), 257, 1, 1);
        Assert.Equal(img2.Data[16], Preprocessor.CenterCrop(img2, 1, 224).Data[0]);
    }
}

/// <summary>The pytorch-pil profile's pre-processing against torchvision 0.14 itself, on real photographs.</summary>
public sealed class TorchvisionPreprocessTests(ITestOutputHelper output)
{
    [Fact]
    public void PytorchPilProfileIsTorchvisionsEvalTransformBitForBit()
    {
        var files = SysNoise.Tests.Decode.JpegCorpus.Files
            .Where(f => Path.GetFileNameWithoutExtension(f).Split('_')[^1].Split('x').Select(int.Parse).Min() >= 40)
            .Take(24).ToList();
        string dir = Directory.CreateTempSubdirectory("sysnoise-tv-").FullName;
        try
        {
            const int resize = 36, crop = 32; // small so that every corpus crop qualifies; the same code path as 256/224
            string[] lines = SysNoise.Tests.Oracles.PythonOracle.Run(SysNoise.Tests.Oracles.PythonOracle.Script("torchvision_preprocess.py"), [dir, resize.ToString(), crop.ToString(), .. files])
                .Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(files.Count, lines.Length);
            DeploymentProfile profile = ProfileLoader.Builtins["pytorch-pil"] with { Transform = ProfileLoader.Builtins["pytorch-pil"].Transform with { Crop = crop, ResizeTo = resize } };
            var pre = new Preprocessor(profile);
            foreach (string file in files)
            {
                byte[] raw = File.ReadAllBytes(Path.Combine(dir, Path.GetFileName(file) + ".raw"));
                float[] expected = new float[raw.Length / 4];
                Buffer.BlockCopy(raw, 0, expected, 0, raw.Length);
                Tensor<float> ours = pre.Run(File.ReadAllBytes(file), file);
                Assert.Equal(new[] { 3, crop, crop }, ours.Shape);
                string? diff = SysNoise.Tests.Support.Compare.Bytes(expected, ours.Data);
                Assert.True(diff is null, $"{Path.GetFileName(file)} (seed {SysNoise.Tests.Decode.JpegCorpus.Seed}): {diff}");
            }

            output.WriteLine($"seed {SysNoise.Tests.Decode.JpegCorpus.Seed}: {files.Count} photographs, pytorch-pil == torchvision Resize/CenterCrop/ToTensor/Normalize bit for bit");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
