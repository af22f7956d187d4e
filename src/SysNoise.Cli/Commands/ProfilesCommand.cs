using System.CommandLine;
using System.Text.Json;
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
                Console.WriteLine(JsonSerializer.Serialize(list.Select(p => new
                {
                    name = p.Name,
                    description = p.Description,
                    source = p.Source,
                    decode = p.Decode,
                    resize = p.Resize,
                    transform = new
                    {
                        mode = p.Transform.Mode.ToString(),
                        crop = p.Transform.Crop,
                        shorter_side = p.Transform.ShorterSideTarget,
                        scale = p.Transform.Scale,
                        mean = p.Transform.Mean,
                        std = p.Transform.Std,
                        channel_order = p.Transform.ChannelOrder.ToString().ToLowerInvariant(),
                        layout = p.Transform.Layout.ToString().ToLowerInvariant(),
                    },
                    color = p.Color ?? "none",
                    ceil_mode = p.CeilMode switch { true => "on", false => "off", null => "model" },
                    ceil_rule = p.CeilRule.ToString().ToLowerInvariant(),
                    upsample = p.Upsample ?? "model",
                    precision = p.Precision.ToString().ToLowerInvariant(),
                    quantization = p.Quantization,
                    postprocess = p.PostProcess,
                }), new JsonSerializerOptions { WriteIndented = true }));
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
