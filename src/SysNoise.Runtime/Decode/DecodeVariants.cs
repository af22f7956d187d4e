using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Native;
using SysNoise.Runtime.Variants;

namespace SysNoise.Runtime.Decode;

/// <summary>A JPEG decoder variant: one library build's exact decode.</summary>
public interface IDecodeVariant : IVariant
{
    /// <summary>Which build of the library the variant matches, e.g. "libjpeg-turbo 2.1.5 with SIMD (x86-64 AVX2)".</summary>
    string MatchesBuild { get; }

    /// <summary>The oracle command or call the variant is proved against.</summary>
    string Oracle { get; }

    DecodedImage Decode(Device device, ReadOnlySpan<byte> file, string name, JpegLimits limits);
}

/// <summary>A libjpeg-turbo configuration run on the SysNoise kernels.</summary>
public sealed class LibjpegDecodeVariant(string name, string description, string matchesBuild, string oracle, JpegDecodeSettings settings, string provenAgainst = "libjpeg-turbo 2.1.5") : IDecodeVariant
{
    public string Name { get; } = name;

    public PipelineStage Stage => PipelineStage.Decode;

    public string ProvenAgainst { get; } = provenAgainst;

    public string Description { get; } = description;

    public string MatchesBuild { get; } = matchesBuild;

    public string Oracle { get; } = oracle;

    public JpegDecodeSettings Settings { get; } = settings;

    public DecodedImage Decode(Device device, ReadOnlySpan<byte> file, string name, JpegLimits limits)
        => JpegDecoder.Decode(device, file, name, Settings, limits);
}

/// <summary>FFmpeg 5.1's mjpeg decoder and the CLI's swscale conversion to rgb24.</summary>
public sealed class FfmpegDecodeVariant : IDecodeVariant
{
    public string Name => "ffmpeg";

    public PipelineStage Stage => PipelineStage.Decode;

    public string ProvenAgainst => "FFmpeg 5.1.9 (Debian 12)";

    public string Description => "what `ffmpeg -i X.jpg -f rawvideo -pix_fmt rgb24 -` returns: FFmpeg's simple IDCT (x86 SIMD), no chroma upsampling in the decoder, libswscale bicubic/unscaled conversion to rgb24";

    public string MatchesBuild => "FFmpeg 5.1 (Debian 12), mjpeg decoder + swscale to rgb24";

    public string Oracle => "ffmpeg -v error -i X.jpg -f rawvideo -pix_fmt rgb24 -";

    public DecodedImage Decode(Device device, ReadOnlySpan<byte> file, string name, JpegLimits limits)
        => FfmpegDecoder.Decode(device, file, name, limits);
}

/// <summary>Every JPEG decode variant.</summary>
public static class DecodeVariants
{
    private const string SimdBuild = "libjpeg-turbo 2.1.5 as Debian 12 builds it (SIMD on; x86-64 AVX2/SSE2 code paths)";
    private const string AnyBuild = "libjpeg-turbo 2.1.5, SIMD or plain C (identical on valid data; on corrupt coefficients this follows the x86-64 SIMD code)";
    private const string IfastBuild = "libjpeg-turbo 2.1.5 with SIMD (x86-64 SSE2 IFAST); the plain-C IFAST wraps where SSE2 saturates and differs on rare files";

    public static readonly LibjpegDecodeVariant LibjpegIslow = new(
        "libjpeg-islow", "libjpeg-turbo JDCT_ISLOW + fancy upsampling (libjpeg's default decode)", AnyBuild, "djpeg -dct int", new(IdctMethod.Islow, true, false));

    public static readonly LibjpegDecodeVariant LibjpegIfast = new(
        "libjpeg-ifast", "libjpeg-turbo JDCT_IFAST + fancy upsampling (TurboJPEG's TJFLAG_FASTDCT)", IfastBuild, "djpeg -dct fast", new(IdctMethod.Ifast, true, false));

    public static readonly LibjpegDecodeVariant LibjpegFloat = new(
        "libjpeg-float", "libjpeg-turbo JDCT_FLOAT (SSE2 code) + fancy upsampling", SimdBuild, "djpeg -dct float", new(IdctMethod.FloatSimd, true, false));

    public static readonly LibjpegDecodeVariant LibjpegIfastC = new(
        "libjpeg-ifast-c", "libjpeg-turbo JDCT_IFAST as the plain C code computes it + fancy upsampling",
        "libjpeg-turbo 2.1.5 built with SIMD but run with JSIMD_FORCENONE=1 (jidctfst.c with 16-bit DCTELEM)", "JSIMD_FORCENONE=1 djpeg -dct fast", new(IdctMethod.IfastC, true, false));

    public static readonly LibjpegDecodeVariant LibjpegIslowSimple = new(
        "libjpeg-islow-simple", "libjpeg-turbo JDCT_ISLOW, no fancy upsampling (replication; merged where libjpeg merges)", AnyBuild, "djpeg -dct int -nosmooth", new(IdctMethod.Islow, false, false));

    public static readonly LibjpegDecodeVariant LibjpegIfastSimple = new(
        "libjpeg-ifast-simple", "libjpeg-turbo JDCT_IFAST, no fancy upsampling (TurboJPEG FASTDCT|FASTUPSAMPLE)", IfastBuild, "djpeg -dct fast -nosmooth", new(IdctMethod.Ifast, false, false));

    public static readonly LibjpegDecodeVariant LibjpegFloatSimple = new(
        "libjpeg-float-simple", "libjpeg-turbo JDCT_FLOAT (SSE2 code), no fancy upsampling", SimdBuild, "djpeg -dct float -nosmooth", new(IdctMethod.FloatSimd, false, false));

    public static readonly LibjpegDecodeVariant LibjpegFloatC = new(
        "libjpeg-float-c", "libjpeg-turbo JDCT_FLOAT as the plain C code computes it + fancy upsampling",
        "libjpeg-turbo 2.1.5 without SIMD (JSIMD_FORCENONE=1, or a build with WITH_SIMD=0), GCC x86-64 without FMA", "JSIMD_FORCENONE=1 djpeg -dct float", new(IdctMethod.FloatC, true, false));

    public static readonly LibjpegDecodeVariant Pil = new(
        "pil", "what Pillow 9.4 Image.open(f).convert('RGB') returns (libjpeg-turbo islow + fancy; grayscale replicated to RGB)",
        "Pillow 9.4 (Debian python3-pil, linked to libjpeg-turbo 2.1.5)", "Pillow Image.open(f).convert('RGB')", new(IdctMethod.Islow, true, true), "Pillow 9.4");

    public static readonly LibjpegDecodeVariant OpenCv = new(
        "opencv", "what OpenCV 4.13 imdecode(IMREAD_COLOR) returns, as RGB (islow + fancy; grayscale replicated)",
        "OpenCV 4.13 (OpenCvSharp4 official runtime) and Debian OpenCV 4.6", "OpenCvSharp Cv2.ImDecode(IMREAD_COLOR) → RGB", new(IdctMethod.Islow, true, true), "OpenCV 4.13");

    public static readonly FfmpegDecodeVariant Ffmpeg = new();

    public static IReadOnlyList<IDecodeVariant> All { get; } =
    [
        LibjpegIslow, LibjpegIfast, LibjpegFloat, LibjpegIslowSimple, LibjpegIfastSimple, LibjpegFloatSimple, LibjpegFloatC, LibjpegIfastC, Pil, OpenCv, Ffmpeg,
    ];
}
