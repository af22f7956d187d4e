using System.CommandLine;

namespace SysNoise.Cli;

/// <summary>Exit codes: 0 success (or identical), 1 different (diff), 2 error.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Different = 1;
    public const int Error = 2;
}

/// <summary>A user-facing error: printed as one line, exit code 2, no stack trace.</summary>
public sealed class CliException(string message) : Exception(message);

public static class CliRunner
{
    public static int Run(RootCommand root, string[] args)
    {
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                // Some parser messages list choices on separate lines; keep each error on one line.
                Console.Error.WriteLine($"sysnoise: error: {string.Join(' ', error.Message.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))}");
            }

            Console.Error.WriteLine("Run 'sysnoise --help' (or 'sysnoise <verb> --help') for usage.");
            return ExitCodes.Error;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Console.Error.WriteLine($"sysnoise: error: {Describe(ex)}");
            return ExitCodes.Error;
        }
    }

    private static string Describe(Exception ex)
    {
        // One line: the innermost message that says what is wrong, without a stack trace.
        while (ex is System.Reflection.TargetInvocationException or AggregateException && ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex.Message.Replace(Environment.NewLine, " ", StringComparison.Ordinal);
    }
}
