using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SysNoise.Runtime.Native;

/// <summary>
/// libjpeg-turbo's TurboJPEG API (<c>libturbojpeg.so.0</c>, Debian's libturbojpeg0, SIMD on): the peer the decode
/// benchmarks time against, in the same process.
/// </summary>
public sealed partial class TurboJpegDecoder : IDisposable
{
    /// <summary>TJFLAG_FASTUPSAMPLE: no fancy upsampling (merged/replicated chroma).</summary>
    public const int FlagFastUpsample = 256;

    /// <summary>TJFLAG_FASTDCT: JDCT_IFAST.</summary>
    public const int FlagFastDct = 2048;

    private const string Library = "libturbojpeg.so.0";
    private const int PixelFormatRgb = 0; // TJPF_RGB
    private const int PixelFormatGray = 6; // TJPF_GRAY

    private readonly Handle handle;

    public TurboJpegDecoder()
    {
        handle = InitDecompress();
        if (handle.IsInvalid)
        {
            throw new InvalidOperationException($"tjInitDecompress failed: {ErrorText(nint.Zero)}");
        }
    }

    /// <summary>Decodes into <paramref name="destination"/> (H×W×3 RGB, or H×W for grayscale files when <paramref name="gray"/>).</summary>
    public unsafe void Decode(ReadOnlySpan<byte> jpeg, Span<byte> destination, int width, int height, bool gray, int flags)
    {
        int status;
        fixed (byte* src = jpeg)
        fixed (byte* dst = destination)
        {
            status = Decompress2(handle, src, (nuint)jpeg.Length, dst, width, 0, height, gray ? PixelFormatGray : PixelFormatRgb, flags);
        }

        if (status != 0)
        {
            throw new InvalidOperationException($"tjDecompress2 failed: {ErrorText(handle.DangerousGetHandle())}");
        }
    }

    public unsafe (int Width, int Height, bool Gray) Header(ReadOnlySpan<byte> jpeg)
    {
        int w, h, subsamp, colorspace, status;
        fixed (byte* src = jpeg)
        {
            status = DecompressHeader3(handle, src, (nuint)jpeg.Length, &w, &h, &subsamp, &colorspace);
        }

        if (status != 0)
        {
            throw new InvalidOperationException($"tjDecompressHeader3 failed: {ErrorText(handle.DangerousGetHandle())}");
        }

        return (w, h, colorspace == 2); // TJCS_GRAY
    }

    public void Dispose() => handle.Dispose();

    private static string ErrorText(nint h) => Marshal.PtrToStringUTF8(GetErrorStr2(h)) ?? "unknown error";

    [LibraryImport(Library, EntryPoint = "tjInitDecompress")]
    private static partial Handle InitDecompress();

    [LibraryImport(Library, EntryPoint = "tjDestroy")]
    private static partial int Destroy(nint handle);

    [LibraryImport(Library, EntryPoint = "tjGetErrorStr2")]
    private static partial nint GetErrorStr2(nint handle);

    [LibraryImport(Library, EntryPoint = "tjDecompressHeader3")]
    private static unsafe partial int DecompressHeader3(Handle handle, byte* jpeg, nuint size, int* width, int* height, int* subsamp, int* colorspace);

    [LibraryImport(Library, EntryPoint = "tjDecompress2")]
    private static unsafe partial int Decompress2(Handle handle, byte* jpeg, nuint size, byte* dst, int width, int pitch, int height, int pixelFormat, int flags);

    private sealed class Handle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public Handle()
            : base(ownsHandle: true)
        {
        }

        protected override bool ReleaseHandle() => Destroy(handle) == 0;
    }
}
