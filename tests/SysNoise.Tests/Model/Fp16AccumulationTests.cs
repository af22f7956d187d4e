using SysNoise.Runtime.IO;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Quantization;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>fp16-acc16 Conv, ConvTranspose and MatMul against a NumPy float16-accumulation reference, and against fp16 storage alone.</summary>
public sealed class Fp16AccumulationTests(ITestOutputHelper output)
{
    [Fact]
    public void ConvConvTransposeAndMatMulAccumulateInBinary16LikeTheNumPyReference()
    {
        var rng = new Random(RandomImages.RunSeed);
        float[] Half(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)(Half)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        var x = new Tensor<float>(Half(2 * 3 * 6 * 5, 8), 2, 3, 6, 5);
        var w = new Tensor<float>(Half(4 * 3 * 3 * 3, 2), 4, 3, 3, 3);
        var b = new Tensor<float>(Half(4, 4), 4);
        var x2 = new Tensor<float>(Half(5 * 70, 6), 5, 70);
        var w2 = new Tensor<float>(Half(70 * 3, 3), 70, 3);
        var xt = new Tensor<float>(Half(1 * 3 * 5 * 4, 8), 1, 3, 5, 4);
        var wt = new Tensor<float>(Half(3 * 2 * 3 * 3, 2), 3, 2, 3, 3);
        var bt = new Tensor<float>(Half(2, 4), 2);
        string dir = Directory.CreateTempSubdirectory("sysnoise-acc16-").FullName;
        try
        {
            foreach ((string name, Tensor t) in new (string, Tensor)[] { ("x", x), ("w", w), ("b", b), ("x2", x2), ("w2", w2), ("xt", xt), ("wt", wt), ("bt", bt) })
            {
                NpyFormat.Write(Path.Combine(dir, name + ".npy"), t);
            }

            PythonOracle.Run(PythonOracle.Script("fp16_acc16.py"), dir);
            byte[] model = new OnnxModelBuilder(13)
                .Input("x", DType.Float32, 2, 3, 6, 5).Input("x2", DType.Float32, 5, 70).Input("xt", DType.Float32, 1, 3, 5, 4)
                .Output("y", DType.Float32).Output("z", DType.Float32).Output("yt", DType.Float32)
                .Initializer("w", w).Initializer("b", b).Initializer("w2", w2).Initializer("wt", wt).Initializer("bt", bt)
                .Node("Conv", ["x", "w", "b"], ["y"], ("pads", new long[] { 1, 1, 1, 1 }))
                .Node("MatMul", ["x2", "w2"], ["z"])
                .Node("ConvTranspose", ["xt", "wt", "bt"], ["yt"], ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 })).ToBytes();
            var onnx = OnnxLoader.Load(model, "acc16.onnx", dir);
            var inputs = new Dictionary<string, Tensor> { ["x"] = x, ["x2"] = x2, ["xt"] = xt };
            var acc16 = new OnnxSession(onnx, new ExecutionOptions { Precision = Precision.Fp16Acc16 }).Run(inputs);
            var fp16 = new OnnxSession(onnx, new ExecutionOptions { Precision = Precision.Fp16 }).Run(inputs);
            var conv = (Tensor<float>)NpyFormat.Read(Path.Combine(dir, "conv.npy"));
            var matmul = (Tensor<float>)NpyFormat.Read(Path.Combine(dir, "matmul.npy"));
            string? d1 = Compare.Bytes(conv.Data, ((Tensor<float>)acc16["y"]).Data);
            string? d2 = Compare.Bytes(matmul.Data, ((Tensor<float>)acc16["z"]).Data);
            Assert.True(d1 is null, $"Conv acc16 vs NumPy (seed {RandomImages.RunSeed}): {d1}");
            Assert.True(d2 is null, $"MatMul acc16 vs NumPy (seed {RandomImages.RunSeed}): {d2}");
            var convt = (Tensor<float>)NpyFormat.Read(Path.Combine(dir, "convt.npy"));
            Assert.Equal(convt.Shape, ((Tensor<float>)acc16["yt"]).Shape);
            string? d3 = Compare.Bytes(convt.Data, ((Tensor<float>)acc16["yt"]).Data);
            Assert.True(d3 is null, $"ConvTranspose acc16 vs NumPy (seed {RandomImages.RunSeed}): {d3}");
            int differ = ((Tensor<float>)fp16["z"]).Data.Zip(((Tensor<float>)acc16["z"]).Data).Count(p => p.First != p.Second);
            output.WriteLine($"seed {RandomImages.RunSeed}: acc16 == NumPy float16 accumulation; {differ}/15 MatMul outputs differ from fp32 accumulation");
            Assert.True(differ > 0, "fp16 accumulation should differ from fp32 accumulation on a 70-term sum");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
