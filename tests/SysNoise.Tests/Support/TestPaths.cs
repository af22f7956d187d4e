namespace SysNoise.Tests.Support;

/// <summary>
/// Where the test assembly and the repository are. The assembly's own folder, not AppContext.BaseDirectory: under a
/// console runner (xunit.console on a GPU machine without the SDK) the base directory is the runner's.
/// </summary>
public static class TestPaths
{
    public static string AssemblyFolder { get; } = Path.GetDirectoryName(typeof(TestPaths).Assembly.Location) ?? AppContext.BaseDirectory;

    /// <summary>The repository root for a build under tests/SysNoise.Tests/bin/&lt;config&gt;/&lt;tfm&gt;/.</summary>
    public static string Repository { get; } = Path.GetFullPath(Path.Combine(AssemblyFolder, "../../../../.."));
}
