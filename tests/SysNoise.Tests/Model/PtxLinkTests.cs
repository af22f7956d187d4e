using System.Reflection;
using ILGPU;
using ILGPU.Runtime.Cuda;
using SysNoise.Runtime.Devices;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// Every non-generic kernel of SysNoise.Kernels compiles to PTX that the CUDA driver can link: no unresolved external
/// calls (<see cref="PtxCompiler"/> refuses them). Found on an H100: MathF.FusedMultiplyAdd in a never-taken branch
/// made the Conv and OpenCV-cubic kernels fail "PTX JIT compilation" although PTX generation succeeded. The generic
/// kernels are compiled, closed over their ops, by the per-area PTX tests (resize, decode, colour, elementwise).
/// </summary>
public sealed class PtxLinkTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryNonGenericKernelCompilesWithoutExternalCalls()
    {
        Type[] indexTypes = [typeof(Index1D), typeof(Index2D), typeof(Index3D)];
        MethodInfo[] kernels = typeof(SysNoise.Kernels.Numerics.StrictFloat).Assembly.GetTypes()
            .Where(t => t.IsClass && t.IsAbstract && t.IsSealed && t.Name.EndsWith("Kernels", StringComparison.Ordinal))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => !m.IsGenericMethodDefinition && m.GetParameters() is { Length: > 0 } p && indexTypes.Contains(p[0].ParameterType))
            .ToArray();
        using var compiler = new PtxCompiler(CudaArchitecture.SM_90);
        foreach (MethodInfo kernel in kernels)
        {
            string ptx = compiler.Compile(kernel);
            Assert.Contains(".entry", ptx, StringComparison.Ordinal);
        }

        output.WriteLine($"{kernels.Length} kernels: {string.Join(", ", kernels.Select(k => $"{k.DeclaringType!.Name}.{k.Name}"))}");
        Assert.Contains(kernels, k => k.Name == "Conv");
    }

    [Fact]
    public void PortableFusedMultiplyAddIsCorrectlyRounded()
    {
        var rng = new Random(Support.RandomImages.RunSeed);
        output.WriteLine($"seed {Support.RandomImages.RunSeed}");
        float[] specials = [0f, -0f, 1f, -1f, float.Epsilon, -float.Epsilon, float.MaxValue, -float.MaxValue, float.MinValue, 1e-38f, 1.17549435e-38f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1f + 1.1920929e-7f, 0.5f, 3f, 16777216f, 16777217f];
        int cases = 0;
        foreach (float a in specials)
        {
            foreach (float b in specials)
            {
                foreach (float c in specials)
                {
                    Check(a, b, c);
                }
            }
        }

        for (int i = 0; i < 2_000_000; i++)
        {
            // Random bit patterns (every exponent, subnormals, near-cancellation when c ≈ −a·b).
            float a = BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next() << 1));
            float b = BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next() << 1));
            float c = (i % 3) switch
            {
                0 => BitConverter.Int32BitsToSingle(rng.Next() ^ (rng.Next() << 1)),
                1 => -(a * b),
                _ => -(a * b) * (1f + ((rng.NextSingle() - 0.5f) * 1e-6f)),
            };
            Check(a, b, c);
            float x = (rng.NextSingle() - 0.5f) * 8f, y = (rng.NextSingle() - 0.5f) * 8f, z = (rng.NextSingle() - 0.5f) * 8f;
            Check(x, y, z);
        }

        output.WriteLine($"{cases} cases, every one equal to MathF.FusedMultiplyAdd bit for bit");

        void Check(float a, float b, float c)
        {
            cases++;
            float expected = MathF.FusedMultiplyAdd(a, b, c), actual = SysNoise.Kernels.Numerics.StrictFloat.PortableFusedMultiplyAdd(a, b, c);
            bool same = BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual) || (float.IsNaN(expected) && float.IsNaN(actual));
            Assert.True(same, $"fma({a:R} [{BitConverter.SingleToInt32Bits(a):X8}], {b:R} [{BitConverter.SingleToInt32Bits(b):X8}], {c:R} [{BitConverter.SingleToInt32Bits(c):X8}]) = {actual:R}, hardware {expected:R}");
        }
    }
}
