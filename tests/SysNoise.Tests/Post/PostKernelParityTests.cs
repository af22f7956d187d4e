using System.Reflection;
using SysNoise.Kernels.Post;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Post;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Post;

/// <summary>
/// The post-processing ILGPU kernels against the host loops, bit for bit: on ILGPU's CPU accelerator (a slow simulator:
/// small cases) in every run, and on CUDA when a GPU is present. For NMS this also proves the GPU design (suppression
/// bitmask kernel + sequential scan) keeps exactly what torchvision's greedy CPU loop keeps.
/// </summary>
public sealed class PostKernelParityTests(ITestOutputHelper output, PostKernelParityTests.Accelerators fixture) : IClassFixture<PostKernelParityTests.Accelerators>
{
    [Fact]
    public void SimulatorMatchesHost() => Check(fixture.CpuSimulator, scale: 3);

    [Fact]
    public void CudaMatchesHost()
    {
        if (fixture.Cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        Check(fixture.Cuda, scale: 20);
    }

    [Fact]
    public void EveryPostKernelCompilesToPtx()
    {
        string[] names = [nameof(PostKernels.DecodeBoxes), nameof(PostKernels.BoxIou), nameof(PostKernels.NmsMask), nameof(PostKernels.Softmax)];
        using var compiler = new PtxCompiler();
        foreach (string name in names)
        {
            MethodInfo kernel = typeof(PostKernels).GetMethod(name)!;
            string ptx = compiler.Compile(kernel);
            Assert.Contains(".entry", ptx, StringComparison.Ordinal);
            // StrictFloat's rounded forms are in the PTX. (ILGPU also emits the plain forms of the non-CUDA branch, behind
            // predicates set by 'setp.ne.s32 %p, 1, 1', i.e. never taken; the CUDA parity test is the proof on hardware.)
            Assert.Contains(".rn.f32", ptx, StringComparison.Ordinal);
            output.WriteLine($"{name}: {ptx.Length} chars of PTX for {compiler.Architecture}");
        }
    }

    private void Check(Device device, int scale)
    {
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "post-kernels", device.Kind) & int.MaxValue);
        output.WriteLine($"seed {RandomImages.RunSeed}; device {device.Name}");
        string Where(string what) => $"{what} on {device.Name} (seed {RandomImages.RunSeed}; reproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests -c Release --filter \"FullyQualifiedName~{nameof(PostKernelParityTests)}\")";

        int decodeCases = 0;
        foreach (BoxConvention convention in PostVariants.BoxConventions)
        {
            foreach (BoxArithmetic arithmetic in new[] { BoxArithmetic.Float64, BoxArithmetic.Float32Torch })
            {
                for (int c = 0; c < 3 * scale; c++)
                {
                    DecodeCase dc = PostCases.Decode(rng, convention, arithmetic, maxAnchors: 12 * scale);
                    BoxDecodeSpec spec = convention.Spec(dc.Options);
                    string? diff = Compare.Bytes(PostProcessing.DecodeBoxes(HostDevice.Shared, spec, dc.Anchors, dc.Deltas), PostProcessing.DecodeBoxes(device, spec, dc.Anchors, dc.Deltas));
                    Assert.True(diff is null, Where($"decode {dc} {arithmetic}: {diff}"));
                    decodeCases++;
                }
            }
        }

        for (int c = 0; c < 8 * scale; c++)
        {
            float[] both = PostCases.Boxes(rng, rng.Next(1, 16 * scale) + rng.Next(1, 16 * scale));
            int split = 4 * rng.Next(1, both.Length / 4);
            float[] a = both[..split], b = both[split..];
            string? diff = Compare.Bytes(PostProcessing.BoxIou(HostDevice.Shared, a, b), PostProcessing.BoxIou(device, a, b));
            Assert.True(diff is null, Where($"box_iou {a.Length / 4}×{b.Length / 4}: {diff}"));
        }

        int nmsCases = 0, kept = 0;
        foreach (NmsVariant variant in PostVariants.Nms)
        {
            for (int c = 0; c < 10 * scale; c++)
            {
                NmsCase nc = c % 5 == 4 ? PostCases.ExactThresholdCase(rng) : PostCases.Nms(rng, maxBoxes: 130, batched: true);
                NmsSpec spec = variant.Spec(nc.Iou);

                // The mask kernel against its host loop, and its scan against the greedy loop.
                int[] order = PostProcessing.Order(variant, nc.Scores);
                float[] sorted = order.SelectMany(i => nc.Boxes.Skip(i * 4).Take(4)).ToArray();
                ulong[] mask = PostProcessing.NmsMask(device, sorted, spec);
                Assert.True(PostHost.NmsMask(sorted, spec).SequenceEqual(mask), Where($"{variant.Name} mask, {nc}"));
                List<int> scanned = PostHost.ScanNmsMask(mask, nc.Count).ConvertAll(p => order[p]);
                List<int> greedy = PostHost.NmsGreedy(nc.Boxes, order, spec);
                Assert.True(greedy.SequenceEqual(scanned), Where($"{variant.Name} mask scan [{string.Join(", ", scanned)}] vs greedy [{string.Join(", ", greedy)}], {nc}\n{nc.Dump()}"));

                long[] host = PostProcessing.BatchedNms(HostDevice.Shared, variant, nc.Boxes, nc.Scores, nc.Classes, nc.Iou);
                long[] dev = PostProcessing.BatchedNms(device, variant, nc.Boxes, nc.Scores, nc.Classes, nc.Iou);
                Assert.True(host.SequenceEqual(dev), Where($"{variant.Name} batched, {nc}"));
                nmsCases++;
                kept += greedy.Count;
            }
        }

        int softmaxRows = 0;
        foreach (SoftmaxVariant variant in PostVariants.Softmax)
        {
            for (int c = 0; c < 4 * scale; c++)
            {
                (float[] x, int cols) = SoftmaxTests.RandomLogits(rng, variant.Half, rows: 1 + rng.Next(6 * scale));
                string? diff = Compare.Bytes(PostProcessing.Softmax(HostDevice.Shared, variant, x, cols), PostProcessing.Softmax(device, variant, x, cols));
                Assert.True(diff is null, Where($"{variant.Name} {x.Length / cols}×{cols}: {diff}"));
                softmaxRows += x.Length / cols;
            }
        }

        output.WriteLine($"identical to the host: {decodeCases} decode cases (6 conventions × 2 arithmetics), {8 * scale} box_iou cases, {nmsCases} NMS cases ({kept} kept; mask kernel == host mask, mask scan == greedy loop, batched == host), {softmaxRows} softmax rows");
    }

    public sealed class Accelerators : IDisposable
    {
        public IlgpuDevice CpuSimulator { get; } = IlgpuDevice.CreateCpuSimulator();

        public IlgpuDevice? Cuda { get; } = IlgpuDevice.TryCreateCuda();

        public void Dispose()
        {
            CpuSimulator.Dispose();
            Cuda?.Dispose();
        }
    }
}
