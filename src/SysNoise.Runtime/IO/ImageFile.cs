using SysNoise.Runtime.Native;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.IO;

/// <summary>
/// PNG, BMP and JPEG to an H×W×C uint8 tensor in RGB order (C = 1 grey, 3 RGB, 4 RGBA); the format is
/// sniffed from the file's first bytes, not its extension. JPEG goes through libjpeg-turbo with its
/// defaults (ISLOW IDCT, fancy upsampling); PNG through libpng.
/// </summary>
public static class ImageFile
{
    public static Tensor<byte> Read(string path) => Decode(ReadAllBytes(path), path);

    public static Tensor<byte> Decode(ReadOnlySpan<byte> file, string name, JpegDecodeOptions jpegOptions = default)
    {
        (byte[] pixels, int h, int w, int c) = Sniff(file) switch
        {
            ImageFormat.Jpeg => NativeMethods.DecodeJpeg(file, jpegOptions, name),
            ImageFormat.Png => NativeMethods.DecodePng(file, name),
            ImageFormat.Bmp => BmpReader.Decode(file, name),
            _ => throw new SysNoiseIOException(name, "unknown image format (expected PNG, BMP or JPEG)"),
        };
        if (c == 2)
        {
            // Grey + alpha becomes RGBA, as Pillow's convert("RGBA") would give.
            var rgba = new byte[h * w * 4];
            for (int i = 0; i < h * w; i++)
            {
                rgba[i * 4] = rgba[(i * 4) + 1] = rgba[(i * 4) + 2] = pixels[i * 2];
                rgba[(i * 4) + 3] = pixels[(i * 2) + 1];
            }

            (pixels, c) = (rgba, 4);
        }

        return new Tensor<byte>(pixels, h, w, c);
    }

    /// <summary>Writes H×W×C (C ∈ 1..4) uint8 as PNG.</summary>
    public static void WritePng(string path, Tensor<byte> image)
    {
        if (image.Rank != 3 || image.Shape[2] is < 1 or > 4)
        {
            throw new SysNoiseIOException(path, $"PNG needs an H×W×C uint8 image with C in 1..4, got {image.ShapeText}");
        }

        byte[] png = NativeMethods.EncodePng(image.Data, image.Shape[0], image.Shape[1], image.Shape[2], path);
        try
        {
            File.WriteAllBytes(path, png);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SysNoiseIOException(path, ex.Message, ex);
        }
    }

    public static ImageFormat Sniff(ReadOnlySpan<byte> file)
    {
        if (file.Length >= 3 && file[0] == 0xFF && file[1] == 0xD8 && file[2] == 0xFF)
        {
            return ImageFormat.Jpeg;
        }

        if (file.Length >= 8 && file[..8].SequenceEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }))
        {
            return ImageFormat.Png;
        }

        if (file.Length >= 2 && file[0] == (byte)'B' && file[1] == (byte)'M')
        {
            return ImageFormat.Bmp;
        }

        return file.Length >= 6 && file[0] == 0x93 && file[1] == (byte)'N' ? ImageFormat.Npy : ImageFormat.Unknown;
    }

    internal static byte[] ReadAllBytes(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SysNoiseIOException(path, "no such file", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SysNoiseIOException(path, ex.Message, ex);
        }
    }
}

public enum ImageFormat
{
    Unknown,
    Jpeg,
    Png,
    Bmp,
    Npy,
}

/// <summary>Loads a <c>.npy</c> array or an image, whichever the file is.</summary>
public static class TensorFile
{
    public static Tensor Load(string path)
    {
        byte[] bytes = ImageFile.ReadAllBytes(path);
        return ImageFile.Sniff(bytes) == ImageFormat.Npy
            ? NpyFormat.Read(new MemoryStream(bytes, writable: false), path)
            : ImageFile.Decode(bytes, path);
    }
}
