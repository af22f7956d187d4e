using SysNoise.Runtime.Native;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Decode;

/// <summary>
/// libjpeg-turbo's own full decode through the shim (jpeg_start_decompress / jpeg_read_scanlines): the in-process
/// reference the kernels are checked against, e.g. on hostile input.
/// </summary>
public static class LibjpegReference
{
    public static Tensor<byte> Decode(ReadOnlySpan<byte> file, JpegDecodeOptions options, JpegLimits limits, string name, out JpegWarnings warnings)
    {
        (byte[] pixels, int h, int w, int ch) = NativeMethods.DecodeJpeg(file, options, limits, name, out warnings);
        return new Tensor<byte>(pixels, h, w, ch);
    }
}
