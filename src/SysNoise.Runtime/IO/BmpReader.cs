using System.Buffers.Binary;

namespace SysNoise.Runtime.IO;

/// <summary>
/// Uncompressed BMP: 24-bit, 32-bit (BI_RGB as BGRX, BI_BITFIELDS with 8-bit masks, alpha when masked),
/// and 8-bit palettized; bottom-up and top-down. Palette images decode to RGB, or to one channel when
/// the palette is the identity grey ramp. Anything else is refused with a clear error.
/// </summary>
public static class BmpReader
{
    private const int BiRgb = 0;
    private const int BiBitfields = 3;
    private const int BiAlphaBitfields = 6;

    public static (byte[] Pixels, int Height, int Width, int Channels) Decode(ReadOnlySpan<byte> file, string name)
    {
        if (file.Length < 26 || file[0] != (byte)'B' || file[1] != (byte)'M')
        {
            throw new SysNoiseIOException(name, "not a BMP file");
        }

        int dataOffset = BinaryPrimitives.ReadInt32LittleEndian(file[10..]);
        int headerSize = BinaryPrimitives.ReadInt32LittleEndian(file[14..]);
        int width, height, bpp, compression = BiRgb, colorsUsed = 0, paletteEntrySize = 4;
        if (headerSize == 12)
        {
            width = BinaryPrimitives.ReadInt16LittleEndian(file[18..]);
            height = BinaryPrimitives.ReadInt16LittleEndian(file[20..]);
            bpp = BinaryPrimitives.ReadInt16LittleEndian(file[24..]);
            paletteEntrySize = 3;
        }
        else if (headerSize >= 40 && file.Length >= 14 + 40)
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(file[18..]);
            height = BinaryPrimitives.ReadInt32LittleEndian(file[22..]);
            bpp = BinaryPrimitives.ReadInt16LittleEndian(file[28..]);
            compression = BinaryPrimitives.ReadInt32LittleEndian(file[30..]);
            colorsUsed = BinaryPrimitives.ReadInt32LittleEndian(file[46..]);
        }
        else
        {
            throw new SysNoiseIOException(name, $"unsupported BMP header size {headerSize}");
        }

        bool topDown = height < 0;
        height = Math.Abs(height);
        if (width <= 0 || height <= 0 || (long)width * height > int.MaxValue / 4)
        {
            throw new SysNoiseIOException(name, $"bad BMP size {width}×{height}");
        }

        // Channel masks (BI_BITFIELDS: after a 40-byte header, or inside V4/V5 headers).
        uint r = 0x00FF0000, g = 0x0000FF00, b = 0x000000FF, a = 0;
        if (compression is BiBitfields or BiAlphaBitfields)
        {
            if (bpp != 32 || file.Length < 14 + 40 + 12)
            {
                throw new SysNoiseIOException(name, $"unsupported BMP: BI_BITFIELDS with {bpp} bits per pixel");
            }

            r = BinaryPrimitives.ReadUInt32LittleEndian(file[54..]);
            g = BinaryPrimitives.ReadUInt32LittleEndian(file[58..]);
            b = BinaryPrimitives.ReadUInt32LittleEndian(file[62..]);
            a = headerSize >= 56 || compression == BiAlphaBitfields ? BinaryPrimitives.ReadUInt32LittleEndian(file[66..]) : 0;
        }
        else if (compression != BiRgb)
        {
            throw new SysNoiseIOException(name, $"unsupported BMP compression {compression} (only uncompressed BI_RGB and BI_BITFIELDS are read)");
        }

        if (bpp is not (8 or 24 or 32))
        {
            throw new SysNoiseIOException(name, $"unsupported BMP: {bpp} bits per pixel (8, 24 and 32 are read)");
        }

        int stride = ((width * bpp) + 31) / 32 * 4;
        if (dataOffset < 0 || (long)dataOffset + ((long)stride * height) > file.Length)
        {
            throw new SysNoiseIOException(name, "truncated BMP: the pixel data is shorter than the header says");
        }

        return bpp switch
        {
            8 => Palettized(file, name, 14 + headerSize, paletteEntrySize, colorsUsed, dataOffset, stride, width, height, topDown),
            24 => Direct(file, dataOffset, stride, width, height, topDown, 3, 0x00FF0000, 0x0000FF00, 0x000000FF, 0),
            _ => Direct(file, dataOffset, stride, width, height, topDown, 4, r, g, b, a),
        };
    }

    private static (byte[], int, int, int) Direct(ReadOnlySpan<byte> file, int offset, int stride, int width, int height, bool topDown, int bytesPerPixel, uint rm, uint gm, uint bm, uint am)
    {
        int channels = am != 0 ? 4 : 3;
        var pixels = new byte[width * height * channels];
        int rs = Shift(rm), gs = Shift(gm), bs = Shift(bm), @as = Shift(am);
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = file.Slice(offset + ((topDown ? y : height - 1 - y) * stride), width * bytesPerPixel);
            Span<byte> dst = pixels.AsSpan(y * width * channels, width * channels);
            for (int x = 0; x < width; x++)
            {
                uint v = bytesPerPixel == 3
                    ? (uint)(row[x * 3] | (row[(x * 3) + 1] << 8) | (row[(x * 3) + 2] << 16))
                    : BinaryPrimitives.ReadUInt32LittleEndian(row[(x * 4)..]);
                dst[x * channels] = (byte)((v & rm) >> rs);
                dst[(x * channels) + 1] = (byte)((v & gm) >> gs);
                dst[(x * channels) + 2] = (byte)((v & bm) >> bs);
                if (channels == 4)
                {
                    dst[(x * channels) + 3] = (byte)((v & am) >> @as);
                }
            }
        }

        return (pixels, height, width, channels);
    }

    private static (byte[], int, int, int) Palettized(ReadOnlySpan<byte> file, string name, int paletteOffset, int entrySize, int colorsUsed, int offset, int stride, int width, int height, bool topDown)
    {
        int entries = colorsUsed > 0 ? Math.Min(colorsUsed, 256) : 256;
        entries = Math.Min(entries, Math.Max(0, (offset - paletteOffset) / entrySize));
        var palette = new byte[256 * 3];
        bool grayRamp = entries == 256;
        for (int i = 0; i < entries; i++)
        {
            int p = paletteOffset + (i * entrySize);
            palette[i * 3] = file[p + 2];
            palette[(i * 3) + 1] = file[p + 1];
            palette[(i * 3) + 2] = file[p];
            grayRamp &= file[p] == i && file[p + 1] == i && file[p + 2] == i;
        }

        int channels = grayRamp ? 1 : 3;
        var pixels = new byte[width * height * channels];
        for (int y = 0; y < height; y++)
        {
            ReadOnlySpan<byte> row = file.Slice(offset + ((topDown ? y : height - 1 - y) * stride), width);
            for (int x = 0; x < width; x++)
            {
                int v = row[x];
                if (v >= entries)
                {
                    throw new SysNoiseIOException(name, $"corrupt BMP: palette index {v} but the palette has {entries} entries");
                }

                if (channels == 1)
                {
                    pixels[(y * width) + x] = (byte)v;
                }
                else
                {
                    int d = ((y * width) + x) * 3;
                    pixels[d] = palette[v * 3];
                    pixels[d + 1] = palette[(v * 3) + 1];
                    pixels[d + 2] = palette[(v * 3) + 2];
                }
            }
        }

        return (pixels, height, width, channels);
    }

    private static int Shift(uint mask) => mask == 0 ? 0 : System.Numerics.BitOperations.TrailingZeroCount(mask);
}
