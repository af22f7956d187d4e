using SysNoise.Kernels.Model;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Model.Ops;
using SysNoise.Runtime.Tensors;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// The elementwise, reduction, Softmax and normalization operators: ILGPU kernels give the host loops' bits (CPU
/// accelerator always, CUDA when present) on small random cases with special values and random broadcasting; host
/// results do not depend on the thread count; DetMath is accurate to about an ulp of the correctly rounded result.
/// </summary>
public sealed class ElementwiseKernelTests(ITestOutputHelper output, ElementwiseKernelTests.Accelerators fixture) : IClassFixture<ElementwiseKernelTests.Accelerators>
{
    private const int Cases = 4;

    public static TheoryData<string> UnaryOps() => new()
    {
        "Abs", "Neg", "Sqrt", "Exp", "Log", "Reciprocal", "Floor", "Ceil", "Round", "Sign", "Sin", "Cos", "Tan", "Atan", "Relu",
        "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Erf", "Elu", "Selu", "Softplus", "Softsign", "Clip",
    };

    public static TheoryData<string> BinaryOps() => new()
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Min", "Max", "PRelu", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
    };

    public static TheoryData<string> ReduceOps() => new()
    {
        "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp",
    };

    public static TheoryData<string> RowOps() => new() { "Softmax", "LogSoftmax", "LayerNormalization", "InstanceNormalization" };

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void UnaryCpuAcceleratorMatchesHost(string op) => Check(fixture.CpuSimulator, op, rng => UnaryCase(rng, op));

    [Theory]
    [MemberData(nameof(UnaryOps))]
    public void UnaryCudaMatchesHost(string op) => CheckCuda(op, rng => UnaryCase(rng, op));

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void BinaryCpuAcceleratorMatchesHost(string op) => Check(fixture.CpuSimulator, op, rng => BinaryCase(rng, op));

    [Theory]
    [MemberData(nameof(BinaryOps))]
    public void BinaryCudaMatchesHost(string op) => CheckCuda(op, rng => BinaryCase(rng, op));

    [Theory]
    [MemberData(nameof(ReduceOps))]
    public void ReduceCpuAcceleratorMatchesHost(string op) => Check(fixture.CpuSimulator, op, rng => ReduceCase(rng, op));

    [Theory]
    [MemberData(nameof(ReduceOps))]
    public void ReduceCudaMatchesHost(string op) => CheckCuda(op, rng => ReduceCase(rng, op));

    [Theory]
    [MemberData(nameof(RowOps))]
    public void RowOpsCpuAcceleratorMatchHost(string op) => Check(fixture.CpuSimulator, op, rng => RowCase(rng, op));

    [Theory]
    [MemberData(nameof(RowOps))]
    public void RowOpsCudaMatchHost(string op) => CheckCuda(op, rng => RowCase(rng, op));

    /// <summary>Reductions, Softmax and LayerNormalization give the same bits with 1 thread and with many (large tensors take the parallel path).</summary>
    [Theory]
    [InlineData("ReduceSum")]
    [InlineData("ReduceMean")]
    [InlineData("ReduceLogSumExp")]
    [InlineData("Softmax")]
    [InlineData("LayerNormalization")]
    [InlineData("Add")]
    public void HostResultsDoNotDependOnThreads(string op)
    {
        var rng = new Random(Seed(op, 7));
        int[] shape = [8, 64, 300];
        Tensor x = RandomFloats(rng, shape, special: false);
        (OnnxNode node, Tensor?[] inputs) = op switch
        {
            "Softmax" => (Node(op, 13, ("axis", 1L)), new Tensor?[] { x }),
            "LayerNormalization" => (Node(op, 17, ("axis", -1L)), [x, RandomFloats(rng, [300], false), RandomFloats(rng, [300], false)]),
            "Add" => (Node(op, 17), [x, RandomFloats(rng, [64, 1], false)]),
            _ => (Node(op, 13, ("axes", new long[] { 0, 2 }), ("keepdims", 0L)), [x]),
        };
        Tensor[] one = Run(HostDevice.Shared, node, inputs, threads: 1);
        Tensor[] many = Run(HostDevice.Shared, node, inputs, threads: 8);
        AssertSameBits(one, many, $"{op}: 1 thread vs 8 threads");
    }

    /// <summary>
    /// DetMath's float functions against the correctly rounded double result (.NET's libm in double, rounded once):
    /// at most 1 ulp apart on 200 000 random arguments spread over the useful ranges (plus special values).
    /// </summary>
    [Theory]
    [InlineData("Exp")]
    [InlineData("Log")]
    [InlineData("Sin")]
    [InlineData("Cos")]
    [InlineData("Tan")]
    [InlineData("Atan")]
    [InlineData("Tanh")]
    [InlineData("Erf")]
    [InlineData("Sigmoid")]
    [InlineData("Softplus")]
    [InlineData("Pow")]
    public void DetMathIsWithinOneUlp(string function)
    {
        var rng = new Random(Seed(function, 11));
        long worst = 0;
        string worstCase = string.Empty;
        for (int i = 0; i < 200_000; i++)
        {
            float x = function switch
            {
                "Log" => MathF.Pow(10, (float)((rng.NextDouble() * 80) - 40)),
                "Exp" => (float)((rng.NextDouble() * 200) - 100),
                "Sin" or "Cos" or "Tan" => (float)((rng.NextDouble() * 2000) - 1000) * (i % 4 == 0 ? 1e-3f : 1f),
                "Pow" => (float)(rng.NextDouble() * 20),
                _ => (float)((rng.NextDouble() * 40) - 20) * (i % 4 == 0 ? 1e-3f : 1f),
            };
            float y = (float)((rng.NextDouble() * 16) - 8);
            (float got, double want) = function switch
            {
                "Exp" => (DetMath.Exp(x), Math.Exp(x)),
                "Log" => (DetMath.Log(x), Math.Log(x)),
                "Sin" => (DetMath.Sin(x), Math.Sin(x)),
                "Cos" => (DetMath.Cos(x), Math.Cos(x)),
                "Tan" => (DetMath.Tan(x), Math.Tan(x)),
                "Atan" => (DetMath.Atan(x), Math.Atan(x)),
                "Tanh" => (DetMath.Tanh(x), Math.Tanh(x)),
                "Erf" => (DetMath.Erf(x), ErfReference(x)),
                "Sigmoid" => (DetMath.Sigmoid(x), 1.0 / (1.0 + Math.Exp(-(double)x))),
                "Softplus" => (DetMath.Softplus(x), x > 0 ? x + Math.Log(1 + Math.Exp(-(double)x)) : Math.Log(1 + Math.Exp(x))),
                _ => (DetMath.Pow(x, y), Math.Pow(x, y)),
            };
            long u = Ulps.Between(got, (float)want);
            if (u > worst)
            {
                worst = u;
                worstCase = $"{function}({x:R}{(function == "Pow" ? ", " + y.ToString("R") : string.Empty)}) = {got:R}, reference {(float)want:R}";
            }
        }

        output.WriteLine($"{function}: worst {worst} ulp {worstCase}");
        Assert.True(worst <= 1, $"{function}: {worst} ulps: {worstCase}");

        float[] special = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.Epsilon, -float.Epsilon, float.MaxValue, -float.MaxValue, 1e-30f, -1e-30f, 88.7f, -103f, 1f, -1f];
        foreach (float s in special)
        {
            (float got, double want) = function switch
            {
                "Exp" => (DetMath.Exp(s), Math.Exp(s)),
                "Log" => (DetMath.Log(s), Math.Log(s)),
                "Sin" => (DetMath.Sin(s), Math.Abs(s) > 1e6 ? double.NaN : Math.Sin(s)),
                "Cos" => (DetMath.Cos(s), Math.Abs(s) > 1e6 ? double.NaN : Math.Cos(s)),
                "Tan" => (DetMath.Tan(s), Math.Abs(s) > 1e6 ? double.NaN : Math.Tan(s)),
                "Atan" => (DetMath.Atan(s), Math.Atan(s)),
                "Tanh" => (DetMath.Tanh(s), Math.Tanh(s)),
                "Erf" => (DetMath.Erf(s), double.IsNaN(s) ? double.NaN : ErfReference(s)),
                "Sigmoid" => (DetMath.Sigmoid(s), double.IsNaN(s) ? double.NaN : s >= 0 ? 1.0 / (1.0 + Math.Exp(-(double)s)) : Math.Exp(s) / (1 + Math.Exp(s))),
                "Softplus" => (DetMath.Softplus(s), double.IsNaN(s) ? double.NaN : s > 0 ? s + Math.Log(1 + Math.Exp(-(double)s)) : Math.Log(1 + Math.Exp(s))),
                _ => (DetMath.Pow(s, 2.5f), Math.Pow(s, 2.5)),
            };
            if (function is "Sin" or "Cos" or "Tan" && Math.Abs(s) > 1e6 && !float.IsInfinity(s) && !float.IsNaN(s))
            {
                continue; // huge arguments: reduction by π/2 in double is not exact there (documented)
            }

            Assert.True(Ulps.Between(got, (float)want) <= 1, $"{function}({s:R}) = {got:R}, reference {(float)want:R}");
        }
    }

    /// <summary>Fmod, Floor, Ceil and Round are exact: equal to .NET's (IEEE) results on random and special values.</summary>
    [Fact]
    public void ExactFunctionsMatchIeee()
    {
        var rng = new Random(Seed("exact", 3));
        for (int i = 0; i < 200_000; i++)
        {
            float a = RandomFloat(rng, special: true), b = RandomFloat(rng, special: true);
            SameBits(a % b, DetMath.Fmod(a, b), $"fmod({a:R}, {b:R})");
            SameBits(MathF.Floor(a), DetMath.Floor(a), $"floor({a:R})");
            SameBits(MathF.Ceiling(a), DetMath.Ceil(a), $"ceil({a:R})");
            SameBits(MathF.Round(a, MidpointRounding.ToEven), DetMath.RoundHalfEven(a), $"round({a:R})");
            SameBits(MathF.Sqrt(a), DetMath.Sqrt(a), $"sqrt({a:R})");
        }
    }

    /// <summary>
    /// Every model kernel compiles to PTX (no GPU needed), and no float add/sub/mul/fma in it lacks an explicit
    /// rounding mode: ptxas may only contract un-moded operations into FMAs, so the GPU rounds exactly as the host.
    /// </summary>
    [Fact]
    public void EveryModelKernelCompilesToPtxWithoutContractibleFloatOps()
    {
        var kernels = new List<System.Reflection.MethodInfo>();
        Type[] all = typeof(SysNoise.Kernels.Model.Elementwise.IUnaryOp).Assembly.GetTypes();
        foreach (Type t in all.Where(t => t.IsValueType && !t.IsGenericType))
        {
            if (typeof(SysNoise.Kernels.Model.Elementwise.IUnaryOp).IsAssignableFrom(t) && t.Name != "ClipDoubleOp")
            {
                kernels.Add(typeof(SysNoise.Kernels.Model.Elementwise.ElementwiseKernels).GetMethod("Unary")!.MakeGenericMethod(t));
            }

            if (typeof(SysNoise.Kernels.Model.Elementwise.IBinaryOp).IsAssignableFrom(t))
            {
                kernels.Add(typeof(SysNoise.Kernels.Model.Elementwise.ElementwiseKernels).GetMethod("Binary")!.MakeGenericMethod(t));
            }

            if (typeof(SysNoise.Kernels.Model.Elementwise.ICompareOp).IsAssignableFrom(t))
            {
                kernels.Add(typeof(SysNoise.Kernels.Model.Elementwise.ElementwiseKernels).GetMethod("Compare")!.MakeGenericMethod(t));
            }

            if (typeof(SysNoise.Kernels.Model.Reduce.IReduceOp).IsAssignableFrom(t))
            {
                kernels.Add(typeof(SysNoise.Kernels.Model.Reduce.ReduceKernels).GetMethod("Reduce")!.MakeGenericMethod(t));
            }
        }

        kernels.Add(typeof(SysNoise.Kernels.Model.Reduce.ReduceKernels).GetMethod("Softmax")!);
        kernels.Add(typeof(SysNoise.Kernels.Model.Reduce.ReduceKernels).GetMethod("Normalize")!);
        var contractible = new System.Text.RegularExpressions.Regex(@"\b(add|sub|mul|fma|mad)\.f(32|64)\b");
        using var compiler = new PtxCompiler();
        foreach (var kernel in kernels)
        {
            string ptx = compiler.Compile(kernel);
            Assert.Contains(".entry", ptx, StringComparison.Ordinal);
            var m = contractible.Match(WithoutDeadBranches(ptx));
            Assert.False(m.Success, $"{kernel.DeclaringType!.Name}.{kernel.Name}<{string.Join(",", kernel.GetGenericArguments().Select(a => a.Name))}>: '{m.Value}' can be contracted by ptxas");
        }

        output.WriteLine($"{kernels.Count} kernels compiled to PTX for {compiler.Architecture}");
        Assert.True(kernels.Count > 40);
    }

    /// <summary>
    /// Removes the blocks that only a constant-false predicate (<c>setp.ne.s32 %p, 1, 1</c>) branches to: where
    /// ILGPU leaves <c>CudaAsm.IsSupported</c> unfolded, StrictFloat's host fallback survives as such a block, which
    /// never runs (and which ptxas deletes).
    /// </summary>
    private static string WithoutDeadBranches(string ptx)
    {
        var falsePredicates = System.Text.RegularExpressions.Regex.Matches(ptx, @"setp\.ne\.s32\s+(%p\d+),\s*1,\s*1;").Select(x => x.Groups[1].Value).ToHashSet();
        foreach (string p in falsePredicates)
        {
            foreach (System.Text.RegularExpressions.Match b in System.Text.RegularExpressions.Regex.Matches(ptx, "@" + p + @"\s+bra\s+(L_\d+);"))
            {
                string label = b.Groups[1].Value;
                int references = System.Text.RegularExpressions.Regex.Matches(ptx, @"\b" + label + @"\b").Count;
                int start = ptx.IndexOf("\n\t" + label + ":", StringComparison.Ordinal);
                if (references != 2 || start < 0)
                {
                    continue; // reachable some other way: keep it
                }

                int end = ptx.IndexOf("\n\n", start + 2, StringComparison.Ordinal);
                ptx = ptx.Remove(start, (end < 0 ? ptx.Length : end) - start);
            }
        }

        return ptx;
    }

    private static void SameBits(float want, float got, string what) =>
        Assert.True(float.IsNaN(want) ? float.IsNaN(got) : BitConverter.SingleToInt32Bits(want) == BitConverter.SingleToInt32Bits(got), $"{what} = {got:R}, IEEE {want:R}");

    private static double ErfReference(double x)
    {
        // erf by its Maclaurin series in decimal-free double with many terms (|x| < 4) or ±1: an independent sum.
        if (Math.Abs(x) >= 6)
        {
            return Math.Sign(x);
        }

        // Continued fraction of erfc for |x| >= 2 (exact enough for float), series otherwise.
        double a = Math.Abs(x);
        double r;
        if (a < 2)
        {
            double term = a, sum = a;
            for (int n = 1; n < 200; n++)
            {
                term *= -a * a / n;
                sum += term / ((2 * n) + 1);
            }

            r = sum * 2 / Math.Sqrt(Math.PI);
        }
        else
        {
            double t = a;
            for (int n = 200; n >= 1; n--)
            {
                t = a + (n / 2.0 / t);
            }

            r = 1 - (Math.Exp(-a * a) / Math.Sqrt(Math.PI) / t);
        }

        return x < 0 ? -r : r;
    }

    private void CheckCuda(string op, Func<Random, (OnnxNode, Tensor?[])> make)
    {
        if (fixture.Cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        Check(fixture.Cuda, op, make);
    }

    private void Check(Device device, string op, Func<Random, (OnnxNode Node, Tensor?[] Inputs)> make)
    {
        var rng = new Random(Seed(op, (int)device.Kind));
        output.WriteLine($"seed {RandomImages.RunSeed}; device {device.Name}");
        for (int c = 0; c < Cases; c++)
        {
            (OnnxNode node, Tensor?[] inputs) = make(rng);
            Tensor[] host = Run(HostDevice.Shared, node, inputs, threads: 2);
            Tensor[] kernel = Run(device, node, inputs, threads: 2);
            AssertSameBits(host, kernel, $"{node} on {device.Name}, inputs {string.Join(" ", inputs.Select(i => i?.ShapeText))}\nreproduce: SYSNOISE_SEED={RandomImages.RunSeed} dotnet test tests/SysNoise.Tests --filter \"FullyQualifiedName~{nameof(ElementwiseKernelTests)}\"");
        }
    }

    private static void AssertSameBits(Tensor[] expected, Tensor[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k].Shape, actual[k].Shape);
            Assert.Equal(expected[k].DType, actual[k].DType);
            for (long i = 0; i < expected[k].Length; i++)
            {
                double e = expected[k].GetAsDouble(i), a = actual[k].GetAsDouble(i);
                bool same = BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(a) || (double.IsNaN(e) && double.IsNaN(a));
                Assert.True(same, $"{what}: output {k} element {i}: {a:R}, host {e:R}");
            }
        }
    }

    private static Tensor[] Run(Device device, OnnxNode node, Tensor?[] inputs, int threads)
    {
        var context = new OpContext(ExecutionOptions.Default with { Threads = threads }, device);
        Assert.True(OpRegistry.TryGet(string.Empty, node.OpType, out IOnnxOperator op), $"{node.OpType} is not registered");
        Assert.Empty(op.Check(node));
        return op.Run(context, node, inputs);
    }

    private static int Seed(string op, int salt) => HashCode.Combine(RandomImages.RunSeed, op, salt) & int.MaxValue;

    private static OnnxNode Node(string opType, int opset, params (string Name, object Value)[] attributes)
    {
        var map = new Dictionary<string, OnnxAttribute>();
        foreach ((string name, object value) in attributes)
        {
            map[name] = value switch
            {
                long l => new OnnxAttribute { Name = name, Kind = OnnxAttributeKind.Int, Int = l },
                float f => new OnnxAttribute { Name = name, Kind = OnnxAttributeKind.Float, Float = f },
                string s => new OnnxAttribute { Name = name, Kind = OnnxAttributeKind.String, String = s },
                long[] ls => new OnnxAttribute { Name = name, Kind = OnnxAttributeKind.Ints, Ints = ls },
                _ => throw new ArgumentException(name),
            };
        }

        return new OnnxNode
        {
            Index = 0, Name = string.Empty, OpType = opType, Domain = string.Empty, Inputs = ["a", "b", "c"], Outputs = ["y", "m", "s"],
            Attributes = map, Opset = opset,
        };
    }

    private static float RandomFloat(Random rng, bool special)
    {
        if (special && rng.Next(12) == 0)
        {
            float[] s = [0f, -0f, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1f, -1f, 0.5f, -2.5f, 1e-40f, -3e38f, 1e30f, 7f];
            return s[rng.Next(s.Length)];
        }

        return rng.Next(4) switch
        {
            0 => (float)((rng.NextDouble() * 8) - 4),
            1 => (float)((rng.NextDouble() * 200) - 100),
            2 => MathF.Round((float)((rng.NextDouble() * 20) - 10) * 2) / 2, // halves: rounding ties
            _ => (float)(((rng.NextDouble() * 2) - 1) * Math.Pow(10, rng.Next(-20, 20))),
        };
    }

    private static Tensor<float> RandomFloats(Random rng, int[] shape, bool special)
    {
        var d = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = RandomFloat(rng, special);
        }

        return new Tensor<float>(d, shape);
    }

    private static int[] RandomShape(Random rng, int maxRank = 4, int maxDim = 7)
    {
        var s = new int[rng.Next(0, maxRank + 1)];
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = rng.Next(1, maxDim + 1);
        }

        return s;
    }

    private static (OnnxNode, Tensor?[]) UnaryCase(Random rng, string op)
    {
        Tensor x = RandomFloats(rng, RandomShape(rng), special: true);
        OnnxNode node = op switch
        {
            "LeakyRelu" => Node(op, 16, ("alpha", 0.1f)),
            "HardSigmoid" => Node(op, 6 + 10, ("alpha", 0.3f), ("beta", 0.4f)),
            "Elu" => Node(op, 16, ("alpha", 0.7f)),
            "Clip" => Node(op, 10, ("min", -1.5f), ("max", 2.25f)),
            _ => Node(op, 17),
        };
        return (node, [x]);
    }

    private static (OnnxNode, Tensor?[]) BinaryCase(Random rng, string op)
    {
        int[] outShape = RandomShape(rng);
        int[] a = Drop(rng, outShape), b = Drop(rng, outShape);
        OnnxNode node = op == "Mod" ? Node(op, 13, ("fmod", 1L)) : Node(op, 17);
        return (node, [RandomFloats(rng, a, true), RandomFloats(rng, b, true)]);
    }

    /// <summary>A shape that broadcasts to <paramref name="shape"/>: some leading dims dropped, some dims set to 1.</summary>
    private static int[] Drop(Random rng, int[] shape)
    {
        int skip = rng.Next(0, shape.Length + 1);
        return shape.Skip(skip).Select(d => rng.Next(3) == 0 ? 1 : d).ToArray();
    }

    private static (OnnxNode, Tensor?[]) ReduceCase(Random rng, string op)
    {
        int[] shape = RandomShape(rng, 4, 9);
        if (shape.Length == 0)
        {
            shape = [5];
        }

        bool special = op is not ("ReduceLogSum" or "ReduceL2");
        Tensor x = RandomFloats(rng, shape, special);
        long[] axes = Enumerable.Range(0, shape.Length).Where(_ => rng.Next(2) == 0).Select(i => (long)(rng.Next(2) == 0 ? i : i - shape.Length)).ToArray();
        long keep = rng.Next(2);
        return op == "ReduceSum"
            ? (Node(op, 13, ("keepdims", keep)), [x, new Tensor<long>(axes, axes.Length)])
            : (Node(op, 13, ("axes", axes), ("keepdims", keep)), [x]);
    }

    private static (OnnxNode, Tensor?[]) RowCase(Random rng, string op)
    {
        int[] shape = RandomShape(rng, 4, 9);
        if (shape.Length < 3)
        {
            shape = [2, 3, 4];
        }

        Tensor x = RandomFloats(rng, shape, special: false);
        int axis = rng.Next(-shape.Length, shape.Length);
        switch (op)
        {
            case "LayerNormalization":
            {
                int a = axis < 0 ? axis + shape.Length : axis;
                int[] norm = shape[a..];
                return (Node(op, 17, ("axis", (long)axis), ("epsilon", 1e-3f)), [x, RandomFloats(rng, norm, false), rng.Next(2) == 0 ? null : RandomFloats(rng, norm, false)]);
            }

            case "InstanceNormalization":
                return (Node(op, 17, ("epsilon", 1e-4f)), [x, RandomFloats(rng, [shape[1]], false), RandomFloats(rng, [shape[1]], false)]);
            default:
                return (Node(op, rng.Next(2) == 0 ? 11 : 13, ("axis", (long)axis)), [x]);
        }
    }

    /// <summary>The accelerators, created once for the class (ILGPU contexts are expensive).</summary>
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
