using System.Globalization;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Quantization;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>One random Resize/Upsample node: the model, its input, and a description that reproduces it.</summary>
public sealed record ResizeCaseModel(string Label, byte[] Model, Tensor Input, bool OrtComparable);

/// <summary>Random Resize/Upsample configurations over every attribute.</summary>
public static class RandomResizeCases
{
    private static readonly string[] Coordinates = ["half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"];
    private static readonly string[] NearestModes = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];

    public static ResizeCaseModel Next(Random rng, bool fourD = false, DType type = DType.Float32)
    {
        int kind = rng.Next(10);
        if (kind == 0)
        {
            return Upsample(rng, type);
        }

        int opset = new[] { 10, 11, 13, 18, 19 }[rng.Next(5)];
        int rank = fourD ? 4 : 1 + rng.Next(4);
        int[] shape = Enumerable.Range(0, rank).Select(d => rank == 4 && d < 2 ? 1 + rng.Next(3) : 1 + rng.Next(9)).ToArray();
        string mode = type is DType.Float32 or DType.Float64 ? new[] { "nearest", "linear", "cubic" }[rng.Next(3)] : "nearest";
        if (opset == 10 && mode == "cubic")
        {
            mode = "linear";
        }

        var attrs = new List<(string, object)> { ("mode", mode) };
        string coord = "asymmetric";
        bool antialias = false;
        int[] axes = Enumerable.Range(0, rank).ToArray();
        if (opset >= 11)
        {
            var allowed = Coordinates.Where(c => (c != "half_pixel_symmetric" || opset >= 19) && (c != "tf_half_pixel_for_nn" || opset == 11)).ToArray();
            coord = allowed[rng.Next(allowed.Length)];
            attrs.Add(("coordinate_transformation_mode", coord));
            attrs.Add(("nearest_mode", NearestModes[rng.Next(4)]));
            if (rng.Next(3) == 0)
            {
                attrs.Add(("cubic_coeff_a", rng.Next(2) == 0 ? -0.5f : -0.75f));
            }

            if (rng.Next(3) == 0)
            {
                attrs.Add(("exclude_outside", 1L));
            }

            if (coord == "tf_crop_and_resize")
            {
                attrs.Add(("extrapolation_value", (float)Math.Round((rng.NextDouble() * 4) - 2, 2)));
            }
        }

        if (opset >= 18)
        {
            if (mode != "nearest" && rng.Next(2) == 0)
            {
                antialias = true;
                attrs.Add(("antialias", 1L));
            }

            if (!fourD && rank > 1 && rng.Next(3) == 0)
            {
                axes = Enumerable.Range(0, rank).Where(_ => rng.Next(2) == 0).ToArray();
                if (axes.Length == 0)
                {
                    axes = [rank - 1];
                }

                if (rng.Next(2) == 0)
                {
                    axes = axes.Reverse().ToArray();
                }

                attrs.Add(("axes", axes.Select(a => (long)(rng.Next(2) == 0 ? a : a - rank)).ToArray()));
            }
        }

        if (fourD)
        {
            axes = [0, 1, 2, 3];
        }

        bool useSizes = opset >= 11 && rng.Next(2) == 0;
        var b = new OnnxModelBuilder(opset).Input("x", type, shape).Output("y", type);
        var inputs = new List<string> { "x" };
        float[] roi = [];
        if (opset >= 11)
        {
            if (coord == "tf_crop_and_resize")
            {
                roi = new float[2 * axes.Length];
                for (int i = 0; i < axes.Length; i++)
                {
                    bool spatial = !fourD || axes[i] >= 2;
                    roi[i] = spatial ? (float)Math.Round((rng.NextDouble() * 0.8) - 0.2, 2) : 0f;
                    roi[axes.Length + i] = spatial ? (float)Math.Round(roi[i] + 0.2 + (rng.NextDouble() * 0.9), 2) : 1f;
                }
            }

            b.Initializer("roi", new Tensor<float>(roi, roi.Length));
            inputs.Add("roi");
        }

        string label;
        if (useSizes)
        {
            long[] sizes = axes.Select(a => fourD && a < 2 ? (long)shape[a] : 1 + rng.Next(12)).ToArray();
            string policy = "stretch";
            if (opset >= 18 && rng.Next(3) == 0)
            {
                policy = rng.Next(2) == 0 ? "not_larger" : "not_smaller";
                attrs.Add(("keep_aspect_ratio_policy", policy));
            }

            b.Initializer("scales", new Tensor<float>([], 0));
            b.Initializer("sizes", new Tensor<long>(sizes, sizes.Length));
            inputs.AddRange(["scales", "sizes"]);
            label = $"sizes [{string.Join(", ", sizes)}] policy {policy}";
        }
        else
        {
            float[] scales = axes.Select(a => fourD && a < 2 ? 1f : new[] { 0.5f, 2f, 3f, 0.25f, 1.5f, 0.6f, 1.7f, 0.8f, 1f, 2.5f, 0.33f }[rng.Next(11)]).ToArray();
            b.Initializer("scales", new Tensor<float>(scales, scales.Length));
            inputs.Add("scales");
            label = $"scales [{string.Join(", ", scales.Select(s => s.ToString(CultureInfo.InvariantCulture)))}]";
        }

        b.Node("Resize", inputs.ToArray(), ["y"], attrs.ToArray());
        string text = $"Resize-{opset} x {string.Join("x", shape)} {type} {string.Join(" ", attrs.Select(a => $"{a.Item1}={Format(a.Item2)}"))} {label} roi [{string.Join(", ", roi.Select(r => r.ToString(CultureInfo.InvariantCulture)))}]";
        return new ResizeCaseModel(text, b.ToBytes(), RandomInput(rng, type, shape), fourD && !antialias);
    }

    private static ResizeCaseModel Upsample(Random rng, DType type)
    {
        int opset = rng.Next(2) == 0 ? 7 : 9;
        int[] shape = [1 + rng.Next(2), 1 + rng.Next(3), 1 + rng.Next(8), 1 + rng.Next(8)];
        float[] scales = [1f, 1f, new[] { 1f, 2f, 3f, 1.5f, 0.5f }[rng.Next(5)], new[] { 1f, 2f, 3f, 2.5f, 0.5f }[rng.Next(5)]];
        string mode = type == DType.Float32 && rng.Next(2) == 0 ? "linear" : "nearest";
        var b = new OnnxModelBuilder(opset).Input("x", type, shape).Output("y", type);
        if (opset == 7)
        {
            b.Node("Upsample", ["x"], ["y"], ("mode", mode), ("scales", scales));
        }
        else
        {
            b.Initializer("scales", new Tensor<float>(scales, 4));
            b.Node("Upsample", ["x", "scales"], ["y"], ("mode", mode));
        }

        return new ResizeCaseModel($"Upsample-{opset} x {string.Join("x", shape)} {type} mode={mode} scales [{string.Join(", ", scales.Select(s => s.ToString(CultureInfo.InvariantCulture)))}]", b.ToBytes(), RandomInput(rng, type, shape), true);
    }

    public static Tensor RandomInput(Random rng, DType type, int[] shape)
    {
        int n = (int)Tensor.ElementCount(shape);
        return type switch
        {
            DType.Float32 => new Tensor<float>(Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 20) - 10)).ToArray(), shape),
            DType.Float64 => new Tensor<double>(Enumerable.Range(0, n).Select(_ => (rng.NextDouble() * 20) - 10).ToArray(), shape),
            DType.UInt8 => new Tensor<byte>(Enumerable.Range(0, n).Select(_ => (byte)rng.Next(256)).ToArray(), shape),
            DType.Int8 => new Tensor<sbyte>(Enumerable.Range(0, n).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray(), shape),
            DType.Int32 => new Tensor<int>(Enumerable.Range(0, n).Select(_ => rng.Next()).ToArray(), shape),
            DType.Int64 => new Tensor<long>(Enumerable.Range(0, n).Select(_ => rng.NextInt64()).ToArray(), shape),
            _ => throw new NotSupportedException(type.ToString()),
        };
    }

    private static string Format(object v) => v switch
    {
        long[] l => "[" + string.Join(",", l) + "]",
        float f => f.ToString(CultureInfo.InvariantCulture),
        _ => v.ToString()!,
    };
}

/// <summary>Resize/Upsample: the ILGPU kernels give the host loops' bits; the noise knobs act.</summary>
public sealed class ResizeQuantParityTests(ITestOutputHelper output, ResizeQuantAccelerators fixture) : IClassFixture<ResizeQuantAccelerators>
{
    [Theory]
    [InlineData(DType.Float32, 160)]
    [InlineData(DType.Float64, 30)]
    [InlineData(DType.UInt8, 30)]
    [InlineData(DType.Int64, 20)]
    public void CpuAcceleratorMatchesHost(DType type, int cases) => Check(fixture.CpuSimulator, type, cases);

    [Theory]
    [InlineData(DType.Float32, 400)]
    [InlineData(DType.Float64, 60)]
    [InlineData(DType.UInt8, 60)]
    public void CudaMatchesHost(DType type, int cases)
    {
        if (fixture.Cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        Check(fixture.Cuda, type, cases);
    }

    private void Check(IlgpuDevice device, DType type, int cases)
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, type, device.Kind) & int.MaxValue);
        output.WriteLine($"seed {RandomImages.RunSeed}; {device.Name}");
        for (int i = 0; i < cases; i++)
        {
            ResizeCaseModel c = RandomResizeCases.Next(rng, type: type);
            OnnxModel model = OnnxLoader.Load(c.Model, "resize.onnx", Path.GetTempPath());
            var inputs = new Dictionary<string, Tensor> { ["x"] = c.Input };
            Tensor host = new OnnxSession(model).Run(inputs)["y"];
            Tensor kernel = new OnnxSession(model, device: device).Run(inputs)["y"];
            Assert.Equal(host.Shape, kernel.Shape);
            for (long k = 0; k < host.Length; k++)
            {
                Assert.True(BitConverter.DoubleToInt64Bits(host.GetAsDouble(k)) == BitConverter.DoubleToInt64Bits(kernel.GetAsDouble(k)), $"case {i} {c.Label}: element {k} host {host.GetAsDouble(k):R} kernel {kernel.GetAsDouble(k):R}");
            }
        }
    }
}

/// <summary>
/// Resize against ONNX Runtime 1.31.1 on random 4-D NCHW cases where the ONNX reference (which SysNoise follows) and
/// ORT define the same computation: H and W resized to given sizes (so scale·in is the integer output length),
/// coordinate modes half_pixel, asymmetric, align_corners, pytorch_half_pixel, opsets 11–19. Nearest must pick the
/// same source element, except where the source coordinate lies within 1e-9 of a rounding boundary: SysNoise computes
/// coordinates in float64 as the ONNX reference does, ORT in float32, so there ORT may take the other neighbour (those
/// elements must equal that neighbour, and are counted). Linear and cubic are float32 sums whose weights ORT computes
/// in float32 and SysNoise in float64: linear must agree within 16 float32 ulps of max|x|, cubic within 256 (ORT
/// evaluates the cubic polynomials and the exclude_outside renormalisation in float32; observed up to ~100).
/// </summary>
public sealed class ResizeQuantOrtResizeTests(ITestOutputHelper output)
{
    private static readonly string[] Coordinates = ["half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel"];
    private static readonly string[] NearestModes = ["round_prefer_floor", "round_prefer_ceil", "floor", "ceil"];

    [Theory]
    [InlineData("nearest")]
    [InlineData("linear")]
    [InlineData("cubic")]
    public void AgreesWithOrt(string mode)
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "ortresize", mode) & int.MaxValue);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        int identical = 0, ties = 0;
        double worst = 0;
        const int Cases = 150;
        for (int i = 0; i < Cases; i++)
        {
            int opset = new[] { 11, 13, 18, 19 }[rng.Next(4)];
            int[] shape = [1 + rng.Next(2), 1 + rng.Next(3), 1 + rng.Next(12), 1 + rng.Next(12)];
            long[] sizes = [shape[0], shape[1], 1 + rng.Next(20), 1 + rng.Next(20)];
            string coord = Coordinates[rng.Next(Coordinates.Length)];
            var attrs = new List<(string, object)> { ("mode", mode), ("coordinate_transformation_mode", coord), ("nearest_mode", NearestModes[rng.Next(4)]) };
            if (mode == "cubic")
            {
                attrs.Add(("cubic_coeff_a", rng.Next(2) == 0 ? -0.5f : -0.75f));
                if (rng.Next(2) == 0)
                {
                    attrs.Add(("exclude_outside", 1L));
                }
            }

            var b = new OnnxModelBuilder(opset).Input("x", DType.Float32, shape).Output("y", DType.Float32)
                .Initializer("roi", new Tensor<float>([], 0)).Initializer("scales", new Tensor<float>([], 0)).Initializer("sizes", new Tensor<long>(sizes, 4));
            b.Node("Resize", ["x", "roi", "scales", "sizes"], ["y"], attrs.ToArray());
            string label = $"Resize-{opset} {string.Join("x", shape)} -> {string.Join("x", sizes)} {string.Join(" ", attrs.Select(a => $"{a.Item1}={a.Item2}"))}";
            var x = (Tensor<float>)RandomResizeCases.RandomInput(rng, DType.Float32, shape);
            var inputs = new Dictionary<string, Tensor> { ["x"] = x };
            var ort = (Tensor<float>)OrtOracle.Run(b.ToBytes(), inputs)["y"];
            var ours = (Tensor<float>)new OnnxSession(OnnxLoader.Load(b.ToBytes(), "r.onnx", Path.GetTempPath())).Run(inputs)["y"];
            Assert.Equal(ort.Shape, ours.Shape);
            float magnitude = x.Data.Max(MathF.Abs);
            bool same = true;
            for (int k = 0; k < ort.Data.Length; k++)
            {
                float e = ort.Data[k], a = ours.Data[k];
                same &= BitConverter.SingleToInt32Bits(e) == BitConverter.SingleToInt32Bits(a);
                double err = Math.Abs((double)a - e) / (magnitude * Math.Pow(2, -23));
                worst = Math.Max(worst, err);
                if (mode == "nearest")
                {
                    if (!e.Equals(a))
                    {
                        Assert.True(NearTieNeighbour(x, shape, sizes, coord, k, e), $"{label}: element {k}: ours {a:R}, ORT {e:R}");
                        ties++;
                    }
                }
                else
                {
                    Assert.True(err <= (mode == "linear" ? 16 : 256), $"{label}: element {k}: ours {a:R}, ORT {e:R} ({err:F1} ulps of max|x| = {magnitude})");
                }
            }

            identical += same ? 1 : 0;
        }

        output.WriteLine($"{mode}: {identical} of {Cases} cases bit-identical to ORT; worst difference {worst:F2} float32 ulps of max|x|; {ties} nearest elements at float32/float64 coordinate ties");
    }

    /// <summary>
    /// True when output element k's H or W source coordinate (float64) lies within 1e-9 of a nearest-rounding boundary
    /// and <paramref name="ort"/> is the input value at one of the candidate neighbours.
    /// </summary>
    private static bool NearTieNeighbour(Tensor<float> x, int[] shape, long[] sizes, string coord, int k, float ort)
    {
        int ow = (int)sizes[3], oh = (int)sizes[2];
        int w = k % ow, h = (k / ow) % oh, nc = k / (ow * oh);
        int[] Candidates(int o, int inLen, int outLen)
        {
            double scale = outLen / (double)inLen;
            double c = coord switch
            {
                "asymmetric" => o / scale,
                "align_corners" => outLen == 1 ? 0 : o * (inLen - 1.0) / (outLen - 1.0),
                "pytorch_half_pixel" => outLen == 1 ? 0 : ((o + 0.5) / scale) - 0.5,
                _ => ((o + 0.5) / scale) - 0.5,
            };
            double frac = c - Math.Floor(c);
            bool nearTie = Math.Abs(frac) < 1e-9 || Math.Abs(frac - 1) < 1e-9 || Math.Abs(frac - 0.5) < 1e-9;
            int lo = (int)Math.Floor(c + 0.5 - 1e-9) - 1, hi = (int)Math.Ceiling(c + 1e-9) + 1;
            return nearTie ? Enumerable.Range(lo, hi - lo + 1).Select(i => Math.Clamp(i, 0, inLen - 1)).Distinct().ToArray() : [];
        }

        int[] hs = Candidates(h, shape[2], oh), ws = Candidates(w, shape[3], ow);
        if (hs.Length == 0 && ws.Length == 0)
        {
            return false;
        }

        // The axis that is not at a tie may take any index (its own choice is checked by the other elements).
        hs = hs.Length == 0 ? Enumerable.Range(0, shape[2]).ToArray() : hs;
        ws = ws.Length == 0 ? Enumerable.Range(0, shape[3]).ToArray() : ws;
        return hs.Any(hi => ws.Any(wi => x.Data[(((long)nc * shape[2]) + hi) * shape[3] + wi].Equals(ort)));
    }
}
