using System.Diagnostics;

namespace SysNoise.Tests.Oracles;

/// <summary>Runs oracle scripts with Debian's Python (Pillow 9.4, NumPy, OpenCV 4.6 from apt).</summary>
public static class PythonOracle
{
    /// <summary>
    /// Debian's interpreter (the one on PATH may be another Python without the apt packages), or $SYSNOISE_PYTHON
    /// (a GPU machine's own PyTorch interpreter, for the model exports there).
    /// </summary>
    public static readonly string Exe = Environment.GetEnvironmentVariable("SYSNOISE_PYTHON") is { Length: > 0 } python ? python : "/usr/bin/python3";

    /// <summary>Full path of a script shipped in the test output's oracles/ folder.</summary>
    public static string Script(string name) => Path.Combine(Support.TestPaths.AssemblyFolder, "oracles", name);

    /// <summary>Runs <paramref name="scriptPath"/> with <paramref name="args"/>; returns stdout, throws with stderr on failure.</summary>
    public static string Run(string scriptPath, params string[] args)
    {
        if (!File.Exists(Exe))
        {
            throw new InvalidOperationException($"{Exe} is missing: install python3 with python3-pil, python3-numpy and python3-opencv (see README).");
        }

        var info = new ProcessStartInfo(Exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(scriptPath);
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        // Keep the oracle single-threaded and deterministic regardless of the caller's environment.
        info.Environment["OMP_NUM_THREADS"] = "1";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {Exe}.");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(scriptPath)} exited with {process.ExitCode}:\n{stderr.Result}");
        }

        return stdout;
    }
}
