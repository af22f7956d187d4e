namespace SysNoise.Runtime.Resize;

/// <summary>OpenCV's cv::resize family (filled in by the OpenCV variants work).</summary>
public static class OpenCvResizeVariants
{
    public static IReadOnlyList<IResizeVariant> All { get; } = [];
}
