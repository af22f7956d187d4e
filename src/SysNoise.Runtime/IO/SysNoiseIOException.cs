namespace SysNoise.Runtime.IO;

/// <summary>A file SysNoise cannot read or write; the message names the file and the problem.</summary>
public class SysNoiseIOException : IOException
{
    public SysNoiseIOException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    public string FilePath { get; }

    public string Problem { get; }
}
