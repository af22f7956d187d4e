using System.Reflection;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Variants;
using Xunit.Abstractions;

namespace SysNoise.Tests.Resize;

/// <summary>Every kernel every resize variant launches compiles for CUDA (PTX), with or without a GPU.</summary>
public sealed class PtxCompileTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryResizeKernelCompilesToPtx()
    {
        // Two geometries so both down- and up-scaling plans (and RGBA premultiplication) are covered.
        ResizeGeometry[] geometries = [new(37, 53, 4, 11, 90), new(8, 9, 3, 29, 4)];
        var kernels = new Dictionary<string, MethodInfo>();
        foreach (var variant in VariantRegistry.Resize.OfType<PlannedResizeVariant>())
        {
            foreach (ResizeGeometry g in geometries)
            {
                var plans = new List<ResizePlan> { variant.PlanFor(g, isFloat: false) };
                if (variant.Float32 is not null)
                {
                    plans.Add(variant.PlanFor(g, isFloat: true));
                }

                foreach (MethodInfo kernel in plans.SelectMany(p => p.Steps).SelectMany(s => s.KernelMethods))
                {
                    kernels.TryAdd(kernel.ToString()!, kernel);
                }
            }
        }

        using var compiler = new PtxCompiler();
        foreach ((string name, MethodInfo kernel) in kernels)
        {
            string ptx = compiler.Compile(kernel);
            Assert.Contains(".entry", ptx, StringComparison.Ordinal);
            output.WriteLine($"{name}: {ptx.Length} chars of PTX for {compiler.Architecture}");
        }

        Assert.NotEmpty(kernels);
    }
}
