using System.Runtime.Intrinsics;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// Host loops of the per-window ops (pooling, transposed convolution, batch normalisation): each output element calls
/// the same <see cref="NnMath"/> function as the ILGPU kernel, in parallel over planes.
/// </summary>
public static unsafe class PoolHost
{
    private static void ForPlanes(int planes, long workPerPlane, int threads, Action<int> body)
    {
        long work = planes * workPerPlane;
        if (threads <= 1 || planes <= 1 || work < 200_000)
        {
            for (int p = 0; p < planes; p++)
            {
                body(p);
            }

            return;
        }

        Parallel.For(0, planes, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    public static void MaxPool(float[] x, float[] y, long[]? indices, NnGeometry g, int storageOrder, int threads)
    {
        int planes = g.Batch * g.Channels;
        fixed (float* xp = x)
        {
            fixed (float* yp = y)
            {
                nint xa = (nint)xp, ya = (nint)yp;
                ForPlanes(planes, (long)g.OutSpatial * g.KernelSpatial, threads, plane =>
                {
                    var src = new PointerSource((float*)xa);
                    float* dst = (float*)ya;
                    long inBase = (long)plane * g.InSpatial;
                    long o = (long)plane * g.OutSpatial;
                    for (int od = 0; od < g.OutD; od++)
                    {
                        for (int oh = 0; oh < g.OutH; oh++)
                        {
                            for (int ow = 0; ow < g.OutW; ow++, o++)
                            {
                                PoolMax m = NnMath.MaxWindow(src, g, inBase, od, oh, ow, storageOrder);
                                dst[o] = m.Value;
                                if (indices is not null)
                                {
                                    indices[o] = m.Index;
                                }
                            }
                        }
                    }
                });
            }
        }
    }

    public static void AveragePool(float[] x, float[] y, NnGeometry g, bool countIncludePad, int threads)
    {
        int planes = g.Batch * g.Channels;
        fixed (float* xp = x)
        {
            fixed (float* yp = y)
            {
                nint xa = (nint)xp, ya = (nint)yp;
                ForPlanes(planes, (long)g.OutSpatial * g.KernelSpatial, threads, plane =>
                {
                    var src = new PointerSource((float*)xa);
                    float* dst = (float*)ya;
                    long inBase = (long)plane * g.InSpatial;
                    long o = (long)plane * g.OutSpatial;
                    for (int od = 0; od < g.OutD; od++)
                    {
                        for (int oh = 0; oh < g.OutH; oh++)
                        {
                            for (int ow = 0; ow < g.OutW; ow++, o++)
                            {
                                dst[o] = NnMath.AverageWindow(src, g, inBase, od, oh, ow, countIncludePad);
                            }
                        }
                    }
                });
            }
        }
    }

    public static void GlobalPool(float[] x, float[] y, int planes, int length, bool max, int threads)
    {
        fixed (float* xp = x)
        {
            nint xa = (nint)xp;
            ForPlanes(planes, length, threads, plane =>
            {
                var src = new PointerSource((float*)xa);
                long p = (long)plane * length;
                y[plane] = max ? NnMath.PlaneMax(src, p, length) : NnMath.PlaneMean(src, p, length);
            });
        }
    }

    public static void ConvTranspose(float[] x, float[] w, float[]? bias, float[] y, NnGeometry g, int threads)
    {
        int planes = g.Batch * g.OutChannels;
        fixed (float* xp = x)
        {
            fixed (float* wp = w)
            {
                fixed (float* yp = y)
                {
                    nint xa = (nint)xp, wa = (nint)wp, ya = (nint)yp;
                    ForPlanes(planes, (long)g.OutSpatial * g.GroupChannels * g.KernelSpatial, threads, plane =>
                    {
                        var xs = new PointerSource((float*)xa);
                        var ws = new PointerSource((float*)wa);
                        float* dst = (float*)ya;
                        int n = plane / g.OutChannels, oc = plane % g.OutChannels;
                        long o = (long)plane * g.OutSpatial;
                        for (int od = 0; od < g.OutD; od++)
                        {
                            for (int oh = 0; oh < g.OutH; oh++)
                            {
                                for (int ow = 0; ow < g.OutW; ow++, o++)
                                {
                                    float acc = NnMath.ConvTransposeElement(xs, ws, g, n, oc, od, oh, ow);
                                    dst[o] = bias is null ? acc : NnMath.AddBias(acc, bias[oc]);
                                }
                            }
                        }
                    });
                }
            }
        }
    }

    /// <summary>y = fma(x, a[c], b[c]) for x [outer, C, inner]; vectorised lane-wise (the same single rounding).</summary>
    public static void BatchNorm(float[] x, float[] y, float[] a, float[] b, int channels, int inner, int threads)
    {
        int planes = x.Length / Math.Max(1, inner);
        fixed (float* xp = x)
        {
            fixed (float* yp = y)
            {
                nint xa = (nint)xp, ya = (nint)yp;
                ForPlanes(planes, inner, threads, plane =>
                {
                    float* s = (float*)xa + ((long)plane * inner);
                    float* d = (float*)ya + ((long)plane * inner);
                    int c = plane % channels;
                    float av = a[c], bv = b[c];
                    int i = 0;
                    if (Vector512.IsHardwareAccelerated)
                    {
                        Vector512<float> va = Vector512.Create(av), vb = Vector512.Create(bv);
                        for (; i + 16 <= inner; i += 16)
                        {
                            Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(s + i), va, vb), d + i);
                        }
                    }

                    for (; i < inner; i++)
                    {
                        d[i] = NnMath.BatchNorm(s[i], av, bv);
                    }
                });
            }
        }
    }
}
