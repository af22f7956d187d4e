using SysNoise.Kernels.Resize.OpenCv;

namespace SysNoise.Runtime.Resize;

/// <summary>The interpolation flags of cv::resize SysNoise emulates.</summary>
public enum OpenCvMethod
{
    Nearest,
    NearestExact,
    Linear,
    LinearExact,
    Area,
    Cubic,
    Lanczos4,
}

/// <summary>
/// What differs between two OpenCV builds' resize: the NEAREST_EXACT centring (changed after 4.6), the
/// vector body of the INTER_CUBIC vertical pass (its width in int16 lanes and whether v_muladd fuses), and
/// whether 8-bit INTER_CUBIC goes to Intel IPP (builds with IPPICV, for images at least
/// <see cref="IppCubicMinSide"/> pixels on each side).
/// </summary>
/// <param name="Version">Library and version, e.g. "OpenCV 4.13".</param>
public sealed record OpenCvBuild(string Version, NearestExactCentering NearestExact, int CubicVectorLanes, bool CubicFusedMultiplyAdd, bool CubicUsesIpp)
{
    /// <summary>Smallest source width and height IPP's cubic resize accepts; smaller images take OpenCV's own path.</summary>
    public const int IppCubicMinSide = 4;

    /// <summary>OpenCvSharp4 4.13.0.20260627 (official runtime, linux-x64; IPPICV 2022.2, SSE3 baseline).</summary>
    public static OpenCvBuild V4_13 { get; } = new("OpenCV 4.13", NearestExactCentering.ParityCorrected, 8, false, CubicUsesIpp: true);

    /// <summary>Debian 12's python3-opencv 4.6.0 (SSE2 baseline, no IPP).</summary>
    public static OpenCvBuild V4_6 { get; } = new("OpenCV 4.6", NearestExactCentering.MinusOne, 8, false, CubicUsesIpp: false);
}

/// <summary>cv::resize variants, by method and by the build they are proven against.</summary>
public static class OpenCvResizeVariants
{
    public static IReadOnlyList<IResizeVariant> All { get; } =
    [
        new OpenCvResizeVariant(OpenCvMethod.Nearest, OpenCvBuild.V4_13, "opencv-nearest", "INTER_NEAREST: floor(x·scale) with no half-pixel offset (shifted toward the top-left)"),
        new OpenCvResizeVariant(OpenCvMethod.Linear, OpenCvBuild.V4_13, "opencv-linear", "INTER_LINEAR: 11-bit coefficients, no antialiasing; exact 2×2 downscales become INTER_AREA"),
        new OpenCvResizeVariant(OpenCvMethod.Area, OpenCvBuild.V4_13, "opencv-area", "INTER_AREA: box sums for integer factors, float area weights otherwise, linear-like when upscaling"),
        new OpenCvResizeVariant(OpenCvMethod.Cubic, OpenCvBuild.V4_13, "opencv-cubic", "INTER_CUBIC (A=−0.75), 4×4 taps, float vector body and integer tail in the vertical pass"),
        new OpenCvResizeVariant(OpenCvMethod.Lanczos4, OpenCvBuild.V4_13, "opencv-lanczos4", "INTER_LANCZOS4: 8×8 taps, no antialiasing, 22-bit fixed point"),
        new OpenCvResizeVariant(OpenCvMethod.NearestExact, OpenCvBuild.V4_13, "opencv-nearest-exact", "INTER_NEAREST_EXACT: 16.16 fixed-point pixel-centre mapping (Pillow-like)"),
        new OpenCvResizeVariant(OpenCvMethod.LinearExact, OpenCvBuild.V4_13, "opencv-linear-exact", "INTER_LINEAR_EXACT: bit-exact fixed point (8-bit coefficients, 16-bit vertical accumulation)"),
        new OpenCvResizeVariant(OpenCvMethod.Cubic, OpenCvBuild.V4_6, "opencv4.6-cubic", "INTER_CUBIC as Debian's OpenCV 4.6 computes it (its vector body/tail split)"),
        new OpenCvResizeVariant(OpenCvMethod.NearestExact, OpenCvBuild.V4_6, "opencv4.6-nearest-exact", "INTER_NEAREST_EXACT as OpenCV 4.6: centre offset ifx/2 − 1 instead of ifx/2 − w%2"),
    ];
}
