using SysNoise.Kernels.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Native;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Decode;

/// <summary>
/// What <c>ffmpeg -i X.jpg -f rawvideo -pix_fmt rgb24 -</c> (FFmpeg 5.1, Debian 12, x86-64) returns: the mjpeg decoder's
/// planes (<see cref="FfmpegIdct"/>, no upsampling: yuvj444p/422p/420p/440p/411p, gray or gbrp) and the rgb24
/// conversion the CLI's auto-inserted scale filter runs (libswscale 6.7, default flags = SWS_BICUBIC,
/// full-range BT.601). Which swscale path runs depends on the layout and the parity of the size; see
/// <see cref="SwscalePath"/>.
/// </summary>
public static class FfmpegDecoder
{
    public static DecodedImage Decode(Device device, ReadOnlySpan<byte> file, string name, JpegLimits limits)
    {
        // FFmpeg runs the IDCT on whatever the scans sent; it has no counterpart of libjpeg's block smoothing of
        // incomplete progressive files, so the coefficients are used as they are.
        JpegCoefficients c = JpegCoefficients.Read(file, name, limits);
        return new DecodedImage(Decode(device, c, name), c.Warnings);
    }

    public static Tensor<byte> Decode(Device device, JpegCoefficients c, string name)
    {
        SwscaleGeometry g = Plan(c, name, out IdctGeometry[] idct, out long planeBytes, out int[] filters);
        using DeviceBuffer<byte> planes = device.Allocate<byte>(planeBytes);
        for (int ci = 0; ci < idct.Length; ci++)
        {
            JpegComponent component = c.Components[ci];
            using DeviceBuffer<short> blocks = device.Upload(component.Blocks);
            var quant = new FfmpegDequant[64];
            for (int i = 0; i < 64; i++)
            {
                quant[i].Scale = component.Quant[i];
            }

            quant[0].Bias = 1024;
            using DeviceBuffer<FfmpegDequant> table = device.Upload(quant);
            device.JpegIdct<FfmpegDequant, int, FfmpegIdct>(blocks, table, planes, idct[ci], default);
        }

        using DeviceBuffer<int> taps = device.Upload(filters.Length == 0 ? new int[1] : filters);
        using DeviceBuffer<byte> pixels = device.Allocate<byte>((long)g.Width * g.Height * 3);
        device.SwscaleRgb24(planes, taps, pixels, g);
        return new Tensor<byte>(device.Download(pixels), g.Height, g.Width, 3);
    }

    /// <summary>Lays out the planes, picks swscale's path and builds its chroma filters.</summary>
    public static SwscaleGeometry Plan(JpegCoefficients c, string name, out IdctGeometry[] idct, out long planeBytes, out int[] filters)
    {
        idct = new IdctGeometry[c.Components.Count];
        var offsets = new long[c.Components.Count];
        var strides = new int[c.Components.Count];
        long offset = 0;
        for (int ci = 0; ci < c.Components.Count; ci++)
        {
            JpegComponent comp = c.Components[ci];
            int stride = comp.WidthInBlocks * 8;
            idct[ci] = new IdctGeometry { WidthInBlocks = comp.WidthInBlocks, HeightInBlocks = comp.HeightInBlocks, PlaneOffset = offset, PlaneStride = stride };
            offsets[ci] = offset;
            strides[ci] = stride;
            offset += (long)stride * comp.HeightInBlocks * 8;
        }

        planeBytes = Math.Max(offset, 1);
        filters = [];
        var g = new SwscaleGeometry { Width = c.Width, Height = c.Height, YOffset = offsets[0], YStride = strides[0] };
        if (c.Components.Count == 1 && c.ColorSpace == JpegColorSpace.Grayscale)
        {
            g.Path = SwscalePath.Gray;
            return g;
        }

        if (c.Components.Count != 3 || (c.ColorSpace != JpegColorSpace.YCbCr && c.ColorSpace != JpegColorSpace.Rgb))
        {
            throw new SysNoiseIOException(name, $"unsupported JPEG for the ffmpeg variant: colour space {c.ColorSpace} with {c.Components.Count} components");
        }

        JpegComponent y = c.Components[0], cb = c.Components[1], cr = c.Components[2];
        if (cb.HorizontalSampling != cr.HorizontalSampling || cb.VerticalSampling != cr.VerticalSampling ||
            cb.HorizontalSampling != 1 || cb.VerticalSampling != 1 || y.HorizontalSampling != c.MaxHorizontalSampling || y.VerticalSampling != c.MaxVerticalSampling)
        {
            throw new SysNoiseIOException(name, $"unsupported JPEG for the ffmpeg variant: sampling {c.SamplingName} (supported: 4:4:4, 4:2:2, 4:2:0, 4:4:0, 4:1:1, gray, RGB)");
        }

        g.UOffset = offsets[1];
        g.VOffset = offsets[2];
        g.CStride = strides[1];
        if (c.ColorSpace == JpegColorSpace.Rgb)
        {
            if (c.MaxHorizontalSampling != 1 || c.MaxVerticalSampling != 1)
            {
                throw new SysNoiseIOException(name, "unsupported JPEG for the ffmpeg variant: subsampled RGB");
            }

            g.Path = SwscalePath.PlanarRgb;
            return g;
        }

        int hs = Log2(c.MaxHorizontalSampling), vs = Log2(c.MaxVerticalSampling);
        if (!((hs, vs) is (0, 0) or (1, 0) or (1, 1) or (0, 1) or (2, 0)))
        {
            throw new SysNoiseIOException(name, $"unsupported JPEG for the ffmpeg variant: sampling {c.SamplingName}");
        }

        int w = c.Width, h = c.Height;
        g.ChromaWidth = CeilShift(w, hs);
        g.ChromaHeight = CeilShift(h, vs);
        g.ChromaHShift = hs;
        g.ChromaVShift = vs;

        // swscale_unscaled.c: yuv420p/yuv422p → RGB with an even height (and neither SWS_ACCURATE_RND nor a
        // dither other than auto/bayer) takes ff_yuv2rgb_get_func_ptr, whatever the width.
        if (hs == 1 && (h & 1) == 0)
        {
            g.Path = SwscalePath.Special;
            return g;
        }

        // utils.c sws_init_context: RGB output gets SWS_FULL_CHR_H_INT for an odd width, and for chroma that is not
        // subsampled at all (4:4:4); otherwise chroma is scaled to ceil(W/2) columns.
        bool full = (w & 1) == 1 || (hs == 0 && vs == 0);
        g.Path = full ? SwscalePath.FullChroma : SwscalePath.HalfChroma;
        int chrDstW = full ? w : CeilShift(w, 1);
        int chrXInc = (int)((((long)g.ChromaWidth << 16) + (chrDstW >> 1)) / chrDstW);
        int chrYInc = (int)((((long)g.ChromaHeight << 16) + (h >> 1)) / h);

        // get_local_pos with the default chroma positions (-513): 128 >> 0 for every subsampling here.
        const int centre = 128;
        SwscaleFilter hf = SwscaleFilter.Bicubic(chrXInc, g.ChromaWidth, chrDstW, 4, 1 << 14, centre, centre);
        SwscaleFilter vf = SwscaleFilter.Bicubic(chrYInc, g.ChromaHeight, h, 2, 1 << 12, centre, centre);
        g.HFilterSize = hf.Size;
        g.VFilterSize = vf.Size;
        g.HPosOffset = 0;
        g.HCoefOffset = hf.Positions.Length;
        g.VPosOffset = g.HCoefOffset + hf.Taps.Length;
        g.VCoefOffset = g.VPosOffset + vf.Positions.Length;
        filters = [.. hf.Positions, .. hf.Taps, .. vf.Positions, .. vf.Taps];
        return g;
    }

    private static int CeilShift(int v, int shift) => -((-v) >> shift);

    private static int Log2(int v) => v switch { 1 => 0, 2 => 1, 4 => 2, _ => 3 };
}

/// <summary>One axis of swscale's filter: first source index and taps per output sample (utils.c initFilter).</summary>
public sealed record SwscaleFilter(int Size, int[] Positions, int[] Taps)
{
    private const double MaxReduceCutoff = 0.002; // SWS_MAX_REDUCE_CUTOFF

    /// <summary>
    /// initFilter for SWS_BICUBIC with default parameters (B = 0, C = 0.6), no source/destination vectors, on an x86
    /// CPU with MMX (horizontal filterAlign 4, vertical 2 except 1 for a 1-tap filter). All integer, as the C code.
    /// </summary>
    public static SwscaleFilter Bicubic(int xInc, int srcW, int dstW, int filterAlign, int one, int srcPos, int dstPos)
    {
        long fone = 1L << (54 - Math.Min(Log2Floor(srcW / dstW), 8));
        int filterSize;
        long[] filter;
        var pos = new int[dstW];
        if (Math.Abs(xInc - 0x10000) < 10 && srcPos == dstPos)
        {
            filterSize = 1;
            filter = new long[dstW];
            for (int i = 0; i < dstW; i++)
            {
                filter[i] = fone;
                pos[i] = i;
            }
        }
        else
        {
            const int sizeFactor = 4;
            filterSize = xInc <= 1 << 16 ? 1 + sizeFactor : 1 + (((sizeFactor * srcW) + dstW - 1) / dstW);
            filterSize = Math.Max(Math.Min(filterSize, srcW - 2), 1);
            filter = new long[dstW * filterSize];
            const long b = 0;
            long cc = (long)(0.6 * (1 << 24));
            long xDstInSrc = ((dstPos * (long)xInc) >> 7) - ((srcPos * 0x10000L) >> 7);
            for (int i = 0; i < dstW; i++)
            {
                int xx = (int)((xDstInSrc - ((filterSize - 2) * (1L << 16))) / (1 << 17));
                pos[i] = xx;
                for (int j = 0; j < filterSize; j++)
                {
                    long d = Math.Abs(((long)xx * (1 << 17)) - xDstInSrc) << 13;
                    if (xInc > 1 << 16)
                    {
                        d = d * dstW / srcW;
                    }

                    long coeff;
                    if (d >= 1L << 31)
                    {
                        coeff = 0;
                    }
                    else
                    {
                        long dd = (d * d) >> 30;
                        long ddd = (dd * d) >> 30;
                        coeff = d < 1L << 30
                            ? ((((12 * (1 << 24)) - (9 * b) - (6 * cc)) * ddd) + (((-18 * (1 << 24)) + (12 * b) + (6 * cc)) * dd) + (((6 * (1 << 24)) - (2 * b)) * (1L << 30)))
                            : ((((-b) - (6 * cc)) * ddd) + (((6 * b) + (30 * cc)) * dd) + (((-12 * b) - (48 * cc)) * d) + (((8 * b) + (24 * cc)) * (1L << 30)));
                    }

                    coeff /= (1L << 54) / fone;
                    filter[(i * filterSize) + j] = coeff;
                    xx++;
                }

                xDstInSrc += 2L * xInc;
            }
        }

        // Step 1: drop near-zero taps on the left (shifting), count them on the right.
        int filter2Size = filterSize;
        long[] filter2 = filter;
        int minFilterSize = 0;
        for (int i = dstW - 1; i >= 0; i--)
        {
            int min = filter2Size;
            long cutOff = 0;
            for (int j = 0; j < filter2Size; j++)
            {
                cutOff += Math.Abs(filter2[i * filter2Size]);
                if (cutOff > MaxReduceCutoff * fone)
                {
                    break;
                }

                if (i < dstW - 1 && pos[i] >= pos[i + 1])
                {
                    break;
                }

                for (int k = 1; k < filter2Size; k++)
                {
                    filter2[(i * filter2Size) + k - 1] = filter2[(i * filter2Size) + k];
                }

                filter2[(i * filter2Size) + filter2Size - 1] = 0;
                pos[i]++;
            }

            cutOff = 0;
            for (int j = filter2Size - 1; j > 0; j--)
            {
                cutOff += Math.Abs(filter2[(i * filter2Size) + j]);
                if (cutOff > MaxReduceCutoff * fone)
                {
                    break;
                }

                min--;
            }

            minFilterSize = Math.Max(minFilterSize, min);
        }

        if (minFilterSize == 1 && filterAlign == 2)
        {
            filterAlign = 1;
        }

        filterSize = (minFilterSize + (filterAlign - 1)) & ~(filterAlign - 1);
        filter = new long[dstW * filterSize];
        for (int i = 0; i < dstW; i++)
        {
            for (int j = 0; j < filterSize; j++)
            {
                filter[(i * filterSize) + j] = j >= filter2Size ? 0 : filter2[(i * filter2Size) + j];
            }
        }

        // Fix borders: taps before the first or after the last source sample move onto the edge sample.
        for (int i = 0; i < dstW; i++)
        {
            int row = i * filterSize;
            if (pos[i] < 0)
            {
                for (int j = 1; j < filterSize; j++)
                {
                    int left = Math.Max(j + pos[i], 0);
                    filter[row + left] += filter[row + j];
                    filter[row + j] = 0;
                }

                pos[i] = 0;
            }

            if (pos[i] + filterSize > srcW)
            {
                int shift = pos[i] + Math.Min(filterSize - srcW, 0);
                long acc = 0;
                for (int j = filterSize - 1; j >= 0; j--)
                {
                    if (pos[i] + j >= srcW)
                    {
                        acc += filter[row + j];
                        filter[row + j] = 0;
                    }
                }

                for (int j = filterSize - 1; j >= 0; j--)
                {
                    filter[row + j] = j < shift ? 0 : filter[row + j - shift];
                }

                pos[i] -= shift;
                filter[row + srcW - 1 - pos[i]] += acc;
            }
        }

        // Normalize to `one` with error diffusion (ROUNDED_DIV).
        var taps = new int[dstW * filterSize];
        for (int i = 0; i < dstW; i++)
        {
            long sum = 0;
            for (int j = 0; j < filterSize; j++)
            {
                sum += filter[(i * filterSize) + j];
            }

            sum = (sum + (one / 2)) / one;
            if (sum == 0)
            {
                sum = 1;
            }

            long error = 0;
            for (int j = 0; j < filterSize; j++)
            {
                long v = filter[(i * filterSize) + j] + error;
                long intV = v >= 0 ? (v + (sum >> 1)) / sum : (v - (sum >> 1)) / sum;
                taps[(i * filterSize) + j] = (short)intV;
                error = v - (intV * sum);
            }
        }

        return new SwscaleFilter(filterSize, pos, taps);
    }

    private static int Log2Floor(int v) => v <= 0 ? 0 : 31 - System.Numerics.BitOperations.LeadingZeroCount((uint)v);
}
