using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

[assembly: DisableRuntimeMarshalling]

namespace SysNoise.Runtime.Native;

/// <summary>Status codes of the native shim (native/sysnoise_native.h).</summary>
public enum NativeStatus
{
    Ok = 0,
    Argument = 1,
    Corrupt = 2,
    Unsupported = 3,
    Memory = 4,
    Limit = 5,
}

/// <summary>Mirrors <c>sn_jpeg_decode_options</c>; zero means libjpeg's defaults.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct JpegDecodeOptions
{
    /// <summary>0 = JDCT_ISLOW (default), 1 = JDCT_IFAST, 2 = JDCT_FLOAT.</summary>
    public int DctMethod;

    /// <summary>0 = fancy upsampling (default), 1 = replication (merged upsampling where libjpeg picks it).</summary>
    public int DisableFancyUpsampling;
}

/// <summary>Mirrors <c>sn_image</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeImage
{
    public nint Pixels;
    public int Width;
    public int Height;
    public int Channels;
}

/// <summary>
/// Loads the shim (and with it the system libjpeg-turbo and libpng) ahead of any other native library.
/// OpenCvSharp's native library bundles and exports its own jpeg_* and png_* functions and pulls the system
/// libpng/libjpeg in as dependencies of its GUI libraries; libraries loaded in its group bind their internal
/// calls to OpenCV's copies. Loaded first, in our own group, the system libraries stay whole. Processes that
/// also load OpenCvSharp (tests, benchmarks) call this at start-up.
/// </summary>
public static class SysNoiseNative
{
    public static void EnsureLoaded() => NativeMethods.EnsureAbi();
}

/// <summary>P/Invoke into libsysnoise_native (source-generated marshalling).</summary>
internal static unsafe partial class NativeMethods
{
    public const int AbiVersion = 6;
    private const string Library = "sysnoise_native";
    private const int MessageCapacity = 512;

    [LibraryImport(Library, EntryPoint = "sn_version")]
    public static partial int Version();

    [LibraryImport(Library, EntryPoint = "sn_free")]
    public static partial void Free(nint pointer);

    [LibraryImport(Library, EntryPoint = "sn_jpeg_decode")]
    private static partial NativeStatus JpegDecode(byte* data, ulong length, JpegDecodeOptions* options, JpegLimits* limits, NativeImage* image, NativeJpegReport* report, byte* message, ulong capacity);

    [LibraryImport(Library, EntryPoint = "sn_jpeg_coefficients_open")]
    private static partial NativeStatus JpegCoefficientsOpen(byte* data, ulong length, JpegLimits* limits, nint* reader, NativeJpegCoefficients* header, byte* message, ulong capacity);

    [LibraryImport(Library, EntryPoint = "sn_jpeg_coefficients_copy")]
    private static partial NativeStatus JpegCoefficientsCopy(JpegReaderHandle reader, int component, short* destination, ulong capacity, byte* message, ulong messageCapacity);

    [LibraryImport(Library, EntryPoint = "sn_jpeg_coefficients_begin")]
    private static partial NativeStatus JpegCoefficientsBegin(byte* data, ulong length, JpegLimits* limits, nint* reader, NativeJpegCoefficients* header, byte* message, ulong capacity);

    [LibraryImport(Library, EntryPoint = "sn_jpeg_coefficients_decode")]
    private static partial NativeStatus JpegCoefficientsDecode(nint reader, int* rowsDone, NativeJpegCoefficients* header, byte* message, ulong capacity);

    [LibraryImport(Library, EntryPoint = "sn_jpeg_coefficients_row")]
    internal static partial short* JpegCoefficientsRow(nint reader, int component, int blockRow);

    [LibraryImport(Library, EntryPoint = "sn_jpeg_coefficients_close")]
    internal static partial void JpegCoefficientsClose(nint reader);

    [LibraryImport(Library, EntryPoint = "sn_png_decode")]
    private static partial NativeStatus PngDecode(byte* data, ulong length, NativeImage* image, byte* message, ulong capacity);

    [LibraryImport(Library, EntryPoint = "sn_png_encode")]
    private static partial NativeStatus PngEncode(byte* pixels, int width, int height, int channels, nint* png, ulong* length, byte* message, ulong capacity);

    public static (byte[] Pixels, int Height, int Width, int Channels) DecodeJpeg(ReadOnlySpan<byte> file, JpegDecodeOptions options, string name)
        => DecodeJpeg(file, options, JpegLimits.Default, name, out _);

    /// <summary>libjpeg-turbo's own full decode (the reference the kernels are proved against), with its warnings.</summary>
    public static (byte[] Pixels, int Height, int Width, int Channels) DecodeJpeg(ReadOnlySpan<byte> file, JpegDecodeOptions options, JpegLimits limits, string name, out JpegWarnings warnings)
    {
        EnsureAbi();
        NativeImage image;
        NativeJpegReport report;
        byte* message = stackalloc byte[MessageCapacity];
        NativeStatus status;
        fixed (byte* data = file)
        {
            status = JpegDecode(data, (ulong)file.Length, &options, &limits, &image, &report, message, MessageCapacity);
        }

        warnings = JpegWarnings.From(&report);
        return TakeImage(status, image, message, name, "JPEG");
    }

    /// <summary>
    /// Entropy-decodes a JPEG (pinned by the caller until the reader is disposed) and fills <paramref name="header"/>;
    /// the blocks are then copied per component with <see cref="CopyJpegCoefficients"/>.
    /// </summary>
    public static JpegReaderHandle OpenJpegCoefficients(byte* data, int length, JpegLimits limits, NativeJpegCoefficients* header, string name)
    {
        EnsureAbi();
        byte* message = stackalloc byte[MessageCapacity];
        nint reader;
        NativeStatus status = JpegCoefficientsOpen(data, (ulong)length, &limits, &reader, header, message, MessageCapacity);
        if (status != NativeStatus.Ok)
        {
            ThrowFor(status, message, name, "JPEG");
        }

        return new JpegReaderHandle(reader);
    }

    /// <summary>
    /// Starts a pipelined coefficient read (<c>sn_jpeg_coefficients_begin</c>): the header's geometry and quant tables,
    /// or null when the file is not a single-scan 8-bit JPEG or its header is bad (the caller then reads it the usual way).
    /// </summary>
    public static JpegReaderHandle? TryBeginJpegCoefficients(byte* data, int length, JpegLimits limits, NativeJpegCoefficients* header)
    {
        EnsureAbi();
        byte* message = stackalloc byte[MessageCapacity];
        nint reader;
        return JpegCoefficientsBegin(data, (ulong)length, &limits, &reader, header, message, MessageCapacity) == NativeStatus.Ok ? new JpegReaderHandle(reader) : null;
    }

    /// <summary>Entropy-decodes a begun reader on this thread, publishing complete iMCU rows to <paramref name="rowsDone"/>; false on any error.</summary>
    public static bool DecodeJpegCoefficients(nint reader, int* rowsDone, NativeJpegCoefficients* header)
    {
        byte* message = stackalloc byte[MessageCapacity];
        return JpegCoefficientsDecode(reader, rowsDone, header, message, MessageCapacity) == NativeStatus.Ok;
    }

    public static void CopyJpegCoefficients(JpegReaderHandle reader, int component, Span<short> destination, string name)
    {
        byte* message = stackalloc byte[MessageCapacity];
        NativeStatus status;
        fixed (short* d = destination)
        {
            status = JpegCoefficientsCopy(reader, component, d, (ulong)destination.Length, message, MessageCapacity);
        }

        if (status != NativeStatus.Ok)
        {
            ThrowFor(status, message, name, "JPEG");
        }
    }

    public static (byte[] Pixels, int Height, int Width, int Channels) DecodePng(ReadOnlySpan<byte> file, string name)
    {
        EnsureAbi();
        NativeImage image;
        byte* message = stackalloc byte[MessageCapacity];
        NativeStatus status;
        fixed (byte* data = file)
        {
            status = PngDecode(data, (ulong)file.Length, &image, message, MessageCapacity);
        }

        return TakeImage(status, image, message, name, "PNG");
    }

    public static byte[] EncodePng(ReadOnlySpan<byte> pixels, int height, int width, int channels, string name)
    {
        EnsureAbi();
        nint png;
        ulong length;
        byte* message = stackalloc byte[MessageCapacity];
        NativeStatus status;
        fixed (byte* p = pixels)
        {
            status = PngEncode(p, width, height, channels, &png, &length, message, MessageCapacity);
        }

        if (status != NativeStatus.Ok)
        {
            ThrowFor(status, message, name, "PNG encode");
        }

        try
        {
            return new ReadOnlySpan<byte>((void*)png, checked((int)length)).ToArray();
        }
        finally
        {
            Free(png);
        }
    }

    private static (byte[] Pixels, int Height, int Width, int Channels) TakeImage(NativeStatus status, NativeImage image, byte* message, string name, string format)
    {
        if (status != NativeStatus.Ok)
        {
            ThrowFor(status, message, name, format);
        }

        try
        {
            long size = (long)image.Width * image.Height * image.Channels;
            return (new ReadOnlySpan<byte>((void*)image.Pixels, checked((int)size)).ToArray(), image.Height, image.Width, image.Channels);
        }
        finally
        {
            Free(image.Pixels);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowFor(NativeStatus status, byte* message, string name, string format)
    {
        string text = Marshal.PtrToStringUTF8((nint)message) ?? string.Empty;
        string problem = status switch
        {
            NativeStatus.Corrupt => $"corrupt or truncated {format}: {text}",
            NativeStatus.Unsupported => $"unsupported {format}: {text}",
            NativeStatus.Memory => $"out of memory decoding {format}",
            NativeStatus.Limit => $"{format} over a limit: {text}",
            _ => $"{format}: {text}",
        };
        throw new IO.SysNoiseIOException(name, problem);
    }

    internal static void EnsureAbi()
    {
        int v;
        try
        {
            v = Version();
        }
        catch (DllNotFoundException ex)
        {
            throw new InvalidOperationException("libsysnoise_native.so was not found next to the assemblies; build with 'dotnet build' (it runs CMake) after 'bash scripts/install-deps.sh'.", ex);
        }

        if (v != AbiVersion)
        {
            throw new InvalidOperationException($"libsysnoise_native.so has ABI version {v}, expected {AbiVersion}: rebuild.");
        }
    }
}
