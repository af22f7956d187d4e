using System.CommandLine;
using System.Text.Json;
using SysNoise.Runtime.Bench;
using SysNoise.Runtime.Profiles;

namespace SysNoise.Cli.Commands;

/// <summary><c>sysnoise profiles [--show NAME|FILE] [--json]</c></summary>
public static class ProfilesCommand
{
    public static Command Create()
    {
        var show = new Option<string?>("--show") { Description = "Print one profile in full (a built-in name or a YAML file, which is validated)." };
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var command = new Command("profiles", "List the built-in deployment profiles (or validate and show one).") { show, json };
        command.SetAction(parse =>
        {
            IEnumerable<DeploymentProfile> profiles;
            try
            {
                profiles = parse.GetValue(show) is { } one ? [ProfileLoader.Resolve(one)] : ProfileLoader.Builtins.Values;
            }
            catch (ProfileException ex)
            {
                throw new CliException(ex.Message);
            }

            var list = profiles.ToList();
            if (parse.GetValue(json) || parse.GetValue(show) is not null)
            {
                Console.WriteLine(JsonSerializer.Serialize(list.Select(BenchReport.ProfileJson), new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }

            int width = list.Max(p => p.Name.Length);
            foreach (DeploymentProfile p in list)
            {
                Console.WriteLine($"{p.Name.PadRight(width)}  {p.Description}");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
