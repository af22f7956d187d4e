namespace SysNoise.Runtime.Resize;

/// <summary>Pillow's Image.resize family.</summary>
public static class PillowResizeVariants
{
    public static IReadOnlyList<IResizeVariant> All { get; } = [];
}
