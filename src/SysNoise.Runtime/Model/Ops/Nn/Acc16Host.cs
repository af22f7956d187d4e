using SysNoise.Kernels.Model.Nn;
using SysNoise.Kernels.Model.Numerics;
using SysNoise.Runtime.Model.Execution;

namespace SysNoise.Runtime.Model.Ops.Nn;

/// <summary>
/// fp16-acc16 (binary16 accumulation) for Conv, ConvTranspose, Gemm and MatMul on the host: the same per-element chains as the fp32
/// ops, with every step rounded to binary16 (<see cref="Fp16Step"/>), then the bias or Gemm epilogue also rounded.
/// Scalar loops, parallel over output rows: an emulation, not a fast path. ILGPU sessions refuse this precision.
/// </summary>
internal static unsafe class Acc16Host
{
    public static bool Applies(OpContext context)
    {
        if (context.Options.Precision != Precision.Fp16Acc16)
        {
            return false;
        }

        return context.Ilgpu is null
            ? true
            : throw new NotSupportedException("fp16-acc16 runs on the host path only (the ILGPU kernels accumulate in fp32)");
    }

    /// <summary>Conv (or ConvTranspose: <paramref name="transpose"/>) with binary16 steps and a rounded bias add.</summary>
    public static float[] Conv(float[] x, float[] w, float[]? bias, NnGeometry g, int threads, bool transpose)
    {
        var y = new float[g.OutputElements];
        long spatial = (long)g.OutD * g.OutH * g.OutW;
        fixed (float* px = x, pw = w)
        {
            var sx = new PointerSource(px);
            var sw = new PointerSource(pw);
            Parallel.For(0, g.Batch * g.OutChannels, new ParallelOptions { MaxDegreeOfParallelism = threads }, plane =>
            {
                int n = plane / g.OutChannels, oc = plane % g.OutChannels;
                long o = (long)plane * spatial;
                for (int od = 0; od < g.OutD; od++)
                {
                    for (int oh = 0; oh < g.OutH; oh++)
                    {
                        for (int ow = 0; ow < g.OutW; ow++, o++)
                        {
                            float acc = transpose
                                ? NnMath.ConvTransposeElement(sx, sw, g, n, oc, od, oh, ow, default(Fp16Step))
                                : NnMath.ConvElement(sx, sw, g, n, oc, od, oh, ow, default(Fp16Step));
                            y[o] = bias is null ? acc : HalfMath.RoundToHalf(NnMath.AddBias(acc, bias[oc]));
                        }
                    }
                }
            });
        }

        return y;
    }

    /// <summary>The MatMul/Gemm chain of <see cref="NnKernels.MatMul"/> with binary16 steps and a rounded epilogue.</summary>
    public static float[] MatMul(float[] a, float[] b, float[]? c, long[] aOffsets, long[] bOffsets, MatMulGeometry g, int threads)
    {
        var y = new float[(long)Math.Max(1, g.Batches) * g.M * g.N];
        var step = default(Fp16Step);
        Parallel.For(0, Math.Max(1, g.Batches) * g.M, new ParallelOptions { MaxDegreeOfParallelism = threads }, r =>
        {
            int row = r % g.M, batch = r / g.M;
            long aBase = aOffsets[batch] + (g.ARowStride * row);
            for (int col = 0; col < g.N; col++)
            {
                long bBase = bOffsets[batch] + (g.BColStride * col);
                float acc = 0f;
                for (int k = 0; k < g.K; k++)
                {
                    acc = step.Step(a[aBase + (g.AColStride * k)], b[bBase + (g.BRowStride * k)], acc);
                }

                float cv = g.HasC != 0 ? c![(g.CRowStride * row) + (g.CColStride * col)] : 0f;
                bool epilogue = g.HasC != 0 || g.Alpha != 1f;
                y[((long)r * g.N) + col] = epilogue ? HalfMath.RoundToHalf(NnMath.GemmEpilogue(acc, g.Alpha, g.HasC != 0, g.Beta, cv)) : acc;
            }
        });
        return y;
    }
}
