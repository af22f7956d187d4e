using System.Buffers;
using SysNoise.Kernels.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Native;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Decode;

/// <summary>The inverse DCT a decode variant runs.</summary>
public enum IdctMethod
{
    /// <summary>JDCT_ISLOW (libjpeg's default), as the AVX2 code computes it.</summary>
    Islow,

    /// <summary>JDCT_IFAST, as the SSE2 code computes it.</summary>
    Ifast,

    /// <summary>JDCT_IFAST as <c>jidctfst.c</c> computes it in a SIMD build run with <c>JSIMD_FORCENONE=1</c>.</summary>
    IfastC,

    /// <summary>JDCT_FLOAT as the SSE2 code computes it (what a SIMD build such as Debian's runs on x86-64).</summary>
    FloatSimd,

    /// <summary>JDCT_FLOAT as <c>jidctflt.c</c> computes it (a build without SIMD, or <c>JSIMD_FORCENONE=1</c>).</summary>
    FloatC,
}

/// <summary>How a variant decodes: IDCT, chroma upsampling and what a grayscale file becomes.</summary>
public sealed record JpegDecodeSettings(IdctMethod Idct, bool FancyUpsampling, bool GrayscaleToRgb);

/// <summary>A decoded image with what libjpeg-turbo warned about while reading it.</summary>
public sealed record DecodedImage(Tensor<byte> Pixels, JpegWarnings Warnings, string? Note = null);

/// <summary>
/// Decodes the quantized coefficients libjpeg-turbo's entropy decoder produced, on a device, with the library's
/// IDCT, upsampling and colour conversion arithmetic (SysNoise.Kernels.Decode).
/// </summary>
public static class JpegDecoder
{
    public static DecodedImage Decode(Device device, ReadOnlySpan<byte> file, string name, JpegDecodeSettings settings, JpegLimits limits)
    {
        if (device is not HostDevice)
        {
            JpegCoefficients coefficients = JpegCoefficients.Read(file, name, limits);
            return new DecodedImage(Decode(device, coefficients, settings, name), coefficients.Warnings);
        }

        // Single-scan files: entropy decoding on this thread, the transforms of finished rows on a second one.
        if (device is HostDevice { Plain: false } host && JpegPipeline.TryDecode(file, name, settings, limits, host.MaxThreads) is { } pipelined)
        {
            return pipelined;
        }

        // On the host the coefficients are scratch too (megabytes per image): pooled, returned once the pixels exist.
        var rented = new List<short[]>(3);
        JpegCoefficients pooled = JpegCoefficients.Read(file, name, limits, count =>
        {
            short[] blocks = ArrayPool<short>.Shared.Rent(count);
            rented.Add(blocks);
            return blocks;
        });
        try
        {
            return new DecodedImage(Decode(device, pooled, settings, name), pooled.Warnings);
        }
        finally
        {
            foreach (short[] blocks in rented)
            {
                ArrayPool<short>.Shared.Return(blocks);
            }
        }
    }

    /// <summary>Decodes entropy-decoded coefficients (progressive block smoothing applied where libjpeg applies it).</summary>
    public static Tensor<byte> Decode(Device device, JpegCoefficients coefficients, JpegDecodeSettings settings, string name)
    {
        coefficients = coefficients.ForIdct();
        JpegOutputGeometry output = Plan(coefficients, settings, name, out IdctGeometry[] idct, out long planeBytes);
        // The planes are scratch: on the host they come from a pool (a fresh 3-10 MB array per image would cost
        // more in page faults and gen-2 collections than the IDCT itself); kernels overwrite every byte they read.
        // The row loops' vector loads may run up to PlaneSlack bytes past the last plane.
        byte[]? rented = device is HostDevice ? ArrayPool<byte>.Shared.Rent(checked((int)(planeBytes + JpegOutputLanes.PlaneSlack))) : null;
        using DeviceBuffer<byte> planes = rented is not null ? device.Upload(rented) : device.Allocate<byte>(planeBytes);
        try
        {
            for (int ci = 0; ci < idct.Length; ci++)
            {
                JpegComponent component = coefficients.Components[ci];
                using DeviceBuffer<short> blocks = device.Upload(component.Blocks);
                switch (settings.Idct)
                {
                    case IdctMethod.Islow:
                        Run<int, int, IslowIdct>(device, blocks, JpegTables.Islow(component.Quant), planes, idct[ci]);
                        break;
                    case IdctMethod.Ifast:
                        Run<int, int, IfastIdct>(device, blocks, JpegTables.Ifast(component.Quant), planes, idct[ci]);
                        break;
                    case IdctMethod.IfastC:
                        Run<int, int, IfastCIdct>(device, blocks, JpegTables.Ifast(component.Quant), planes, idct[ci]);
                        break;
                    case IdctMethod.FloatSimd:
                        Run<float, float, FloatSimdIdct>(device, blocks, JpegTables.Float(component.Quant), planes, idct[ci]);
                        break;
                    default:
                        Run<float, float, FloatCIdct>(device, blocks, JpegTables.Float(component.Quant), planes, idct[ci]);
                        break;
                }
            }

            using DeviceBuffer<byte> pixels = device.Allocate<byte>((long)output.Width * output.Height * output.Channels);
            device.JpegOutput(planes, pixels, output);
            return new Tensor<byte>(device.Download(pixels), output.Height, output.Width, output.Channels);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static void Run<TMul, TWork, TOp>(Device device, DeviceBuffer<short> blocks, TMul[] multipliers, DeviceBuffer<byte> planes, IdctGeometry geometry)
        where TMul : unmanaged
        where TWork : unmanaged
        where TOp : struct, IIdctOp<TMul, TWork>
    {
        using DeviceBuffer<TMul> table = device.Upload(multipliers);
        device.JpegIdct<TMul, TWork, TOp>(blocks, table, planes, geometry, default);
    }

    /// <summary>Lays out the component planes and picks each component's upsampling as <c>jinit_upsampler</c> does.</summary>
    public static JpegOutputGeometry Plan(JpegCoefficients c, JpegDecodeSettings settings, string name, out IdctGeometry[] idct, out long planeBytes)
    {
        JpegColorConversion conversion = c.ColorSpace switch
        {
            JpegColorSpace.Grayscale when c.Components.Count == 1 => settings.GrayscaleToRgb ? JpegColorConversion.GrayscaleToRgb : JpegColorConversion.Grayscale,
            JpegColorSpace.YCbCr when c.Components.Count == 3 => JpegColorConversion.YccToRgb,
            JpegColorSpace.Rgb when c.Components.Count == 3 => JpegColorConversion.Rgb,
            _ => throw new SysNoiseIOException(name, $"unsupported JPEG: colour space {c.ColorSpace} with {c.Components.Count} components"),
        };

        idct = new IdctGeometry[c.Components.Count];
        var samplers = new PlaneSampler[3];
        long offset = 0;
        for (int ci = 0; ci < c.Components.Count; ci++)
        {
            JpegComponent comp = c.Components[ci];
            int stride = comp.WidthInBlocks * 8;
            idct[ci] = new IdctGeometry
            {
                WidthInBlocks = comp.WidthInBlocks,
                HeightInBlocks = comp.HeightInBlocks,
                PlaneOffset = offset,
                PlaneStride = stride,
            };
            samplers[ci] = new PlaneSampler
            {
                Offset = offset,
                Stride = stride,
                Width = comp.DownsampledWidth,
                Height = comp.DownsampledHeight,
            };
            ChooseUpsampling(ref samplers[ci], comp, c.MaxHorizontalSampling, c.MaxVerticalSampling, settings.FancyUpsampling, name);
            offset += (long)stride * comp.HeightInBlocks * 8;
        }

        planeBytes = offset;
        return new JpegOutputGeometry
        {
            Width = c.Width,
            Height = c.Height,
            Conversion = conversion,
            C0 = samplers[0],
            C1 = samplers[1],
            C2 = samplers[2],
        };
    }

    private static void ChooseUpsampling(ref PlaneSampler s, JpegComponent comp, int hOut, int vOut, bool fancy, string name)
    {
        int hIn = comp.HorizontalSampling, vIn = comp.VerticalSampling;
        s.HorizontalExpand = 1;
        s.VerticalExpand = 1;
        if (hIn == hOut && vIn == vOut)
        {
            s.Method = UpsampleMethod.FullSize;
        }
        else if (hIn * 2 == hOut && vIn == vOut)
        {
            s.Method = fancy && comp.DownsampledWidth > 2 ? UpsampleMethod.FancyH2V1 : UpsampleMethod.Replicate;
            s.HorizontalExpand = 2;
        }
        else if (hIn == hOut && vIn * 2 == vOut && fancy)
        {
            s.Method = UpsampleMethod.FancyH1V2;
            s.VerticalExpand = 2;
        }
        else if (hIn * 2 == hOut && vIn * 2 == vOut)
        {
            s.Method = fancy && comp.DownsampledWidth > 2 ? UpsampleMethod.FancyH2V2 : UpsampleMethod.Replicate;
            s.HorizontalExpand = 2;
            s.VerticalExpand = 2;
        }
        else if (hOut % hIn == 0 && vOut % vIn == 0)
        {
            s.Method = UpsampleMethod.Replicate;
            s.HorizontalExpand = hOut / hIn;
            s.VerticalExpand = vOut / vIn;
        }
        else
        {
            // libjpeg's own error for this layout (JERR_FRACT_SAMPLE_NOTIMPL).
            throw new SysNoiseIOException(name, $"unsupported JPEG: fractional sampling not implemented yet (component {comp.Id} is {hIn}x{vIn}, maximum {hOut}x{vOut})");
        }
    }
}
