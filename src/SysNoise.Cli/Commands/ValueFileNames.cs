using System.Security.Cryptography;
using System.Text;

namespace SysNoise.Cli.Commands;

/// <summary>
/// Maps ONNX value names to .npy file names. ONNX names are free text ("/layer1/0/conv1/Conv_output_0",
/// "onnx::Add_123"); characters that are not portable in a file name become '_', and names that would then collide
/// (also case-insensitively, for case-insensitive file systems) get "~2", "~3"... Every renamed value is reported.
/// </summary>
public sealed class ValueFileNames
{
    private const int MaxStemLength = 180;
    private readonly Dictionary<string, string> byValue = new(StringComparer.Ordinal);
    private readonly HashSet<string> taken = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Values whose file name is not their ONNX name, in the order they were first seen.</summary>
    public List<(string Value, string File)> Renamed { get; } = [];

    /// <summary>The file name (with .npy) for a value; the same value always gets the same file.</summary>
    public string For(string value)
    {
        if (byValue.TryGetValue(value, out string? known))
        {
            return known;
        }

        string stem = Sanitize(value);
        string file = stem + ".npy";
        for (int n = 2; !taken.Add(file); n++)
        {
            file = $"{stem}~{n}.npy";
        }

        byValue[value] = file;
        if (file != value + ".npy")
        {
            Renamed.Add((value, file));
        }

        return file;
    }

    public static string Sanitize(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            // Invalid on Linux ('/', NUL) or Windows (<>:"\|?*, control characters); '~' is kept for the collision suffix.
            sb.Append(c < 32 || c == 127 || c is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|' or '~' ? '_' : c);
        }

        string stem = sb.ToString().TrimEnd('.', ' ');
        if (stem.Length == 0 || stem.All(c => c == '.'))
        {
            stem = "_" + stem;
        }

        if (stem.Length > MaxStemLength)
        {
            // Long names keep their start (readable) and a hash of the whole name (unique).
            string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(value)))[..12].ToLowerInvariant();
            stem = $"{stem[..(MaxStemLength - 13)]}-{hash}";
        }

        return stem;
    }
}
