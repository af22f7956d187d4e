using SysNoise.Runtime.Color;
using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Post;
using SysNoise.Runtime.Resize;

namespace SysNoise.Runtime.Variants;

/// <summary>Every variant SysNoise knows, by name.</summary>
public static class VariantRegistry
{
    private static readonly Lazy<IReadOnlyList<IVariant>> AllVariants = new(() =>
    {
        var list = new List<IVariant>();
        list.AddRange(DecodeVariants.All);
        list.AddRange(PillowResizeVariants.All);
        list.AddRange(OpenCvResizeVariants.All);
        list.AddRange(ColorVariants.All);
        list.AddRange(PostVariants.All);
        return list;
    });

    public static IReadOnlyList<IVariant> All => AllVariants.Value;

    public static IEnumerable<IResizeVariant> Resize => All.OfType<IResizeVariant>();

    public static IEnumerable<IDecodeVariant> Decode => All.OfType<IDecodeVariant>();

    public static IEnumerable<IColorVariant> Color => All.OfType<IColorVariant>();

    public static bool TryGet(string name, out IVariant variant)
    {
        variant = All.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return variant is not null;
    }

    public static T Get<T>(string name)
        where T : class, IVariant
        => TryGet(name, out IVariant v) && v is T t
            ? t
            : throw new KeyNotFoundException($"Unknown {typeof(T).Name.TrimStart('I').Replace("Variant", string.Empty, StringComparison.Ordinal).ToLowerInvariant()} variant '{name}'. Valid: {string.Join(", ", All.OfType<T>().Select(x => x.Name))}.");
}
