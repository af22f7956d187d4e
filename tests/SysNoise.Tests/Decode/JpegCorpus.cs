using SysNoise.Tests.Oracles;
using SysNoise.Tests.Support;

namespace SysNoise.Tests.Decode;

/// <summary>
/// The JPEG corpus of one test run: real photographs from Debian's opencv-doc, cropped and re-encoded by cjpeg
/// (scripts/make-jpeg-corpus.py) with this run's seed. Built once per test process, or taken from
/// $SYSNOISE_JPEG_CORPUS when set.
/// </summary>
public static class JpegCorpus
{
    public const int Count = 170;

    private static readonly Lazy<IReadOnlyList<string>> LazyFiles = new(Build);

    public static int Seed => RandomImages.RunSeed;

    public static IReadOnlyList<string> Files => LazyFiles.Value;

    private static IReadOnlyList<string> Build()
    {
        // A corpus built elsewhere (e.g. carried to a GPU machine that has no cjpeg or opencv-doc).
        if (Environment.GetEnvironmentVariable("SYSNOISE_JPEG_CORPUS") is { Length: > 0 } prebuilt)
        {
            return Directory.GetFiles(prebuilt, "*.jpg").Order(StringComparer.Ordinal).ToArray();
        }

        string dir = Path.Combine(Path.GetTempPath(), $"sysnoise-jpeg-corpus-{Environment.ProcessId}-{Seed}");
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        PythonOracle.Run(PythonOracle.Script("make-jpeg-corpus.py"), "--seed", Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--count", Count.ToString(System.Globalization.CultureInfo.InvariantCulture), dir);
        return Directory.GetFiles(dir, "*.jpg").Order(StringComparer.Ordinal).ToArray();
    }
}
