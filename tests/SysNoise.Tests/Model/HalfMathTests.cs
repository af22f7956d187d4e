using ILGPU;
using ILGPU.Runtime;
using Half = System.Half;
using SysNoise.Kernels.Model.Numerics;
using SysNoise.Runtime.Devices;
using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>HalfMath: float32 → binary16 by integer bit manipulation, against .NET, NumPy and the ILGPU kernels.</summary>
public sealed class ResizeQuantHalfMathTests(ITestOutputHelper output, ResizeQuantAccelerators fixture) : IClassFixture<ResizeQuantAccelerators>
{
    [Fact]
    public void EqualsDotNetHalfOnAllFloatBitPatterns()
    {
        // All 2^32 float32 patterns: bits and value of (Half)x, NaN included (quiet bit set, top payload kept).
        long mismatches = 0;
        string first = string.Empty;
        var gate = new object();
        Parallel.For(0, 1 << 16, hi =>
        {
            long local = 0;
            string localFirst = string.Empty;
            for (uint lo = 0; lo < 1u << 16; lo++)
            {
                uint bits = ((uint)hi << 16) | lo;
                float x = BitConverter.UInt32BitsToSingle(bits);
                ushort expected = BitConverter.HalfToUInt16Bits((Half)x);
                ushort actual = HalfMath.ToHalfBits(x);
                if (expected != actual)
                {
                    if (local++ == 0)
                    {
                        localFirst = $"0x{bits:X8} ({x:R}): HalfMath 0x{actual:X4}, (Half) 0x{expected:X4}";
                    }
                }
            }

            if (local > 0)
            {
                lock (gate)
                {
                    mismatches += local;
                    first = first.Length == 0 ? localFirst : first;
                }
            }
        });
        Assert.True(mismatches == 0, $"{mismatches} patterns differ; e.g. {first}");
    }

    [Fact]
    public void RoundTripsEveryHalfExactly()
    {
        for (int h = 0; h < 65536; h++)
        {
            Half v = BitConverter.UInt16BitsToHalf((ushort)h);
            float f = HalfMath.FromHalfBits((ushort)h);
            Assert.Equal(BitConverter.SingleToUInt32Bits((float)v), BitConverter.SingleToUInt32Bits(f));
            if (!Half.IsNaN(v))
            {
                Assert.Equal((ushort)h, HalfMath.ToHalfBits(f));
                Assert.Equal(BitConverter.SingleToUInt32Bits(f), BitConverter.SingleToUInt32Bits(HalfMath.RoundToHalf(f)));
            }
        }
    }

    [Fact]
    public void KnownValues()
    {
        Assert.Equal(0x3C00, HalfMath.ToHalfBits(1 + MathF.Pow(2, -11)));      // tie → even (down)
        Assert.Equal(0x3C02, HalfMath.ToHalfBits(1 + (3 * MathF.Pow(2, -11)))); // tie → even (up)
        Assert.Equal(0x2E66, HalfMath.ToHalfBits(0.1f));
        Assert.Equal(0x7BFF, HalfMath.ToHalfBits(65519.99f));
        Assert.Equal(0x7C00, HalfMath.ToHalfBits(65520f));
        Assert.Equal(0xFC00, HalfMath.ToHalfBits(-65520f));
        Assert.Equal(0x0000, HalfMath.ToHalfBits(MathF.Pow(2, -25)));          // tie with 2^-24 → 0
        Assert.Equal(0x0001, HalfMath.ToHalfBits(BitConverter.UInt32BitsToSingle(0x33000001)));
        Assert.Equal(0x8000, HalfMath.ToHalfBits(-0f));
        Assert.Equal(0x0400, HalfMath.ToHalfBits(MathF.Pow(2, -14)));
        Assert.Equal(0x03FF, HalfMath.ToHalfBits(MathF.Pow(2, -14) - MathF.Pow(2, -24)));
        Assert.True(float.IsNaN(HalfMath.RoundToHalf(float.NaN)));
    }

    [Fact]
    public void EqualsNumPyFloat16()
    {
        // Every half, every midpoint between neighbouring halves and its float32 neighbours, the overflow and
        // underflow boundaries, plus 2^22 random patterns of this run; NumPy keeps NaN payloads without setting the
        // quiet bit, so NaNs are compared as NaN.
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "f16") & int.MaxValue);
        output.WriteLine($"seed {RandomImages.RunSeed}");
        var values = new List<float>();
        for (int h = 0; h < 0x7C00; h++)
        {
            foreach (int sign in new[] { 0, 0x8000 })
            {
                float v = (float)BitConverter.UInt16BitsToHalf((ushort)(h | sign));
                float next = (float)BitConverter.UInt16BitsToHalf((ushort)((h + 1) | sign));
                float mid = (float)(((double)v + next) / 2);
                uint mb = BitConverter.SingleToUInt32Bits(mid);
                values.AddRange([v, mid, BitConverter.UInt32BitsToSingle(mb - 1), BitConverter.UInt32BitsToSingle(mb + 1)]);
            }
        }

        values.AddRange([float.PositiveInfinity, float.NegativeInfinity, float.NaN, 65504f, 65519.996f, 65520f, 1e30f, -1e30f, float.MaxValue, float.Epsilon, -float.Epsilon]);
        for (int i = 0; i < 1 << 22; i++)
        {
            values.Add(BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32)));
        }

        string dir = Directory.CreateTempSubdirectory("sysnoise-f16-").FullName;
        try
        {
            string input = Path.Combine(dir, "x.f32"), result = Path.Combine(dir, "y.u16");
            File.WriteAllBytes(input, values.SelectMany(BitConverter.GetBytes).ToArray());
            PythonOracle.Run(PythonOracle.Script("float16_round.py"), input, result);
            byte[] y = File.ReadAllBytes(result);
            Assert.Equal(values.Count * 2, y.Length);
            for (int i = 0; i < values.Count; i++)
            {
                ushort numpy = BitConverter.ToUInt16(y, 2 * i);
                ushort ours = HalfMath.ToHalfBits(values[i]);
                bool numpyNaN = (numpy & 0x7C00) == 0x7C00 && (numpy & 0x3FF) != 0;
                bool ok = float.IsNaN(values[i]) ? numpyNaN && float.IsNaN(HalfMath.FromHalfBits(ours)) : numpy == ours;
                Assert.True(ok, $"x = {values[i]:R} (0x{BitConverter.SingleToUInt32Bits(values[i]):X8}): HalfMath 0x{ours:X4}, NumPy 0x{numpy:X4}");
            }

            output.WriteLine($"{values.Count} values identical to NumPy float16");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void KernelOnCpuAcceleratorMatchesHost() => CheckKernel(fixture.CpuSimulator, 1 << 18);

    [Fact]
    public void KernelOnCudaMatchesHost()
    {
        if (fixture.Cuda is null)
        {
            output.WriteLine("no CUDA device: skipped");
            return;
        }

        CheckKernel(fixture.Cuda, 1 << 26);
    }

    private static void RoundKernel(Index1D i, ArrayView<float> x, ArrayView<float> y) => y[i] = HalfMath.RoundToHalf(x[i]);

    private void CheckKernel(IlgpuDevice device, int count)
    {
        // Random patterns plus every half and midpoint region (by bit stride), through a kernel that calls RoundToHalf.
        var rng = new Random(HashCode.Combine(RandomImages.RunSeed, "f16k") & int.MaxValue);
        var x = new float[count];
        for (int i = 0; i < count; i++)
        {
            x[i] = i < 65536 * 2
                ? BitConverter.UInt32BitsToSingle((uint)(((i >> 1) << 13) + ((i & 1) << 12)) + 0x30000000u)
                : BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32));
        }

        var kernel = device.Accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(RoundKernel);
        using var xb = device.Accelerator.Allocate1D(x);
        using var yb = device.Accelerator.Allocate1D<float>(count);
        kernel(count, xb.View, yb.View);
        device.Accelerator.Synchronize();
        float[] y = yb.GetAsArray1D();
        for (int i = 0; i < count; i++)
        {
            uint expected = BitConverter.SingleToUInt32Bits(HalfMath.RoundToHalf(x[i]));
            Assert.True(expected == BitConverter.SingleToUInt32Bits(y[i]), $"0x{BitConverter.SingleToUInt32Bits(x[i]):X8}: kernel 0x{BitConverter.SingleToUInt32Bits(y[i]):X8}, host 0x{expected:X8}");
        }

        output.WriteLine($"{count} values identical on {device.Name}");
    }
}
