using SysNoise.Kernels.Color;

namespace SysNoise.Runtime.Color;

/// <summary>The colour-stage variants: the SysNoise paper's formulas and OpenCV's cvtColor round trips.</summary>
public static class ColorVariants
{
    private const string PaperOracle = "paper formulas (NumPy)";
    private const string OpenCv = "OpenCV 4.13, 4.6";

    public static IReadOnlyList<ColorVariant> All { get; } =
    [
        new PixelColorVariant<PaperFloat444Op>(
            "yuv444-float",
            PaperOracle,
            "BT.601 limited-range RGB→YUV→RGB in double, round half away from zero, 4:4:4."),
        new PixelColorVariant<PaperInt444Op>(
            "yuv444-int",
            PaperOracle,
            "BT.601 limited-range 8-bit integer (\"298\") RGB→YUV→RGB, 4:4:4."),
        new Block420ColorVariant<PaperInt420Op>(
            "yuv420-int",
            PaperOracle,
            "8-bit integer formulas with NV12-style 4:2:0 chroma from the rounded 2×2 RGB mean, replicated back.",
            requiresEvenSize: false),
        new Block420ColorVariant<OpenCvI420Op>(
            "opencv-i420",
            OpenCv,
            "cvtColor RGB2YUV_I420 then YUV2RGB_I420: 20-bit fixed point, chroma from each 2×2 block's top-left pixel; even sizes only.",
            requiresEvenSize: true),
        new PixelColorVariant<OpenCvYuvOp>(
            "opencv-yuv",
            OpenCv,
            "cvtColor RGB2YUV then YUV2RGB: full-range 14-bit fixed point, 4:4:4."),
    ];
}
