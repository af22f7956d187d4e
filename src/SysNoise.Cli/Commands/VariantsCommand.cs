using System.CommandLine;
using System.Text.Json;
using SysNoise.Runtime.Color;
using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Variants;

namespace SysNoise.Cli.Commands;

/// <summary><c>sysnoise variants [--stage S] [--json]</c></summary>
public static class VariantsCommand
{
    public static Command Create()
    {
        var stage = new Option<string?>("--stage") { Description = "Only this stage: decode, resize, color, model or postprocess (alias post)." };
        var json = new Option<bool>("--json") { Description = "Machine-readable output." };
        var command = new Command("variants", "List every variant with its stage, the library version it is proven against, and a description.") { stage, json };
        command.SetAction(parse =>
        {
            IEnumerable<IVariant> variants = VariantRegistry.All;
            string? stageName = parse.GetValue(stage);
            if (stageName is not null)
            {
                string normalized = stageName.Replace("-", string.Empty, StringComparison.Ordinal);
                if (string.Equals(normalized, "post", StringComparison.OrdinalIgnoreCase))
                {
                    normalized = nameof(PipelineStage.PostProcess);
                }

                if (!Enum.TryParse(normalized, ignoreCase: true, out PipelineStage s))
                {
                    throw new CliException($"unknown stage '{stageName}'. Valid: {string.Join(", ", Enum.GetNames<PipelineStage>().Select(StageName))}");
                }

                variants = variants.Where(v => v.Stage == s);
            }

            List<IVariant> list = variants.ToList();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(list.Select(v => new
                {
                    name = v.Name,
                    stage = StageName(v.Stage.ToString()),
                    proven_against = v.ProvenAgainst,
                    description = v.Description,
                    uint8_bit_exact = v is IResizeVariant { UInt8Residue: null } or IColorVariant, // every colour variant is proven bit-exact
                    uint8_residue = v is IResizeVariant { UInt8Residue: { } u } ? new { max_abs_diff = u.MaxAbsDiff, tie_distance = u.TieDistance, note = u.Note } : null,
                    float32 = v is IResizeVariant r && r.Float32 is { } f ? new { bit_exact = f.BitExact, max_ulps = f.MaxUlps, note = f.Note } : null,
                    matches_build = (v as IDecodeVariant)?.MatchesBuild,
                    oracle = (v as IDecodeVariant)?.Oracle,
                }), new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Ok;
            }

            int nameWidth = Math.Max(4, list.Select(v => v.Name.Length).DefaultIfEmpty(0).Max());
            int provenWidth = Math.Max(14, list.Select(v => v.ProvenAgainst.Length).DefaultIfEmpty(0).Max());
            Console.WriteLine($"{"NAME".PadRight(nameWidth)}  {"STAGE",-11}  {"PROVEN AGAINST".PadRight(provenWidth)}  DESCRIPTION");
            foreach (IVariant v in list)
            {
                Console.WriteLine($"{v.Name.PadRight(nameWidth)}  {StageName(v.Stage.ToString()),-11}  {v.ProvenAgainst.PadRight(provenWidth)}  {v.Description}");
                if (v is IDecodeVariant d)
                {
                    Console.WriteLine($"{string.Empty.PadRight(nameWidth)}  {string.Empty,-11}  {string.Empty.PadRight(provenWidth)}  matches: {d.MatchesBuild}; oracle: {d.Oracle}");
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static string StageName(string stage) => stage.ToLowerInvariant();
}
