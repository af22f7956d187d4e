using System.Diagnostics;

namespace SysNoise.Tests.Support;

/// <summary>Runs an oracle command-line tool (djpeg, ffmpeg, cjpeg) and captures its binary stdout.</summary>
public static class Tool
{
    public sealed record Result(int ExitCode, byte[] Stdout, string Stderr);

    public static Result Run(string exe, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        if (environment is not null)
        {
            foreach ((string k, string v) in environment)
            {
                info.Environment[k] = v;
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {exe}");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(stdout);
        process.WaitForExit();
        return new Result(process.ExitCode, stdout.ToArray(), stderr.Result);
    }
}

/// <summary>Reads the binary PPM (P6) and PGM (P5) files djpeg writes.</summary>
public static class Pnm
{
    public static (byte[] Pixels, int Height, int Width, int Channels) Parse(byte[] data)
    {
        int pos = 0;
        string magic = Token(data, ref pos);
        int width = int.Parse(Token(data, ref pos));
        int height = int.Parse(Token(data, ref pos));
        int max = int.Parse(Token(data, ref pos));
        pos++; // the single whitespace byte after maxval
        int channels = magic switch { "P6" => 3, "P5" => 1, _ => throw new InvalidDataException($"not a binary PNM: {magic}") };
        if (max != 255)
        {
            throw new InvalidDataException($"maxval {max}");
        }

        return (data.AsSpan(pos, width * height * channels).ToArray(), height, width, channels);
    }

    private static string Token(byte[] data, ref int pos)
    {
        while (char.IsWhiteSpace((char)data[pos]))
        {
            pos++;
        }

        int start = pos;
        while (!char.IsWhiteSpace((char)data[pos]))
        {
            pos++;
        }

        return System.Text.Encoding.ASCII.GetString(data, start, pos - start);
    }
}
