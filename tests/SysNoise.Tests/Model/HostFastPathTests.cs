using System.Runtime.Intrinsics;
using SysNoise.Kernels.Model.Elementwise;
using SysNoise.Kernels.Model.Nn;
using SysNoise.Kernels.Model.Resize;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// The host path's speed-ups keep every bit: 16-lane forms of the elementwise ops against their scalar forms (special
/// values included); the convolution epilogue (absorbed Add / Relu / Clip) against the unfused ops; and whole zoo models
/// run with recycled buffers and fused epilogues against the same session's per-value dump (which runs every node by
/// itself on fresh arrays — the path the ILGPU simulator tests compare node by node).
/// </summary>
public sealed class HostFastPathTests(ITestOutputHelper output)
{
    private static string Reproduce => $"reproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(HostFastPathTests)}\"";

    private static readonly float[] Specials =
    [
        0f, -0f, float.NaN, -float.NaN, BitConverter.Int32BitsToSingle(0x7FA00001), float.PositiveInfinity, float.NegativeInfinity, float.Epsilon, -float.Epsilon,
        1e-40f, -1e-40f, float.MaxValue, -float.MaxValue, 1f, -1f, 6f, 6.0000005f, 5.9999995f, 3e38f, -3e38f,
    ];

    [Fact]
    public void VectorFormsMatchScalarForms()
    {
        if (!Vector512.IsHardwareAccelerated)
        {
            output.WriteLine("no AVX-512: the host loops use the scalar forms; nothing to compare");
            return;
        }

        var rng = new Random(RandomImages.RunSeed ^ 0x7ec);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        (float Lo, float Hi)[] bounds = [(0f, 6f), (-1.5f, 2.25f), (float.NegativeInfinity, float.PositiveInfinity), (float.MinValue, float.MaxValue), (-0f, 0f), (0f, -0f), (3f, 3f), (2f, -2f)];
        int lanes = 0;
        for (int round = 0; round < 2000; round++)
        {
            float[] a = Lanes(rng), b = Lanes(rng);
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            CheckUnary(default(ReluOp), va, a, "Relu");
            (float lo, float hi) = bounds[round % bounds.Length];
            CheckUnary(new ClipOp(lo, hi), va, a, $"Clip({lo:R}, {hi:R})");
            CheckBinary(default(AddOp), va, vb, a, b, "Add");
            CheckBinary(default(SubOp), va, vb, a, b, "Sub");
            CheckBinary(default(MulOp), va, vb, a, b, "Mul");
            CheckBinary(default(DivOp), va, vb, a, b, "Div");
            CheckUnary(default(SigmoidOp), va, a, "Sigmoid");
            // Sigmoid across e^x's whole double range (2^k from 2^0 down past float's subnormals, and the −745.2 cut).
            float[] wide = [.. Enumerable.Range(0, 16).Select(_ => (float)((rng.NextDouble() * 1600) - 800))];
            CheckUnary(default(SigmoidOp), Vector512.Create(wide), wide, "Sigmoid");
            lanes += 16;
        }

        output.WriteLine($"{lanes} lanes per op (Relu, Clip with {bounds.Length} bound pairs, Add, Sub, Mul, Div, Sigmoid twice) bit-identical");
    }

    private static void CheckUnary<TOp>(TOp op, Vector512<float> v, float[] x, string name)
        where TOp : struct, IVectorUnaryOp
    {
        Vector512<float> r = op.Apply(v);
        for (int i = 0; i < 16; i++)
        {
            float want = op.Apply(x[i]);
            Assert.True(Same(want, r[i]), $"{name}({x[i]:R} = 0x{BitConverter.SingleToInt32Bits(x[i]):X8}): vector {r[i]:R} (0x{BitConverter.SingleToInt32Bits(r[i]):X8}), scalar {want:R} (0x{BitConverter.SingleToInt32Bits(want):X8})\n{Reproduce}");
        }
    }

    private static void CheckBinary<TOp>(TOp op, Vector512<float> va, Vector512<float> vb, float[] a, float[] b, string name)
        where TOp : struct, IVectorBinaryOp
    {
        Vector512<float> r = op.Apply(va, vb);
        for (int i = 0; i < 16; i++)
        {
            float want = op.Apply(a[i], b[i]);
            Assert.True(Same(want, r[i]), $"{name}({a[i]:R}, {b[i]:R}): vector {r[i]:R} (0x{BitConverter.SingleToInt32Bits(r[i]):X8}), scalar {want:R} (0x{BitConverter.SingleToInt32Bits(want):X8})\n{Reproduce}");
        }
    }

    /// <summary>
    /// Conv + epilogue (Add in both operand orders, Relu, Clip) equals the convolution followed by the scalar ops, on
    /// the GEMM path (1×1, 3×3, strided, grouped) and the depthwise path, with special values in the Add operand.
    /// </summary>
    [Fact]
    public void ConvEpilogueEqualsTheUnfusedOps()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0xe91);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        int cases = 0;
        foreach (NnGeometry g in ConvGeometries(rng))
        {
            float[] x = RandomArray(rng, (long)g.Batch * g.Channels * g.InSpatial, specials: false);
            float[] w = RandomArray(rng, (long)g.OutChannels * g.GroupChannels * g.KernelSpatial, specials: false);
            float[]? bias = rng.Next(3) == 0 ? null : RandomArray(rng, g.OutChannels, specials: false);
            float[] packed = ConvHost.PackWeights(w, g);
            var plain = new float[g.OutputElements];
            ConvHost.Run(x, w, packed, bias, plain, g, threads: 2);
            cases += AssertEpiloguesMatch(g, x, w, packed, bias, plain, threads: 2, rng);
        }

        output.WriteLine($"{cases} convolution × epilogue cases bit-identical to the unfused ops");
    }

    /// <summary>
    /// The banded expand → depthwise pass (<see cref="ExpandDepthwiseHost"/>) against the two convolutions run one after
    /// the other on the host paths: random sizes (expanded tensors of 1.2–3.3 MB, so several bands), kernels 3 and 5,
    /// strides 1–2, dilations 1–2, symmetric and asymmetric pads, batch 1–2, with and without biases, each epilogue
    /// (Relu / Clip on the expand; Clip, and Add in both operand orders with special values, on the depthwise), 1–3 threads;
    /// every other chain also runs the pointwise projection of the depthwise output band by band (with each epilogue).
    /// </summary>
    [Fact]
    public void ExpandDepthwiseEqualsTheTwoConvolutions()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0xed);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        long elements = 0;
        for (int c = 0; c < 10; c++)
        {
            int batch = 1 + rng.Next(2), channels = 8 + (8 * rng.Next(3)), expanded = new[] { 96, 112, 144 }[rng.Next(3)];
            int h = 56 + rng.Next(35), w = 56 + rng.Next(35);
            int k = rng.Next(4) == 0 ? 5 : 3, s = 1 + rng.Next(2), d = rng.Next(4) == 0 ? 2 : 1;
            int ph = rng.Next(2) == 0 ? d * (k / 2) : rng.Next(k), pw = rng.Next(2) == 0 ? d * (k / 2) : rng.Next(k);
            int phe = rng.Next(2) == 0 ? ph : rng.Next(k), pwe = rng.Next(2) == 0 ? pw : rng.Next(k);
            var g1 = new NnGeometry
            {
                Batch = batch, Channels = channels, InD = 1, InH = h, InW = w, OutChannels = expanded, Group = 1, KD = 1, KH = 1, KW = 1,
                SD = 1, SH = 1, SW = 1, DD = 1, DH = 1, DW = 1, OutD = 1, OutH = h, OutW = w,
            };
            var g2 = new NnGeometry
            {
                Batch = batch, Channels = expanded, InD = 1, InH = h, InW = w, OutChannels = expanded, Group = expanded, KD = 1, KH = k, KW = k,
                SD = 1, SH = s, SW = s, PH = ph, PW = pw, PHEnd = phe, PWEnd = pwe, DD = 1, DH = d, DW = d, OutD = 1,
                OutH = ((h + ph + phe - (d * (k - 1)) - 1) / s) + 1, OutW = ((w + pw + pwe - (d * (k - 1)) - 1) / s) + 1,
            };
            Assert.True(ExpandDepthwiseHost.Applies(g1, g2), Describe(g1) + " → " + Describe(g2));
            float[] x = RandomArray(rng, (long)batch * channels * h * w, specials: rng.Next(4) == 0);
            float[] w1 = RandomArray(rng, (long)expanded * channels, specials: false);
            float[] w2 = RandomArray(rng, (long)expanded * k * k, specials: false);
            float[]? b1 = rng.Next(3) == 0 ? null : RandomArray(rng, expanded, specials: false);
            float[]? b2 = rng.Next(3) == 0 ? null : RandomArray(rng, expanded, specials: false);
            ConvEpilogue e1 = rng.Next(3) switch
            {
                0 => default,
                1 => new ConvEpilogue { Activation = ConvActivation.Relu },
                _ => new ConvEpilogue { Activation = ConvActivation.Clip, Lo = 0f, Hi = 6f },
            };
            ConvEpilogue e2 = Epilogues(rng, g2.OutputElements).Prepend(default).ElementAt(rng.Next(6));
            int threads = 1 + rng.Next(3);

            float[] packed = ConvHost.PackWeights(w1, g1);
            var e = new float[g1.OutputElements];
            ConvHost.Run(x, w1, packed, b1, e, g1, threads, e1);

            // Every other case also projects the depthwise output (the inverted residual's last 1×1, with an Add at times).
            bool projecting = c % 2 == 1;
            if (projecting && e2.Skip is not null)
            {
                e2 = new ConvEpilogue { Activation = ConvActivation.Clip, Lo = 0f, Hi = 6f };
            }

            var want = new float[g2.OutputElements];
            ConvHost.Run(e, w2, ConvHost.PackWeights(w2, g2), b2, want, g2, threads, e2);
            ProjectStage? stage = null;
            string projection = "none";
            if (projecting)
            {
                int outChannels = 8 + rng.Next(40);
                var g3 = new NnGeometry
                {
                    Batch = batch, Channels = expanded, InD = 1, InH = g2.OutH, InW = g2.OutW, OutChannels = outChannels, Group = 1, KD = 1, KH = 1, KW = 1,
                    SD = 1, SH = 1, SW = 1, DD = 1, DH = 1, DW = 1, OutD = 1, OutH = g2.OutH, OutW = g2.OutW,
                };
                Assert.True(ExpandDepthwiseHost.ProjectApplies(g2, g3), Describe(g3));
                float[] w3 = RandomArray(rng, (long)outChannels * expanded, specials: false);
                float[]? b3 = rng.Next(3) == 0 ? null : RandomArray(rng, outChannels, specials: false);
                ConvEpilogue e3 = Epilogues(rng, g3.OutputElements).Prepend(default).ElementAt(rng.Next(6));
                float[] packed3 = ConvHost.PackWeights(w3, g3);
                var projected = new float[g3.OutputElements];
                ConvHost.Run(want, w3, packed3, b3, projected, g3, threads, e3);
                want = projected;
                stage = new ProjectStage(packed3, b3, e3, g3);
                projection = $"{Describe(g3)} (add {(e3.Skip is null ? "none" : e3.SkipFirst ? "skip+conv" : "conv+skip")}, {e3.Activation})";
            }

            var got = new float[want.Length];
            ExpandDepthwiseHost.Run(x, packed, b1, e1, g1, w2, b2, e2, g2, got, stage, threads);
            for (int i = 0; i < want.Length; i++)
            {
                Assert.True(Same(want[i], got[i]), $"{Describe(g1)} ({e1.Activation}) → {Describe(g2)} (add {(e2.Skip is null ? "none" : e2.SkipFirst ? "skip+conv" : "conv+skip")}, {e2.Activation}) → projection {projection}, {threads} threads: element {i}: fused {got[i]:R}, one by one {want[i]:R}\n{Reproduce}");
            }

            elements += want.Length;
        }

        // No expand in front: the depthwise convolution reads its input in place, its projection runs band by band.
        for (int c = 0; c < 4; c++)
        {
            int batch = 1 + rng.Next(2), channels = new[] { 32, 48, 96 }[rng.Next(3)], outChannels = 8 + rng.Next(40);
            int h = 96 + rng.Next(40), w = 96 + rng.Next(40), s = 1 + rng.Next(2);
            var g2 = new NnGeometry
            {
                Batch = batch, Channels = channels, InD = 1, InH = h, InW = w, OutChannels = channels, Group = channels, KD = 1, KH = 3, KW = 3,
                SD = 1, SH = s, SW = s, PH = 1, PW = 1, PHEnd = 1, PWEnd = 1, DD = 1, DH = 1, DW = 1, OutD = 1,
                OutH = ((h + 2 - 3) / s) + 1, OutW = ((w + 2 - 3) / s) + 1,
            };
            var g3 = new NnGeometry
            {
                Batch = batch, Channels = channels, InD = 1, InH = g2.OutH, InW = g2.OutW, OutChannels = outChannels, Group = 1, KD = 1, KH = 1, KW = 1,
                SD = 1, SH = 1, SW = 1, DD = 1, DH = 1, DW = 1, OutD = 1, OutH = g2.OutH, OutW = g2.OutW,
            };
            if (!ExpandDepthwiseHost.DepthwiseProjectApplies(g2, g3))
            {
                c--; // under 1 MB of depthwise output: another size
                continue;
            }

            float[] x = RandomArray(rng, (long)batch * channels * h * w, specials: rng.Next(4) == 0);
            float[] w2 = RandomArray(rng, (long)channels * 9, specials: false);
            float[]? b2 = rng.Next(3) == 0 ? null : RandomArray(rng, channels, specials: false);
            float[] w3 = RandomArray(rng, (long)outChannels * channels, specials: false);
            float[]? b3 = rng.Next(3) == 0 ? null : RandomArray(rng, outChannels, specials: false);
            var e2 = new ConvEpilogue { Activation = ConvActivation.Relu };
            ConvEpilogue e3 = Epilogues(rng, g3.OutputElements).Prepend(default).ElementAt(rng.Next(6));
            int threads = 1 + rng.Next(3);
            var d = new float[g2.OutputElements];
            ConvHost.Run(x, w2, ConvHost.PackWeights(w2, g2), b2, d, g2, threads, e2);
            float[] packed3 = ConvHost.PackWeights(w3, g3);
            var want = new float[g3.OutputElements];
            ConvHost.Run(d, w3, packed3, b3, want, g3, threads, e3);
            var got = new float[want.Length];
            ExpandDepthwiseHost.RunDepthwiseProject(x, w2, b2, e2, g2, new ProjectStage(packed3, b3, e3, g3), got, threads);
            for (int i = 0; i < want.Length; i++)
            {
                Assert.True(Same(want[i], got[i]), $"{Describe(g2)} → {Describe(g3)} (add {(e3.Skip is null ? "none" : e3.SkipFirst ? "skip+conv" : "conv+skip")}, {e3.Activation}), {threads} threads: element {i}: fused {got[i]:R}, one by one {want[i]:R}\n{Reproduce}");
            }

            elements += want.Length;
        }

        // A k×k first convolution (a stem: 3 channels, 3×3 stride 2) in front of the depthwise one, its band rows from
        // shifted im2col panels, with and without the projection.
        for (int c = 0; c < 4; c++)
        {
            int batch = 1 + rng.Next(2), expanded = 32 + (16 * rng.Next(2)), outChannels = 8 + rng.Next(24);
            int h = 200 + rng.Next(50), w = 200 + rng.Next(50);
            var g1 = new NnGeometry
            {
                Batch = batch, Channels = 3, InD = 1, InH = h, InW = w, OutChannels = expanded, Group = 1, KD = 1, KH = 3, KW = 3,
                SD = 1, SH = 2, SW = 2, PH = 1, PW = 1, PHEnd = 1, PWEnd = 1, DD = 1, DH = 1, DW = 1, OutD = 1,
                OutH = ((h + 2 - 3) / 2) + 1, OutW = ((w + 2 - 3) / 2) + 1,
            };
            var g2 = new NnGeometry
            {
                Batch = batch, Channels = expanded, InD = 1, InH = g1.OutH, InW = g1.OutW, OutChannels = expanded, Group = expanded, KD = 1, KH = 3, KW = 3,
                SD = 1, SH = 1, SW = 1, PH = 1, PW = 1, PHEnd = 1, PWEnd = 1, DD = 1, DH = 1, DW = 1, OutD = 1, OutH = g1.OutH, OutW = g1.OutW,
            };
            var g3 = new NnGeometry
            {
                Batch = batch, Channels = expanded, InD = 1, InH = g2.OutH, InW = g2.OutW, OutChannels = outChannels, Group = 1, KD = 1, KH = 1, KW = 1,
                SD = 1, SH = 1, SW = 1, DD = 1, DH = 1, DW = 1, OutD = 1, OutH = g2.OutH, OutW = g2.OutW,
            };
            Assert.True(ExpandDepthwiseHost.Applies(g1, g2), Describe(g1) + " → " + Describe(g2));
            float[] x = RandomArray(rng, (long)batch * 3 * h * w, specials: rng.Next(4) == 0);
            float[] w1 = RandomArray(rng, (long)expanded * 27, specials: false);
            float[] w2 = RandomArray(rng, (long)expanded * 9, specials: false);
            float[] w3 = RandomArray(rng, (long)outChannels * expanded, specials: false);
            float[]? b1 = rng.Next(3) == 0 ? null : RandomArray(rng, expanded, specials: false);
            var e1 = new ConvEpilogue { Activation = ConvActivation.Clip, Lo = 0f, Hi = 6f };
            var e2 = new ConvEpilogue { Activation = ConvActivation.Relu };
            int threads = 1 + rng.Next(3);
            float[] packed = ConvHost.PackWeights(w1, g1);
            var e = new float[g1.OutputElements];
            ConvHost.Run(x, w1, packed, b1, e, g1, threads, e1);
            var want = new float[g2.OutputElements];
            ConvHost.Run(e, w2, ConvHost.PackWeights(w2, g2), null, want, g2, threads, e2);
            ProjectStage? stage = null;
            if (c % 2 == 0)
            {
                float[] packed3 = ConvHost.PackWeights(w3, g3);
                var projected = new float[g3.OutputElements];
                ConvHost.Run(want, w3, packed3, null, projected, g3, threads);
                want = projected;
                stage = new ProjectStage(packed3, null, default, g3);
            }

            var got = new float[want.Length];
            ExpandDepthwiseHost.Run(x, packed, b1, e1, g1, w2, null, e2, g2, got, stage, threads);
            for (int i = 0; i < want.Length; i++)
            {
                Assert.True(Same(want[i], got[i]), $"{Describe(g1)} → {Describe(g2)}{(stage is null ? string.Empty : " → " + Describe(g3))}, {threads} threads: element {i}: fused {got[i]:R}, one by one {want[i]:R}\n{Reproduce}");
            }

            elements += want.Length;
        }

        output.WriteLine($"10 expand → depthwise chains (5 with the projection), 4 depthwise → projection pairs and 4 stem → depthwise chains, {elements} outputs bit-identical to the convolutions run one by one");
    }

    /// <summary>
    /// The small-plane inverted residual kept in 16-channel pixels (<see cref="ChannelBlockChainHost"/>) against its
    /// convolutions run one by one on the host paths: expands of 5–100 channels to 32–320, planes of a multiple of 7
    /// pixels up to 36 wide, depthwise kernels 1–5 at strides 1–2 and dilations 1–2 with symmetric and asymmetric pads
    /// (output rows ≤ 28 wide), batch 1–2, with and without biases, each epilogue (Relu / Clip on the expand; Clip, and
    /// Add in both operand orders with special values, on the depthwise output when it is stored; every epilogue on the
    /// projection), 1–3 threads; two cases in three also run the projection (32–128 output channels).
    /// </summary>
    [Fact]
    public void ChannelBlockChainEqualsTheConvolutionsOneByOne()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0xcb);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        long elements = 0;
        int cases = 0, projected = 0;
        while (cases < 24)
        {
            int batch = 1 + rng.Next(2), channels = 5 + rng.Next(96), expanded = 32 * (1 + rng.Next(10));
            int h = 1 + rng.Next(36), w = 1 + rng.Next(36);
            int k = new[] { 1, 3, 3, 3, 5 }[rng.Next(5)], s = 1 + rng.Next(2), d = rng.Next(4) == 0 ? 2 : 1;
            int ph = rng.Next(2) == 0 ? d * (k / 2) : rng.Next(k), pw = rng.Next(2) == 0 ? d * (k / 2) : rng.Next(k);
            int phe = rng.Next(2) == 0 ? ph : rng.Next(k), pwe = rng.Next(2) == 0 ? pw : rng.Next(k);
            var g1 = new NnGeometry
            {
                Batch = batch, Channels = channels, InD = 1, InH = h, InW = w, OutChannels = expanded, Group = 1, KD = 1, KH = 1, KW = 1,
                SD = 1, SH = 1, SW = 1, DD = 1, DH = 1, DW = 1, OutD = 1, OutH = h, OutW = w,
            };
            var g2 = new NnGeometry
            {
                Batch = batch, Channels = expanded, InD = 1, InH = h, InW = w, OutChannels = expanded, Group = expanded, KD = 1, KH = k, KW = k,
                SD = 1, SH = s, SW = s, PH = ph, PW = pw, PHEnd = phe, PWEnd = pwe, DD = 1, DH = d, DW = d, OutD = 1,
                OutH = ((h + ph + phe - (d * (k - 1)) - 1) / s) + 1, OutW = ((w + pw + pwe - (d * (k - 1)) - 1) / s) + 1,
            };
            if (g2.OutH < 1 || g2.OutW < 1 || !ChannelBlockChainHost.Applies(g1, g2))
            {
                continue; // a plane that is not a multiple of 7 pixels, or output rows wider than 14: another geometry
            }

            var g3 = new NnGeometry
            {
                Batch = batch, Channels = expanded, InD = 1, InH = g2.OutH, InW = g2.OutW, OutChannels = 32 * (1 + rng.Next(4)), Group = 1, KD = 1, KH = 1, KW = 1,
                SD = 1, SH = 1, SW = 1, DD = 1, DH = 1, DW = 1, OutD = 1, OutH = g2.OutH, OutW = g2.OutW,
            };
            bool projecting = rng.Next(3) != 0 && ChannelBlockChainHost.ProjectApplies(g2, g3);
            bool specials = rng.Next(4) == 0;
            float[] x = RandomArray(rng, (long)batch * channels * h * w, specials);
            float[] w1 = RandomArray(rng, (long)expanded * channels, specials: false);
            float[] w2 = RandomArray(rng, (long)expanded * k * k, specials: false);
            float[]? b1 = rng.Next(3) == 0 ? null : RandomArray(rng, expanded, specials: false);
            float[]? b2 = rng.Next(3) == 0 ? null : RandomArray(rng, expanded, specials: false);
            ConvEpilogue e1 = rng.Next(3) switch
            {
                0 => default,
                1 => new ConvEpilogue { Activation = ConvActivation.Relu },
                _ => new ConvEpilogue { Activation = ConvActivation.Clip, Lo = 0f, Hi = 6f },
            };
            ConvEpilogue e2 = projecting
                ? new[] { default, new ConvEpilogue { Activation = ConvActivation.Relu }, new ConvEpilogue { Activation = ConvActivation.Clip, Lo = 0f, Hi = 6f } }[rng.Next(3)]
                : Epilogues(rng, g2.OutputElements).Prepend(default).ElementAt(rng.Next(6));
            int threads = 1 + rng.Next(3);

            var e = new float[g1.OutputElements];
            ConvHost.Run(x, w1, ConvHost.PackWeights(w1, g1), b1, e, g1, threads, e1);
            float[] packed2 = ConvHost.PackWeights(w2, g2);
            var want = new float[g2.OutputElements];
            ConvHost.Run(e, w2, packed2, b2, want, g2, threads, e2);
            ProjectStage? stage = null;
            string projection = "none";
            if (projecting)
            {
                float[] w3 = RandomArray(rng, (long)g3.OutChannels * expanded, specials: false);
                float[]? b3 = rng.Next(3) == 0 ? null : RandomArray(rng, g3.OutChannels, specials: false);
                ConvEpilogue e3 = Epilogues(rng, g3.OutputElements).Prepend(default).ElementAt(rng.Next(6));
                var y3 = new float[g3.OutputElements];
                ConvHost.Run(want, w3, ConvHost.PackWeights(w3, g3), b3, y3, g3, threads, e3);
                want = y3;
                stage = new ProjectStage(ConvHost.PackWeights(w3, g3, ConvLayout.SmallPlane), b3, e3, g3);
                projection = $"{Describe(g3)} (add {(e3.Skip is null ? "none" : e3.SkipFirst ? "skip+conv" : "conv+skip")}, {e3.Activation})";
                projected++;
            }

            var got = new float[want.Length];
            ChannelBlockChainHost.Run(x, ConvHost.PackWeights(w1, g1, ConvLayout.SmallPlane), b1, e1, g1, ConvHost.PackWeights(w2, g2, ConvLayout.ChannelBlock), b2, e2, g2, got, stage, threads);
            for (int i = 0; i < want.Length; i++)
            {
                Assert.True(Same(want[i], got[i]), $"{Describe(g1)} ({e1.Activation}) → {Describe(g2)} (add {(e2.Skip is null ? "none" : e2.SkipFirst ? "skip+conv" : "conv+skip")}, {e2.Activation}) → projection {projection}, {threads} threads: element {i}: chained {got[i]:R}, one by one {want[i]:R}\n{Reproduce}");
            }

            elements += want.Length;
            cases++;
        }

        output.WriteLine($"{cases} expand → depthwise chains ({projected} with the projection), {elements} outputs bit-identical to the convolutions run one by one");
    }

    /// <summary>
    /// The channel-vector path for convolutions on small planes (<see cref="SmallPlaneConvHost"/>: output planes of a
    /// multiple of 7 pixels such as 7×7 and 14×14, output channels per group a multiple of 32): 1×1 convolutions read in
    /// place and k×k ones (kernels 1–5, strides 1–2, dilations 1–2, asymmetric pads) through im2col panels, against the
    /// scalar chain + bias and, with each epilogue (Add in both operand orders with special values, Relu, Clip),
    /// against the unfused ops; batch 1–2, groups 1–2, 1 or 2 threads, special values in a third of the cases.
    /// </summary>
    [Fact]
    public void SmallPlaneConvMatchesTheScalarChain()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0x7d);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        (int H, int W)[] planes = [(7, 7), (14, 14), (7, 14), (21, 7), (7, 1), (1, 7), (28, 28), (14, 28)];
        long elements = 0;
        int epilogues = 0, direct = 0, columns = 0;
        for (int c = 0; c < 40; c++)
        {
            (int oh, int ow) = planes[rng.Next(planes.Length)];
            bool pointwise = rng.Next(2) == 0;
            int kh = pointwise ? 1 : 1 + rng.Next(5), kw = pointwise ? 1 : 1 + rng.Next(5);
            int s = pointwise ? 1 : 1 + rng.Next(rng.Next(4) == 0 ? 3 : 2), d = pointwise || rng.Next(4) != 0 ? 1 : 2;
            int ph = pointwise ? 0 : rng.Next(kh), pw = pointwise ? 0 : rng.Next(kw), phe = pointwise ? 0 : rng.Next(kh), pwe = pointwise ? 0 : rng.Next(kw);

            // The input size that gives this output: (in + pads − d·(k − 1) − 1) / s + 1 = out, plus a remainder below s.
            int inH = ((oh - 1) * s) + (d * (kh - 1)) + 1 - ph - phe + rng.Next(s), inW = ((ow - 1) * s) + (d * (kw - 1)) + 1 - pw - pwe + rng.Next(s);
            int group = rng.Next(4) == 0 ? 2 : 1, cg = pointwise ? 40 + rng.Next(660) : 4 + rng.Next(60), ocg = 32 * (1 + rng.Next(3));
            if (inH < 1 || inW < 1)
            {
                c--;
                continue;
            }

            var g = new NnGeometry
            {
                Batch = 1 + rng.Next(2), Channels = cg * group, InD = 1, InH = inH, InW = inW, OutChannels = ocg * group, Group = group,
                KD = 1, KH = kh, KW = kw, SD = 1, SH = s, SW = s, PH = ph, PW = pw, PHEnd = phe, PWEnd = pwe, DD = 1, DH = d, DW = d, OutD = 1, OutH = oh, OutW = ow,
            };
            int k = cg * kh * kw;
            if (!SmallPlaneConvHost.Pays(g, k))
            {
                // Too little K for the plane's discarded columns: the GEMM path takes it (tested above). Draw again.
                c--;
                continue;
            }

            direct += !pointwise && ow % 7 == 0 && s <= 2 ? 1 : 0;
            columns += !pointwise && !(ow % 7 == 0 && s <= 2) ? 1 : 0;
            bool specials = rng.Next(3) == 0;
            float[] x = RandomArray(rng, (long)g.Batch * g.Channels * g.InSpatial, specials);
            float[] weights = RandomArray(rng, (long)g.OutChannels * k, specials);
            float[]? bias = rng.Next(3) == 0 ? null : RandomArray(rng, g.OutChannels, specials);
            float[] packed = ConvHost.PackWeights(weights, g);
            int threads = 1 + rng.Next(2);
            var y = new float[g.OutputElements];
            ConvHost.Run(x, weights, packed, bias, y, g, threads);
            AssertScalarChain(g, x, weights, bias, y);
            elements += y.Length;
            epilogues += AssertEpiloguesMatch(g, x, weights, packed, bias, y, threads, rng);
        }

        output.WriteLine($"40 small-plane convolutions ({direct} k×k on a padded image, {columns} k×k through im2col), {elements} outputs bit-identical to the scalar chain; {epilogues} epilogue cases identical to the unfused ops");
    }

    /// <summary>
    /// The host convolution (depthwise path and GEMM path) against <see cref="NnMath.ConvElement"/> + bias, element by
    /// element, on random geometries: kernels 1–7, strides 1–3, dilations 1–2, asymmetric pads, channel multipliers,
    /// widths around the 16-lane and 32-column boundaries, batch 1–2; weights and inputs with ±inf, NaN, ±0 and
    /// subnormals (an infinite weight times a padded 0 is NaN in the chain: padded taps must really be multiplied).
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void ConvMatchesTheScalarChain(bool depthwise)
    {
        var rng = new Random(RandomImages.RunSeed ^ (depthwise ? 0xd3 : 0x93));
        output.WriteLine($"seed {RandomImages.RunSeed}");
        long elements = 0;
        int cases = depthwise ? 60 : 40;
        for (int c = 0; c < cases; c++)
        {
            NnGeometry g = RandomConv(rng, depthwise);
            bool specials = rng.Next(3) == 0;
            float[] x = RandomArray(rng, (long)g.Batch * g.Channels * g.InSpatial, specials);
            float[] w = RandomArray(rng, (long)g.OutChannels * g.GroupChannels * g.KernelSpatial, specials);
            float[]? bias = rng.Next(3) == 0 ? null : RandomArray(rng, g.OutChannels, specials);
            Assert.Equal(depthwise, ConvHost.IsDepthwise(g));
            var y = new float[g.OutputElements];
            ConvHost.Run(x, w, ConvHost.PackWeights(w, g), bias, y, g, threads: 1 + rng.Next(2));
            AssertScalarChain(g, x, w, bias, y);
            elements += y.Length;
        }

        output.WriteLine($"{cases} {(depthwise ? "depthwise" : "GEMM-path")} convolutions, {elements} outputs bit-identical to the scalar chain");
    }

    /// <summary>
    /// Strided 1×1 convolutions (ResNet's downsampling shortcuts), run as pointwise ones over their gathered samples:
    /// strides 1–3 per axis (not both 1), 1–130 input channels, 1–70 or a multiple of 32 output channels, 7×7 and 14×14
    /// outputs (the channel-vector tiles) and others, batch 1–2, 1–2 threads, special values in a third of the cases,
    /// against the scalar chain and, every other case, with each epilogue against the unfused ops.
    /// </summary>
    [Fact]
    public void SampledPointwiseConvMatchesTheScalarChain()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0x1b2);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        long elements = 0;
        for (int c = 0; c < 24; c++)
        {
            int sh = 1 + rng.Next(3), sw = 1 + rng.Next(3);
            if (sh == 1 && sw == 1)
            {
                sw = 2;
            }

            (int oh, int ow) = rng.Next(3) switch { 0 => (7, 7), 1 => (14, 14), _ => (1 + rng.Next(30), 1 + rng.Next(40)) };
            var g = new NnGeometry
            {
                Batch = 1 + rng.Next(2), Channels = 1 + rng.Next(130), InD = 1, InH = ((oh - 1) * sh) + 1 + rng.Next(sh), InW = ((ow - 1) * sw) + 1 + rng.Next(sw),
                OutChannels = rng.Next(2) == 0 ? 32 * (1 + rng.Next(3)) : 1 + rng.Next(70), Group = 1, KD = 1, KH = 1, KW = 1, SD = 1, SH = sh, SW = sw,
                DD = 1, DH = 1, DW = 1, OutD = 1, OutH = oh, OutW = ow,
            };
            elements += AssertRandomConv(g, rng, epilogues: c % 2 == 0);
        }

        output.WriteLine($"24 strided 1×1 convolutions, {elements} outputs bit-identical to the scalar chain");
    }

    /// <summary>
    /// k×k convolutions at column stride 1 under a row stride of 2–3 (a text recognizer's (2, 1) strides) on the masked
    /// implicit-GEMM path (<see cref="DirectConvHost"/>): kernels 2–5 × 1–5, asymmetric pads, rows 16–70 wide (tiles
    /// inside one row and across row ends), 1–40 output channels, against the scalar chain and, every third case, with
    /// each epilogue against the unfused ops.
    /// </summary>
    [Fact]
    public void RowStridedConvMatchesTheScalarChain()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0x2d1);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        long elements = 0;
        for (int c = 0; c < 20; c++)
        {
            int kh = 2 + rng.Next(4), kw = 1 + rng.Next(5), sh = 2 + rng.Next(2);
            int ph = rng.Next(kh), phe = rng.Next(kh), pw = rng.Next(kw), pwe = rng.Next(kw);
            int ow = 16 + rng.Next(55), inW = ow + kw - 1 - pw - pwe, inH = kh + rng.Next(20);
            var g = new NnGeometry
            {
                Batch = 1 + rng.Next(2), Channels = (64 / (kh * kw)) + 1 + rng.Next(12), InD = 1, InH = inH, InW = inW, OutChannels = 1 + rng.Next(40), Group = 1,
                KD = 1, KH = kh, KW = kw, SD = 1, SH = sh, SW = 1, PH = ph, PW = pw, PHEnd = phe, PWEnd = pwe, DD = 1, DH = 1, DW = 1, OutD = 1,
                OutH = ((inH + ph + phe - kh) / sh) + 1, OutW = ow,
            };
            if (inW < 1 || SmallPlaneConvHost.Pays(g, g.Channels * g.KernelSpatial))
            {
                c--;
                continue;
            }

            Assert.True(DirectConvHost.Applies(g), Describe(g));
            elements += AssertRandomConv(g, rng, epilogues: c % 3 == 0);
        }

        output.WriteLine($"20 row-strided convolutions on the masked implicit-GEMM path, {elements} outputs bit-identical to the scalar chain");
    }

    /// <summary>
    /// k×k convolutions at unit strides on the padded-rows path (<see cref="PaddedRowsConvHost"/>): kernels 1–5 × 1–5,
    /// dilations 1–2, asymmetric pads up to the kernel size, rows 16–75 wide, 1–40 output channels (partial panels), tall
    /// planes of 96–159 channels that take several bands, batch 1–2, 1–2 threads, special values in a third of the
    /// cases, against the scalar chain and, every third case, with each epilogue against the unfused ops.
    /// </summary>
    [Fact]
    public void PaddedRowsConvMatchesTheScalarChain()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0x9ad);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        long elements = 0;
        int banded = 0;
        for (int c = 0; c < 30; c++)
        {
            int kh = 1 + rng.Next(5), kw = 1 + rng.Next(5), dh = 1 + rng.Next(2), dw = 1 + rng.Next(2);
            if (kh * kw == 1)
            {
                kw = 3;
            }

            int ph = rng.Next(kh + 1), phe = rng.Next(kh + 1), pw = rng.Next(kw + 1), pwe = rng.Next(kw + 1);
            bool tall = c % 5 == 0; // 96–159 channels of rows ≥ 50 wide, 40–79 rows: two or more 512 KB bands of padded rows
            int ow = tall ? 50 + rng.Next(26) : 16 + rng.Next(60), inW = ow + (dw * (kw - 1)) - pw - pwe;
            int channels = tall ? 96 + rng.Next(64) : Math.Max(1, (64 / (kh * kw)) + rng.Next(24));
            int inH = tall ? 40 + rng.Next(40) : Math.Max(1, (dh * (kh - 1)) + 1 - ph - phe) + rng.Next(20);
            var g = new NnGeometry
            {
                Batch = 1 + rng.Next(2), Channels = channels, InD = 1, InH = inH, InW = inW, OutChannels = 1 + rng.Next(40), Group = 1,
                KD = 1, KH = kh, KW = kw, SD = 1, SH = 1, SW = 1, PH = ph, PW = pw, PHEnd = phe, PWEnd = pwe, DD = 1, DH = dh, DW = dw, OutD = 1,
                OutH = inH + ph + phe - (dh * (kh - 1)), OutW = ow,
            };
            if (inW < 1 || g.OutH < 1 || !PaddedRowsConvHost.Applies(g) || SmallPlaneConvHost.Pays(g, g.Channels * g.KernelSpatial))
            {
                c--;
                continue;
            }

            banded += tall ? 1 : 0;
            elements += AssertRandomConv(g, rng, epilogues: c % 3 == 0);
        }

        output.WriteLine($"30 unit-stride k×k convolutions on the padded-rows path ({banded} over several bands), {elements} outputs bit-identical to the scalar chain");
    }

    /// <summary>
    /// The column-stride-2 path for few input channels (<see cref="PhaseConvHost"/>: input rows split into even and odd
    /// padded columns, the stems) against the scalar chain + bias, then each epilogue against the unfused ops: kernels
    /// 1–7 tall and 2–7 wide, row strides 1–3, row dilation 1–2, asymmetric pads, rows of 16–80 outputs (whole and
    /// partial tiles), 1–28 channels, batch 1–2, 1–2 threads, special values in a third of the cases.
    /// </summary>
    [Fact]
    public void PhaseConvMatchesTheScalarChain()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0x5c2);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        long elements = 0;
        for (int c = 0; c < 30; c++)
        {
            int kh = 1 + rng.Next(7), kw = 2 + rng.Next(6), sh = 1 + rng.Next(3), dh = 1 + rng.Next(2);
            int channels = rng.Next(3) == 0 ? 1 + rng.Next(256 / (kh * kw)) : 1 + rng.Next(4);
            int ph = rng.Next(kh), phe = rng.Next(kh), pw = rng.Next(kw), pwe = rng.Next(kw);
            int ow = 16 + rng.Next(65), inW = (2 * (ow - 1)) + kw - pw - pwe + rng.Next(2);
            int inH = ((kh - 1) * dh) + 1 + rng.Next(12);
            var g = new NnGeometry
            {
                Batch = 1 + rng.Next(2), Channels = channels, InD = 1, InH = inH, InW = inW, OutChannels = 1 + rng.Next(31), Group = 1,
                KD = 1, KH = kh, KW = kw, SD = 1, SH = sh, SW = 2, PH = ph, PW = pw, PHEnd = phe, PWEnd = pwe, DD = 1, DH = dh, DW = 1, OutD = 1,
                OutH = ((inH + ph + phe - (dh * (kh - 1)) - 1) / sh) + 1, OutW = ((inW + pw + pwe - kw) / 2) + 1,
            };
            Assert.True(PhaseConvHost.Applies(g) && !SmallPlaneConvHost.Pays(g, g.Channels * g.KernelSpatial), Describe(g));
            elements += AssertRandomConv(g, rng, epilogues: c % 3 == 0);
        }

        output.WriteLine($"30 stride-2 convolutions on the phase-split path, {elements} outputs bit-identical to the scalar chain");
    }

    /// <summary>
    /// The 16-channel-vector depthwise path for small planes (<see cref="ChannelBlockDepthwiseHost"/>: planes transposed
    /// into padded 16-channel pixels and back) against the scalar chain + bias, then each epilogue against the unfused
    /// ops: half the cases 3-wide kernels at unit column stride (the row kernel), the rest kernels 1–5 at strides 1–3
    /// and dilations 1–2; asymmetric pads; 1–70 channels (partial blocks); rows of 1–14 outputs; batch 1–2; 1–2 threads;
    /// special values in a third of the cases.
    /// </summary>
    [Fact]
    public void ChannelBlockDepthwiseMatchesTheScalarChain()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0xcb1);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        long elements = 0;
        int rowKernel = 0;
        for (int c = 0; c < 40; c++)
        {
            bool rows3 = c % 2 == 0;
            int kh = 1 + rng.Next(5), kw = rows3 ? 3 : 1 + rng.Next(5);
            int sh = 1 + rng.Next(3), sw = rows3 ? 1 : 1 + rng.Next(3), dh = 1 + rng.Next(2), dw = rows3 ? 1 : 1 + rng.Next(2);
            int ph = rng.Next(kh), phe = rng.Next(kh), pw = rng.Next(kw), pwe = rng.Next(kw);
            int oh = 1 + rng.Next(14), ow = 1 + rng.Next(14);
            int inH = ((oh - 1) * sh) + ((kh - 1) * dh) + 1 - ph - phe + rng.Next(sh), inW = ((ow - 1) * sw) + ((kw - 1) * dw) + 1 - pw - pwe + rng.Next(sw);
            if (inH < 1 || inW < 1)
            {
                c--;
                continue;
            }

            int channels = 1 + rng.Next(70);
            var g = new NnGeometry
            {
                Batch = 1 + rng.Next(2), Channels = channels, InD = 1, InH = inH, InW = inW, OutChannels = channels, Group = channels,
                KD = 1, KH = kh, KW = kw, SD = 1, SH = sh, SW = sw, PH = ph, PW = pw, PHEnd = phe, PWEnd = pwe, DD = 1, DH = dh, DW = dw, OutD = 1,
                OutH = ((inH + ph + phe - (dh * (kh - 1)) - 1) / sh) + 1, OutW = ((inW + pw + pwe - (dw * (kw - 1)) - 1) / sw) + 1,
            };
            if (channels == 1 || !ChannelBlockDepthwiseHost.Applies(g))
            {
                c--;
                continue; // one channel is not depthwise; the geometry may leave the path (rows wider than 14)
            }

            rowKernel += rows3 ? 1 : 0;
            bool specials = rng.Next(3) == 0;
            float[] x = RandomArray(rng, (long)g.Batch * g.Channels * g.InSpatial, specials);
            float[] w = RandomArray(rng, (long)g.OutChannels * g.KernelSpatial, specials);
            float[]? bias = rng.Next(3) == 0 ? null : RandomArray(rng, g.OutChannels, specials);
            int threads = 1 + rng.Next(2);
            float[] packed = ConvHost.PackWeights(w, g);
            var y = new float[g.OutputElements];
            ConvHost.Run(x, w, packed, bias, y, g, threads);
            AssertScalarChain(g, x, w, bias, y);
            elements += y.Length;
            if (c % 3 != 0)
            {
                continue;
            }

            AssertEpiloguesMatch(g, x, w, packed, bias, y, threads, rng);
        }

        output.WriteLine($"40 depthwise convolutions on the 16-channel path ({rowKernel} on its 3-wide row kernel), {elements} outputs bit-identical to the scalar chain");
    }

    /// <summary>
    /// The host transposed convolution (per-tap GEMMs for non-overlapping windows, else per output) against
    /// <see cref="NnMath.ConvTransposeElement"/> + bias on random geometries: kernel ≤ stride and overlapping ones, pads,
    /// output padding (outputs no tap reaches), groups, batch 1–2, special values; every fourth a 2× upsampling along W
    /// (kernel = stride = 2, no pads: both column taps computed together and interleaved into the output rows).
    /// </summary>
    [Fact]
    public unsafe void ConvTransposeMatchesTheScalarChain()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0x7c);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        int separable = 0;
        long elements = 0;
        for (int c = 0; c < 40; c++)
        {
            int sh = 1 + rng.Next(4), sw = rng.Next(3) == 0 ? 1 + rng.Next(4) : sh;
            bool overlap = rng.Next(4) == 0;
            int kh = overlap ? 1 + rng.Next(4) : 1 + rng.Next(sh), kw = overlap ? 1 + rng.Next(4) : 1 + rng.Next(sw);
            int group = rng.Next(3) == 0 ? 2 : 1, icg = 1 + rng.Next(20), ocg = 1 + rng.Next(20);
            int inH = 1 + rng.Next(30), inW = 1 + rng.Next(45);
            int ph = rng.Next(kh), pw = rng.Next(kw), phe = rng.Next(kh), pwe = rng.Next(kw);
            int oph = rng.Next(sh), opw = rng.Next(sw);
            if (c % 4 == 0)
            {
                // 2× upsampling along W (kernel = stride = 2, no pads): the interleaving path, with a wide input at times.
                (sw, kw, pw, pwe, opw) = (2, 2, 0, 0, 0);
                inW = rng.Next(2) == 0 ? inW : 40 + rng.Next(300);
            }

            int outH = (sh * (inH - 1)) + oph + kh - ph - phe, outW = (sw * (inW - 1)) + opw + kw - pw - pwe;
            if (outH <= 0 || outW <= 0)
            {
                c--;
                continue;
            }

            var g = new NnGeometry
            {
                Batch = 1 + rng.Next(2), Channels = icg * group, InD = 1, InH = inH, InW = inW, OutChannels = ocg * group, Group = group,
                KD = 1, KH = kh, KW = kw, SD = 1, SH = sh, SW = sw, PH = ph, PW = pw, PHEnd = phe, PWEnd = pwe, DD = 1, DH = 1, DW = 1, OutD = 1, OutH = outH, OutW = outW,
            };
            bool specials = rng.Next(3) == 0;
            float[] x = RandomArray(rng, (long)g.Batch * g.Channels * g.InSpatial, specials);
            float[] w = RandomArray(rng, (long)g.Channels * ocg * kh * kw, specials);
            float[]? bias = rng.Next(3) == 0 ? null : RandomArray(rng, g.OutChannels, specials);
            var y = new float[g.OutputElements];
            ConvTransposeHost.Run(x, w, bias, y, g, threads: 2);
            separable += ConvTransposeHost.Separable(g) ? 1 : 0;
            fixed (float* xp = x)
            fixed (float* wp = w)
            {
                var xs = new PointerSource(xp);
                var ws = new PointerSource(wp);
                long i = 0;
                for (int n = 0; n < g.Batch; n++)
                {
                    for (int oc = 0; oc < g.OutChannels; oc++)
                    {
                        for (int oh = 0; oh < outH; oh++)
                        {
                            for (int ow = 0; ow < outW; ow++, i++)
                            {
                                float acc = NnMath.ConvTransposeElement(xs, ws, g, n, oc, 0, oh, ow);
                                float want = bias is null ? acc : NnMath.AddBias(acc, bias[oc]);
                                Assert.True(Same(want, y[i]), $"ConvTranspose N{g.Batch} C{g.Channels}→{g.OutChannels} group {group} {inH}x{inW} k{kh}x{kw} s{sh}x{sw} pads {ph},{pw},{phe},{pwe} out {outH}x{outW}: output ({n}, {oc}, {oh}, {ow}): {y[i]:R}, scalar chain {want:R}\n{Reproduce}");
                            }
                        }
                    }
                }
            }

            elements += y.Length;
        }

        output.WriteLine($"40 transposed convolutions ({separable} on the per-tap GEMM path), {elements} outputs bit-identical to the scalar chain");
    }

    /// <summary>
    /// Nearest Resize of the last two axes in one pass (<see cref="ResizeHost.Gather2D"/>: rows gathered or copied from
    /// the row above, the 2× float path by permutes) against the W pass then the H pass, element for element: every
    /// coordinate and nearest mode, 2× maps on rows up to 90 wide, tf_crop_and_resize extrapolation, 1–2 threads.
    /// </summary>
    [Fact]
    public void NearestResize2DEqualsTheTwoPasses()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0x2d);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        for (int c = 0; c < 60; c++)
        {
            int planes = 1 + rng.Next(40), inH = 1 + rng.Next(30), inW = 1 + rng.Next(90);
            bool doubling = rng.Next(2) == 0;
            var coord = doubling ? ResizeCoordinateMode.Asymmetric : (ResizeCoordinateMode)rng.Next(Enum.GetValues<ResizeCoordinateMode>().Length);
            var nearest = doubling ? ResizeNearestMode.Floor : (ResizeNearestMode)rng.Next(Enum.GetValues<ResizeNearestMode>().Length);
            ResizeAxisMap Map(int length, int outLength) => ResizeAxisMap.Build(new ResizeAxisSpec(
                ResizeInterpolation.Nearest, coord, nearest, -0.75, false, false, length, outLength, (double)outLength / length, rng.NextDouble() * 0.3, 0.7 + (rng.NextDouble() * 0.3)));
            int outH = doubling ? 2 * inH : 1 + rng.Next(40), outW = doubling ? 2 * inW : 1 + rng.Next(100);
            ResizeAxisMap rows = Map(inH, outH), cols = Map(inW, outW);
            float[] x = RandomArray(rng, (long)planes * inH * inW, specials: rng.Next(3) == 0);
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = 1 + rng.Next(2) };
            var mid = new float[planes * inH * outW];
            var want = new float[planes * outH * outW];
            ResizeHost.Gather(x, mid, cols.Index, cols.Count, new ResizePassGeometry(planes * inH, inW, outW, 1, cols.Taps), -7.5f, parallel);
            ResizeHost.Gather(mid, want, rows.Index, rows.Count, new ResizePassGeometry(planes, inH, outH, outW, rows.Taps), -7.5f, parallel);
            var got = new float[want.Length];
            ResizeHost.Gather2D(x, got, rows, cols, planes, -7.5f, parallel);
            for (int i = 0; i < want.Length; i++)
            {
                Assert.True(Same(want[i], got[i]), $"nearest {coord} {nearest} {planes}x{inH}x{inW} -> {outH}x{outW}: element {i}: {got[i]:R}, two passes {want[i]:R}\n{Reproduce}");
            }
        }
    }

    private static readonly float[] TieValues = [0f, -0f, 1f, -1f, float.PositiveInfinity, float.NegativeInfinity];

    /// <summary>
    /// Host MaxPool (interior columns 16 lanes at a time, masked at the interior's end, at strides 1 and 2; the two-pass
    /// 3-wide stride-2 path; scalar borders) against <see cref="NnMath.MaxWindow"/>: first strict maximum over the taps
    /// inside the input, NaN and ±0 included, on rows wide enough for the vector paths.
    /// </summary>
    [Fact]
    public unsafe void MaxPoolMatchesTheScalarRule()
    {
        var rng = new Random(RandomImages.RunSeed ^ 0x3a);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        long elements = 0;
        for (int c = 0; c < 40; c++)
        {
            int k = 1 + rng.Next(4), s = 1 + rng.Next(rng.Next(4) == 0 ? 3 : 2), d = rng.Next(5) == 0 ? 2 : 1;
            int inH = ((k - 1) * d) + 1 + rng.Next(12), inW = ((k - 1) * d) + 1 + rng.Next(90);
            if (c % 2 == 0)
            {
                // ResNet's 3×3 stride-2 pool on rows wide enough for the two-pass path (16 or more interior outputs).
                (k, s, d, inW) = (3, 2, 1, 35 + rng.Next(90));
            }

            int maxPad = (((k - 1) * d) + 1) / 2;
            int ph = rng.Next(maxPad + 1), pw = rng.Next(maxPad + 1), phe = rng.Next(maxPad + 1), pwe = rng.Next(maxPad + 1);
            var g = new NnGeometry
            {
                Batch = 1 + rng.Next(2), Channels = 1 + rng.Next(5), InD = 1, InH = inH, InW = inW, Group = 1, KD = 1, KH = k, KW = k, SD = 1, SH = s, SW = s,
                PH = ph, PW = pw, PHEnd = phe, PWEnd = pwe, DD = 1, DH = d, DW = d, OutD = 1,
                OutH = PoolGeometry.OutputSize(inH, k, s, ph, phe, d, false, PoolCeilRule.Modern),
                OutW = PoolGeometry.OutputSize(inW, k, s, pw, pwe, d, false, PoolCeilRule.Modern),
            };
            g.OutChannels = g.Channels;
            // Values: uniform, with specials (NaN planes take the tap-by-tap rule), or only ±0, ±1 and ±inf (ties everywhere,
            // which the first strict maximum must break by position), those with NaNs in the first and last columns only.
            int kind = c % 2 == 0 && rng.Next(2) == 0 ? 3 : rng.Next(4);
            float[] x = kind < 2
                ? RandomArray(rng, (long)g.Batch * g.Channels * g.InSpatial, specials: kind == 1)
                : [.. Enumerable.Range(0, g.Batch * g.Channels * g.InSpatial).Select(_ => TieValues[rng.Next(TieValues.Length)])];
            for (int row = 0; kind == 3 && row < g.Batch * g.Channels * inH; row++)
            {
                x[((long)row * inW) + (rng.Next(2) == 0 ? 0 : inW - 1)] = rng.Next(3) == 0 ? float.NaN : x[(long)row * inW];
            }

            var y = new float[g.OutputElements];
            PoolHost.MaxPool(x, y, null, g, storageOrder: 0, threads: 2);
            fixed (float* xp = x)
            {
                var xs = new PointerSource(xp);
                long i = 0;
                for (int plane = 0; plane < g.Batch * g.Channels; plane++)
                {
                    for (int oh = 0; oh < g.OutH; oh++)
                    {
                        for (int ow = 0; ow < g.OutW; ow++, i++)
                        {
                            float want = NnMath.MaxWindow(xs, g, (long)plane * g.InSpatial, 0, oh, ow, 0).Value;
                            Assert.True(Same(want, y[i]), $"MaxPool {inH}x{inW} k{k} s{s} d{d} pads {ph},{pw},{phe},{pwe}: output (plane {plane}, {oh}, {ow}): {y[i]:R}, scalar rule {want:R}\n{Reproduce}");
                        }
                    }
                }
            }

            elements += y.Length;
        }

        output.WriteLine($"40 max pools, {elements} outputs bit-identical to the scalar rule");
    }

    private static NnGeometry RandomConv(Random rng, bool depthwise)
    {
        int k = depthwise ? rng.Next(5) switch { 0 => 1, 1 => 5, 2 => 7, _ => 3 } : rng.Next(4) switch { 0 => 1, 1 => 7, _ => 3 };
        int kw = rng.Next(5) == 0 ? 1 + rng.Next(5) : k;
        int s = 1 + rng.Next(rng.Next(3) == 0 ? 3 : 2);
        int d = rng.Next(5) == 0 ? 2 : 1;
        int group = depthwise ? (rng.Next(2) == 0 ? 16 + rng.Next(40) : 2 + rng.Next(11)) : (rng.Next(4) == 0 ? 2 : 1); // 16+: channel blocks
        int icg = depthwise ? 1 : (group > 1 ? 2 : 1) + rng.Next(rng.Next(4) == 0 ? 120 : 24); // 64+: pointwise B packed by rows
        int ocg = depthwise ? (rng.Next(4) == 0 ? 2 : 1) : 1 + rng.Next(40);
        int inH = ((k - 1) * d) + 1 + rng.Next(20), inW = ((kw - 1) * d) + 1 + rng.Next(rng.Next(2) == 0 ? 20 : 70);
        if (depthwise && rng.Next(4) == 0)
        {
            // 3×3 s1 on a plane at most 8 outputs wide and 64 flat outputs (the flat layout): MobileNet's 7×7 and smaller.
            (k, kw, s, d) = (3, 3, 1, 1);
            (inH, inW) = (3 + rng.Next(5), 3 + rng.Next(6));
        }

        int ph = rng.Next(k), pw = rng.Next(kw), phe = rng.Next(k), pwe = rng.Next(kw);
        int oh = ((inH + ph + phe - (d * (k - 1)) - 1) / s) + 1, ow = ((inW + pw + pwe - (d * (kw - 1)) - 1) / s) + 1;
        return new NnGeometry
        {
            Batch = 1 + rng.Next(2), Channels = icg * group, InD = 1, InH = inH, InW = inW, OutChannels = ocg * group, Group = group,
            KD = 1, KH = k, KW = kw, SD = 1, SH = s, SW = s, PH = ph, PW = pw, PHEnd = phe, PWEnd = pwe, DD = 1, DH = d, DW = d, OutD = 1, OutH = oh, OutW = ow,
        };
    }

    private static unsafe void AssertScalarChain(NnGeometry g, float[] x, float[] w, float[]? bias, float[] y)
    {
        fixed (float* xp = x)
        fixed (float* wp = w)
        {
            var xs = new PointerSource(xp);
            var ws = new PointerSource(wp);
            long i = 0;
            for (int n = 0; n < g.Batch; n++)
            {
                for (int oc = 0; oc < g.OutChannels; oc++)
                {
                    for (int oh = 0; oh < g.OutH; oh++)
                    {
                        for (int ow = 0; ow < g.OutW; ow++, i++)
                        {
                            float acc = NnMath.ConvElement(xs, ws, g, n, oc, 0, oh, ow);
                            float want = bias is null ? acc : NnMath.AddBias(acc, bias[oc]);
                            Assert.True(Same(want, y[i]), $"{Describe(g)} pads end {g.PHEnd},{g.PWEnd}: output ({n}, {oc}, {oh}, {ow}): {y[i]:R}, scalar chain {want:R}\n{Reproduce}");
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// A fused elementwise group (HardSwish written out, then a per-plane scale, a Sub and a Relu; one intermediate value
    /// is also a graph output) against the same session's dump run, with special values in every operand; operands the
    /// one-pass runner cannot take (a per-channel scale of lower rank) make the group run node by node, same bits.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ElementwiseGroupMatchesTheNodes(bool lowerRankScale)
    {
        var rng = new Random(RandomImages.RunSeed ^ (lowerRankScale ? 0x61 : 0x60));
        output.WriteLine($"seed {RandomImages.RunSeed}");
        int[] shape = [2, 3, 9, 37]; // planes of 333: two whole strips of 128 and a partial one
        long[] scaleDims = lowerRankScale ? [3, 1, 1] : [2, 3, 1, 1];
        byte[] bytes = TinyOnnx.ModelBytes(
            [
                new TinyOnnx.Node("Add", ["x", "three"], ["a"]),
                new TinyOnnx.Node("Clip", ["a", "zero", "six"], ["b"]),
                new TinyOnnx.Node("Mul", ["x", "b"], ["m"]),
                new TinyOnnx.Node("Div", ["m", "six"], ["d"]),
                new TinyOnnx.Node("Mul", ["d", "s"], ["e"]),
                new TinyOnnx.Node("Sub", ["e", "x"], ["f"]),
                new TinyOnnx.Node("Relu", ["f"], ["y"]),
            ],
            [new TinyOnnx.Value("x", TinyOnnx.Float, [.. shape.Select(d => (long?)d)]), new TinyOnnx.Value("s", TinyOnnx.Float, [.. scaleDims.Select(d => (long?)d)])],
            [new TinyOnnx.Value("y", TinyOnnx.Float), new TinyOnnx.Value("d", TinyOnnx.Float)],
            [new TinyOnnx.Initializer("three", [], [3f]), new TinyOnnx.Initializer("zero", [], [0f]), new TinyOnnx.Initializer("six", [], [6f])]);
        OnnxModel model = OnnxLoader.Load(bytes, "group.onnx", Path.GetTempPath());
        var session = new OnnxSession(model, ExecutionOptions.Default with { Threads = 2 }, HostDevice.Shared);
        for (int round = 0; round < 20; round++)
        {
            var feed = new Dictionary<string, Tensor>
            {
                ["x"] = new Tensor<float>(RandomArray(rng, Tensor.ElementCount(shape), specials: true), shape),
                ["s"] = new Tensor<float>(RandomArray(rng, scaleDims.Aggregate(1L, (a, d) => a * d), specials: true), [.. scaleDims.Select(d => (int)d)]),
            };
            int reported = 0;
            Tensor[] fused = Outputs(session.Run(feed, null, (_, _) => reported++), model);
            Tensor[] dump = Outputs(session.Run(feed, (_, _) => { }), model);
            for (int o = 0; o < fused.Length; o++)
            {
                Assert.True(BitDifference(dump[o], fused[o]) is null, $"round {round} output {o}: {BitDifference(dump[o], fused[o])}\n{Reproduce}");
            }

            Assert.Equal(lowerRankScale ? 7 : 1, reported);
        }

        output.WriteLine($"20 rounds bit-identical to the nodes run one by one ({(lowerRankScale ? "fallback: node by node" : "one fused pass")})");
    }

    public static TheoryData<string> Zoo => new(ModelCache.All.Select(m => m.Name));

    /// <summary>
    /// A session's plain runs (recycled buffers, fused Conv epilogues; then recycled buffers alone) give the bits of
    /// its per-value dump run, over interleaved runs on two inputs (stale recycled contents must not leak).
    /// </summary>
    [Theory]
    [MemberData(nameof(Zoo))]
    public void FusedRecycledRunsMatchTheDump(string name)
    {
        ZooModel model = ModelCache.Get(name);
        int seed = ModelInputs.SeedFor(name);
        int[] shape = [2, .. model.Shape[1..]];
        output.WriteLine($"{name}: input {string.Join("x", shape)}, seed {seed} (SYSNOISE_SEED={RandomImages.RunSeed} replays)");
        OnnxModel onnx = OnnxLoader.Load(ModelCache.PathOf(model));
        string input = onnx.Graph.Inputs.Single().Name;
        Tensor<float>[] images = [ModelInputs.Images(model.Kind, shape, seed), ModelInputs.Images(model.Kind, shape, seed + 1)];
        var options = ExecutionOptions.Default with { Threads = 2 };
        var fusedSession = new OnnxSession(onnx, options, HostDevice.Shared);
        var unfusedSession = new OnnxSession(onnx, options with { FuseElementwise = false }, HostDevice.Shared);

        var dumps = images.Select(x => Outputs(fusedSession.Run(new Dictionary<string, Tensor> { [input] = x }, (_, _) => { }), onnx)).ToArray();
        int reported = 0;
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < images.Length; i++)
            {
                var feed = new Dictionary<string, Tensor> { [input] = images[i] };
                int nodes = 0;
                Tensor[] fused = Outputs(fusedSession.Run(feed, null, (_, _) => nodes++), onnx);
                reported = nodes;
                Tensor[] recycled = Outputs(unfusedSession.Run(feed), onnx);
                for (int o = 0; o < fused.Length; o++)
                {
                    Assert.True(BitDifference(dumps[i][o], fused[o]) is null, $"{name} image {i} round {round} output {o}: fused+recycled vs dump: {BitDifference(dumps[i][o], fused[o])}\n{Reproduce}");
                    Assert.True(BitDifference(dumps[i][o], recycled[o]) is null, $"{name} image {i} round {round} output {o}: recycled vs dump: {BitDifference(dumps[i][o], recycled[o])}\n{Reproduce}");
                }
            }
        }

        int absorbed = onnx.Graph.Nodes.Count - reported;
        output.WriteLine($"{onnx.Graph.Nodes.Count} nodes, {absorbed} run inside fused Conv epilogues or elementwise groups; 2 images × 2 rounds bit-identical to the dump");
        if (name is "resnet18" or "resnet50")
        {
            // Every Relu and residual Add of a ResNet follows a Conv (or an Add that does): most of them must fuse.
            Assert.True(absorbed >= onnx.Graph.Nodes.Count(n => n.OpType == "Relu") - 1, $"{name}: only {absorbed} nodes absorbed");
        }

        if (name is "mobilenet_v2")
        {
            Assert.True(absorbed >= onnx.Graph.Nodes.Count(n => n.OpType == "Clip"), $"{name}: only {absorbed} nodes absorbed");
        }
    }

    private static Tensor[] Outputs(IReadOnlyDictionary<string, Tensor> results, OnnxModel model) => model.Graph.Outputs.Select(o => results[o.Name]).ToArray();

    private static string? BitDifference(Tensor expected, Tensor actual)
    {
        if (!expected.Shape.SequenceEqual(actual.Shape) || expected.DType != actual.DType)
        {
            return $"{actual.DType} {actual.ShapeText} vs {expected.DType} {expected.ShapeText}";
        }

        if (expected is Tensor<float> e && actual is Tensor<float> a)
        {
            for (int i = 0; i < e.Data.Length; i++)
            {
                if (!Same(e.Data[i], a.Data[i]))
                {
                    return $"element {i}: {a.Data[i]:R} vs {e.Data[i]:R}";
                }
            }

            return null;
        }

        for (long i = 0; i < expected.Length; i++)
        {
            if (!expected.GetAsDouble(i).Equals(actual.GetAsDouble(i)))
            {
                return $"element {i}: {actual.GetAsDouble(i):R} vs {expected.GetAsDouble(i):R}";
            }
        }

        return null;
    }

    /// <summary>Same bits; two NaNs count as the same (payloads are not part of any library's contract here).</summary>
    private static bool Same(float a, float b) => BitConverter.SingleToInt32Bits(a) == BitConverter.SingleToInt32Bits(b) || (float.IsNaN(a) && float.IsNaN(b));

    private static float[] Lanes(Random rng)
    {
        var v = new float[16];
        for (int i = 0; i < 16; i++)
        {
            v[i] = RandomValue(rng, specials: true);
        }

        return v;
    }

    private static float RandomValue(Random rng, bool specials) => specials && rng.Next(4) == 0
        ? Specials[rng.Next(Specials.Length)]
        : rng.Next(3) switch
        {
            0 => (float)((rng.NextDouble() * 16) - 8),
            1 => (float)(((rng.NextDouble() * 2) - 1) * Math.Pow(10, rng.Next(-40, 38))),
            _ => BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next(2) << 31)),
        };

    private static float[] RandomArray(Random rng, long length, bool specials)
    {
        var a = new float[length];
        for (long i = 0; i < length; i++)
        {
            a[i] = specials ? RandomValue(rng, true) : (float)((rng.NextDouble() * 2) - 1);
        }

        return a;
    }

    /// <summary>
    /// Runs the convolution with each of <see cref="Epilogues"/> absorbed and checks every output against the plain
    /// output <paramref name="plain"/> followed by the unfused Add / Relu / Clip ops; returns the number of epilogues.
    /// </summary>
    /// <summary>
    /// A one-group convolution of geometry <paramref name="g"/> on random inputs, weights and bias (special values a third of
    /// the time, no bias a third of the time), 1 or 2 threads, against the scalar chain and, when asked, with each
    /// epilogue against the unfused ops. Returns the number of outputs checked.
    /// </summary>
    private static long AssertRandomConv(NnGeometry g, Random rng, bool epilogues)
    {
        bool specials = rng.Next(3) == 0;
        float[] x = RandomArray(rng, (long)g.Batch * g.Channels * g.InSpatial, specials);
        float[] w = RandomArray(rng, (long)g.OutChannels * g.GroupChannels * g.KernelSpatial, specials);
        float[]? bias = rng.Next(3) == 0 ? null : RandomArray(rng, g.OutChannels, specials);
        float[] packed = ConvHost.PackWeights(w, g);
        int threads = 1 + rng.Next(2);
        var y = new float[g.OutputElements];
        ConvHost.Run(x, w, packed, bias, y, g, threads);
        AssertScalarChain(g, x, w, bias, y);
        if (epilogues)
        {
            AssertEpiloguesMatch(g, x, w, packed, bias, y, threads, rng);
        }

        return y.Length;
    }

    private static int AssertEpiloguesMatch(NnGeometry g, float[] x, float[] w, float[] packed, float[]? bias, float[] plain, int threads, Random rng)
    {
        int count = 0;
        foreach (ConvEpilogue e in Epilogues(rng, plain.Length))
        {
            var fused = new float[plain.Length];
            ConvHost.Run(x, w, packed, bias, fused, g, threads, e);
            for (int i = 0; i < plain.Length; i++)
            {
                float v = plain[i];
                if (e.Skip is { } s)
                {
                    v = e.SkipFirst ? default(AddOp).Apply(s[i], v) : default(AddOp).Apply(v, s[i]);
                }

                v = e.Activation switch
                {
                    ConvActivation.Relu => default(ReluOp).Apply(v),
                    ConvActivation.Clip => new ClipOp(e.Lo, e.Hi).Apply(v),
                    _ => v,
                };
                Assert.True(Same(v, fused[i]), $"{Describe(g)} epilogue (add {(e.Skip is null ? "none" : e.SkipFirst ? "skip+conv" : "conv+skip")}, {e.Activation} {e.Lo:R}..{e.Hi:R}), {threads} threads: element {i}: fused {fused[i]:R}, unfused {v:R}\n{Reproduce}");
            }

            count++;
        }

        return count;
    }

    private static IEnumerable<ConvEpilogue> Epilogues(Random rng, long length)
    {
        float[] skip = RandomArray(rng, length, specials: true);
        yield return new ConvEpilogue { Activation = ConvActivation.Relu };
        yield return new ConvEpilogue { Activation = ConvActivation.Clip, Lo = 0f, Hi = 6f };
        yield return new ConvEpilogue { Skip = skip, SkipFirst = false };
        yield return new ConvEpilogue { Skip = skip, SkipFirst = true, Activation = ConvActivation.Relu };
        yield return new ConvEpilogue { Skip = skip, SkipFirst = false, Activation = ConvActivation.Clip, Lo = -0.5f, Hi = 0.25f };
    }

    /// <summary>GEMM-path and depthwise-path geometries: 1×1, 3×3 s1/s2 with pads, 7×7 s2, grouped, dilated, odd widths.</summary>
    private static IEnumerable<NnGeometry> ConvGeometries(Random rng)
    {
        (int C, int OC, int H, int W, int K, int S, int Group, int Dil)[] shapes =
        [
            (16, 24, 13, 17, 1, 1, 1, 1),
            (24, 40, 9, 11, 1, 2, 1, 1),
            (8, 20, 15, 15, 3, 1, 1, 1),
            (12, 36, 17, 19, 3, 2, 1, 1),
            (3, 16, 23, 21, 7, 2, 1, 1),
            (12, 12, 11, 13, 3, 1, 3, 1),
            (32, 32, 19, 37, 3, 1, 32, 1),
            (24, 24, 20, 41, 3, 2, 24, 1),
            (16, 32, 15, 18, 3, 2, 16, 1),
            (8, 8, 14, 29, 5, 1, 8, 2),
            (6, 6, 9, 33, 3, 2, 6, 2),
            (48, 48, 14, 14, 3, 1, 48, 1),
            (40, 40, 14, 14, 3, 2, 40, 1),
            (32, 32, 7, 7, 3, 1, 32, 1),
            (22, 22, 5, 6, 3, 1, 22, 1),
            (10, 20, 6, 8, 3, 1, 10, 1),
            (16, 20, 9, 40, 3, 1, 1, 1),
            (72, 40, 23, 29, 1, 1, 1, 1),
        ];
        foreach (var s in shapes)
        {
            int pad = s.Dil * (s.K / 2);
            int batch = 1 + rng.Next(2);
            int oh = ((s.H + (2 * pad) - (s.Dil * (s.K - 1)) - 1) / s.S) + 1;
            int ow = ((s.W + (2 * pad) - (s.Dil * (s.K - 1)) - 1) / s.S) + 1;
            yield return new NnGeometry
            {
                Batch = batch, Channels = s.C, InD = 1, InH = s.H, InW = s.W, OutChannels = s.OC, Group = s.Group, KD = 1, KH = s.K, KW = s.K,
                SD = 1, SH = s.S, SW = s.S, PH = pad, PW = pad, PHEnd = pad, PWEnd = pad, DD = 1, DH = s.Dil, DW = s.Dil, OutD = 1, OutH = oh, OutW = ow,
            };
        }
    }

    private static string Describe(NnGeometry g) => $"conv N{g.Batch} C{g.Channels}→{g.OutChannels} {g.InH}x{g.InW} k{g.KH}x{g.KW} s{g.SH} p{g.PH},{g.PW} d{g.DH} group {g.Group}";
}
