using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// <see cref="AccumulationOrder.OnnxRuntimeCpu"/>: single Conv / Gemm / MatMul / GlobalAveragePool nodes give exactly
/// ONNX Runtime's bits (ORT_DISABLE_ALL, one thread; every operand a graph input, as in a QDQ graph where weights come
/// out of DequantizeLinear), and the ILGPU kernels give the host path's bits.
/// </summary>
public sealed class OrtOrderTests(ITestOutputHelper output, NnKernelTests.Accelerators fixture) : IClassFixture<NnKernelTests.Accelerators>
{
    private static readonly ExecutionOptions OrtOrderOptions = new() { Accumulation = AccumulationOrder.OnnxRuntimeCpu };

    private string Reproduce => $"reproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(OrtOrderTests)}\"";

    [Fact]
    public void ConvMatchesOnnxRuntimeBitForBit() => CheckAgainstOrt(ConvCases(new Random(RandomImages.RunSeed ^ 0x0c0e), 1));

    [Fact]
    public void GemmAndMatMulMatchOnnxRuntimeBitForBit() => CheckAgainstOrt(GemmCases(new Random(RandomImages.RunSeed ^ 0x6e33), 1));

    [Fact]
    public void GlobalAveragePoolMatchesOnnxRuntimeBitForBit() => CheckAgainstOrt(PoolCases(new Random(RandomImages.RunSeed ^ 0x9001)));

    [Fact]
    public void PrepackedGemmAndMatMulMatchOnnxRuntimeBitForBit() => CheckAgainstOrt(PackedCases(new Random(RandomImages.RunSeed ^ 0x9acb)));

    [Fact]
    public void ConvTransposeMatchesOnnxRuntimeBitForBit() => CheckAgainstOrt(ConvTransposeCases(new Random(RandomImages.RunSeed ^ 0xc7a5)));

    [Fact]
    public void CpuAcceleratorMatchesHost()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0x51a1);
        CheckDevice(fixture.CpuSimulator, [.. ConvCases(rng, 2), .. GemmCases(rng, 2), .. PoolCases(rng), .. ConvTransposeCases(rng), .. PackedCases(rng)]);
    }

    [Fact]
    public void CudaMatchesHost()
    {
        if (fixture.Cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        var rng = new Random(RandomImages.RunSeed ^ 0x51a2);
        CheckDevice(fixture.Cuda, [.. ConvCases(rng, 1), .. GemmCases(rng, 1), .. PoolCases(rng), .. ConvTransposeCases(rng), .. PackedCases(rng)]);
    }

    [Fact]
    public void ThreadCountDoesNotChangeBits()
    {
        output.WriteLine($"seed {RandomImages.RunSeed}");
        var rng = new Random(RandomImages.RunSeed ^ 0x7777);
        foreach (NnCase c in ConvCases(rng, 1).Concat(GemmCases(rng, 1)).Concat(ConvTransposeCases(rng)))
        {
            Tensor[] one = c.RunSysNoise(threads: 1, options: OrtOrderOptions);
            Tensor[] two = c.RunSysNoise(threads: 2, options: OrtOrderOptions);
            Assert.True(QdqOrtDiagnostics.SameBits(one[0], two[0]), $"{c}: 1 vs 2 threads differ\n{Reproduce}");
        }
    }

    private void CheckAgainstOrt(List<NnCase> cases)
    {
        output.WriteLine($"seed {RandomImages.RunSeed}");
        int sequentialDiffers = 0;
        foreach (NnCase c in cases)
        {
            var inputs = c.Inputs.Where(i => !i.Initializer).ToDictionary(i => i.Name, i => (Tensor)i.Tensor);
            var ort = (Tensor<float>)OrtOracle.Run(c.ToModel(), inputs)["y0"];
            var ours = (Tensor<float>)c.RunSysNoise(threads: 2, options: OrtOrderOptions)[0];
            var sequential = (Tensor<float>)c.RunSysNoise(threads: 2)[0];
            bool defaultSame = QdqOrtDiagnostics.SameBits(sequential, ort);
            sequentialDiffers += defaultSame ? 0 : 1;
            int differing = ours.Data.Zip(ort.Data).Count(p => BitConverter.SingleToInt32Bits(p.First) != BitConverter.SingleToInt32Bits(p.Second));
            output.WriteLine($"{c}: {(differing == 0 ? "bit-identical" : $"{differing} of {ort.Length} differ")} (default order: {(defaultSame ? "identical" : "differs")})");
            Assert.True(differing == 0, $"{c}: {differing} of {ort.Length} outputs differ from ONNX Runtime\n{Reproduce}");
        }

        output.WriteLine($"{cases.Count} cases bit-identical with ORT; the default order differs on {sequentialDiffers}");
    }

    private void CheckDevice(Device device, List<NnCase> cases)
    {
        output.WriteLine($"seed {RandomImages.RunSeed}; device {device.Name}");
        foreach (NnCase c in cases)
        {
            Tensor[] host = c.RunSysNoise(HostDevice.Shared, threads: 2, options: OrtOrderOptions);
            Tensor[] kernel = c.RunSysNoise(device, options: OrtOrderOptions);
            Assert.True(QdqOrtDiagnostics.SameBits(host[0], kernel[0]), $"{c} on {device.Name}: differs from the host\n{Reproduce}");
        }

        output.WriteLine($"{cases.Count} cases bit-identical");
    }

    private static NnInput In(Random rng, string name, params int[] shape) => new(name, NnRandomCases.Random(rng, shape));

    private static NnCase Conv(Random rng, int batch, int c, int h, int w, int oc, int k, int stride, int pad, int group, bool bias, int dilation = 1)
    {
        var inputs = new List<NnInput> { In(rng, "x", batch, c, h, w), In(rng, "w", oc, c / group, k, k) };
        if (bias)
        {
            inputs.Add(In(rng, "b", oc));
        }

        var attributes = new Dictionary<string, object>
        {
            ["kernel_shape"] = new long[] { k, k },
            ["strides"] = new long[] { stride, stride },
            ["pads"] = new long[] { pad, pad, pad, pad },
            ["dilations"] = new long[] { dilation, dilation },
            ["group"] = (long)group,
        };
        return new NnCase("Conv", attributes, inputs);
    }

    /// <summary>
    /// Every MLAS convolution path on one thread; <paramref name="shrink"/> 2 halves the sizes for the ILGPU simulator.
    /// K (= C/group · kernel) below and well above the 128 K-block, 1×1 and k×k, strides, pads, groups, depthwise.
    /// </summary>
    private static List<NnCase> ConvCases(Random rng, int shrink)
    {
        int s = shrink;
        return
        [
            Conv(rng, 1, 64 / s, 16 / s, 16 / s, 32, 1, 1, 0, 1, true),         // GemmDirect, one K block
            Conv(rng, 1, 300 / s, 8, 8, 40 / s, 1, 1, 0, 1, true),              // GemmDirect, N < K: K blocks of 256
            Conv(rng, 2, 320 / s, 20, 20, 24, 1, 1, 0, 1, false),               // GemmDirect, N ≥ K, 3 K blocks, batch 2
            Conv(rng, 1, 64 / s, 16, 16, 64 / s, 3, 1, 1, 1, true),             // ExpandThenGemmSegmented: chunks × K blocks
            Conv(rng, 1, 48 / s, 19, 23, 16, 3, 1, 1, 1, true),                 // segmented, ragged last chunk
            Conv(rng, 1, 32 / s, 8, 8, 128 / s, 3, 2, 1, 1, true),              // FilterCount > OutputSize: ExpandThenGemm
            Conv(rng, 1, 256 / s, 7, 7, 32, 3, 1, 1, 1, true),                  // K = 2304 ≫ 128
            Conv(rng, 1, 16, 3, 3, 8, 3, 1, 0, 1, true),                        // 1 output position: N = 1 dot kernel
            Conv(rng, 1, 16, 3, 3, 7, 3, 1, 0, 1, false),                       // N = 1, 7 rows: blocks of 4, 2, 1
            Conv(rng, 1, 32 / s, 16, 16, 32 / s, 3, 1, 1, 32 / s, true),        // depthwise 3×3: M = 1 kernel
            Conv(rng, 1, 24, 15, 15, 24, 3, 2, 1, 24, true),                    // depthwise stride 2
            Conv(rng, 1, 16, 12, 12, 32, 5, 1, 2, 16, false),                   // channel multiplier 2, 5×5
            Conv(rng, 1, 32, 10, 10, 48, 3, 1, 1, 2, true),                     // 2 groups
            Conv(rng, 1, 20 / s, 9, 9, 1, 3, 1, 1, 1, true),                    // one filter: M = 1 over K = 180
            Conv(rng, 1, 33, 6, 6, 1, 1, 1, 0, 1, true),                        // pointwise, one filter
            Conv(rng, 1, 12, 14, 14, 16, 3, 1, 2, 1, true, dilation: 2),        // dilation
            Conv(rng, 1, 3, 32 / s, 32 / s, 16, 7, 2, 3, 1, true),              // stem-like 7×7 stride 2
        ];
    }

    private static NnCase Gemm(Random rng, int m, int n, int k, bool transA, bool transB, bool bias, float alpha = 1f, float beta = 1f, bool rowBias = false)
    {
        var inputs = new List<NnInput> { transA ? In(rng, "a", k, m) : In(rng, "a", m, k), transB ? In(rng, "b", n, k) : In(rng, "b", k, n) };
        if (bias)
        {
            inputs.Add(rowBias ? In(rng, "c", m, n) : In(rng, "c", n));
        }

        var attributes = new Dictionary<string, object> { ["transA"] = transA ? 1L : 0L, ["transB"] = transB ? 1L : 0L, ["alpha"] = alpha, ["beta"] = beta };
        return new NnCase("Gemm", attributes, inputs);
    }

    private static NnCase MatMul(Random rng, int[] a, int[] b) => new("MatMul", new Dictionary<string, object>(), [In(rng, "a", a), In(rng, "b", b)]);

    private static List<NnCase> GemmCases(Random rng, int shrink)
    {
        int s = shrink;
        return
        [
            Gemm(rng, 1, 10, 64, false, true, true),                  // classifier head, batch 1: M = 1 dot kernel (4, 4, 2)
            Gemm(rng, 1, 13, 75, false, true, true),                  // 4·3 + 1 outputs, K not a multiple of 8
            Gemm(rng, 1, 37, 75, false, false, true),                 // M = 1, B plain: groups of 4/2/1
            Gemm(rng, 1, 9, 40, false, true, false),                  // no C
            Gemm(rng, 4, 10, 300 / s, false, true, true),             // general, N < K: one K block
            Gemm(rng, 3, 20, 2000 / s, false, true, true),            // K blocks of 1024 (N = 20 < K)
            Gemm(rng, 5, 300, 200, false, false, false),              // N ≥ K: K blocks of 128
            Gemm(rng, 6, 40, 90, true, false, true, rowBias: true),   // Aᵀ: no K widening
            Gemm(rng, 3, 11, 500 / s, true, true, true),              // Aᵀ and Bᵀ
            Gemm(rng, 2, 24, 150, false, true, true, 0.5f, 0.75f),    // alpha, beta: fma(partial, alpha, beta·C)
            Gemm(rng, 1, 12, 33, false, true, true, 1f, 2f),          // M = 1 with beta ≠ 1: the general kernel
            Gemm(rng, 2, 1, 70, false, false, true),                  // N = 1, contiguous: dot kernel over rows
            MatMul(rng, [2, 17, 64 / s], [64 / s, 48]),               // A's batch folded into M
            MatMul(rng, [6, 1, 40], [40, 20]),                        // folded: M = 6, not six M = 1 GEMMs
            MatMul(rng, [1, 64], [64, 10]),                           // M = 1
            MatMul(rng, [3, 5, 300 / s], [3, 300 / s, 7]),            // batched, N < K
            MatMul(rng, [2, 3, 1, 50], [2, 3, 50, 19]),               // batched M = 1
            MatMul(rng, [5, 64], [64]),                               // 1-D B: N = 1
            MatMul(rng, [64], [64, 9]),                               // 1-D A: M = 1
            MatMul(rng, [1, 4, 17, 16], [1, 4, 16, 17]),              // attention-like Q·Kᵀ shapes
        ];
    }

    private static List<NnCase> PoolCases(Random rng) =>
    [
        new("GlobalAveragePool", new Dictionary<string, object>(), [In(rng, "x", 2, 8, 7, 7)]),
        new("GlobalAveragePool", new Dictionary<string, object>(), [In(rng, "x", 1, 4, 1, 3)]),
        new("GlobalAveragePool", new Dictionary<string, object>(), [In(rng, "x", 1, 3, 16, 16)]),
        new("GlobalAveragePool", new Dictionary<string, object>(), [In(rng, "x", 1, 5, 13)]),
    ];

    private static NnCase ConvTranspose(Random rng, int batch, int c, int h, int w, int ocPerGroup, int k, int stride, int pad, int group, bool bias, int dilation = 1, int outputPadding = 0)
    {
        var inputs = new List<NnInput> { In(rng, "x", batch, c, h, w), In(rng, "w", c, ocPerGroup, k, k) };
        if (bias)
        {
            inputs.Add(In(rng, "b", ocPerGroup * group));
        }

        var attributes = new Dictionary<string, object>
        {
            ["kernel_shape"] = new long[] { k, k },
            ["strides"] = new long[] { stride, stride },
            ["pads"] = new long[] { pad, pad, pad, pad },
            ["dilations"] = new long[] { dilation, dilation },
            ["output_padding"] = new long[] { outputPadding, outputPadding },
            ["group"] = (long)group,
        };
        return new NnCase("ConvTranspose", attributes, inputs);
    }

    /// <summary>
    /// ConvTranspose: one MlasGemm (Wᵀ·X) per image and group, Col2im in (kh, kw) order, then the bias; PP-OCR's
    /// 2×2 stride-2 upsampling, overlapping 3×3/4×4 windows with padding and output_padding, groups, dilation, K blocks.
    /// </summary>
    private static List<NnCase> ConvTransposeCases(Random rng) =>
    [
        ConvTranspose(rng, 1, 8, 5, 5, 4, 2, 2, 0, 1, true),                       // PP-OCR DB head: 2×2 stride 2
        ConvTranspose(rng, 1, 6, 7, 6, 5, 3, 2, 1, 1, true, outputPadding: 1),     // overlapping, output_padding
        ConvTranspose(rng, 1, 16, 6, 6, 8, 4, 2, 1, 1, false),                     // 4×4 stride 2
        ConvTranspose(rng, 1, 8, 5, 5, 3, 3, 1, 1, 2, true),                       // 2 groups
        ConvTranspose(rng, 1, 4, 5, 5, 3, 3, 1, 0, 1, true, dilation: 2),          // dilation
        ConvTranspose(rng, 1, 300, 4, 4, 4, 2, 2, 0, 1, true),                     // K = 300: K blocks
        ConvTranspose(rng, 2, 5, 6, 6, 7, 3, 1, 1, 1, true),                       // batch 2, stride 1
    ];

    private static NnInput Constant(Random rng, string name, params int[] shape) => new(name, NnRandomCases.Random(rng, shape), Initializer: true);

    /// <summary>
    /// Constant weights, which ORT packs at load (MatMul/Gemm PrePack → MlasGemmPackB): K in fixed blocks of 256 and the
    /// general kernel even for M = 1 or N = 1; a rank-3 constant B is not packed (the unpacked rules hold); a constant
    /// ConvTranspose W is stored transposed (MlasGemm without Aᵀ).
    /// </summary>
    private static List<NnCase> PackedCases(Random rng) =>
    [
        new("MatMul", new Dictionary<string, object>(), [In(rng, "a", 3, 17, 300), Constant(rng, "b", 300, 40)]),    // 2 K blocks of 256
        new("MatMul", new Dictionary<string, object>(), [In(rng, "a", 1, 64), Constant(rng, "b", 64, 10)]),          // M = 1: no M1 kernel
        new("MatMul", new Dictionary<string, object>(), [In(rng, "a", 5, 600), Constant(rng, "b", 600, 1)]),         // N = 1: no swap
        new("MatMul", new Dictionary<string, object>(), [In(rng, "a", 2, 3, 200), Constant(rng, "b", 2, 200, 7)]),   // rank-3 B: not packed
        new("Gemm", new Dictionary<string, object> { ["transB"] = 1L }, [In(rng, "a", 1, 513), Constant(rng, "b", 10, 513), Constant(rng, "c", 10)]),
        new("Gemm", new Dictionary<string, object> { ["alpha"] = 0.5f, ["beta"] = 0.75f }, [In(rng, "a", 4, 270), Constant(rng, "b", 270, 33), In(rng, "c", 4, 33)]),
        new("ConvTranspose", new Dictionary<string, object> { ["kernel_shape"] = new long[] { 2, 2 }, ["strides"] = new long[] { 2, 2 } }, [In(rng, "x", 1, 300, 3, 5), Constant(rng, "w", 300, 4, 2, 2), Constant(rng, "b", 4)]),
    ];
}
