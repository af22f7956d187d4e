using System.Globalization;
using System.Reflection;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Post;
using SysNoise.Runtime.Variants;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace SysNoise.Runtime.Profiles;

/// <summary>A profile that does not validate; the message names the file and line and lists the valid values.</summary>
public sealed class ProfileException(string message) : Exception(message);

/// <summary>
/// Reads deployment profiles from YAML. Every key and value is checked: an unknown key or value is an error
/// naming the file, the line and the valid choices. <c>extends: NAME</c> starts from another profile.
/// </summary>
public static class ProfileLoader
{
    private static readonly string[] TopKeys = ["name", "description", "extends", "decode", "resize", "transform", "color", "ceil_mode", "ceil_rule", "upsample", "precision", "quantization", "postprocess"];
    private static readonly string[] TransformKeys = ["mode", "crop", "resize", "limit_side", "scale", "scale_op", "mean", "std", "channel_order", "layout"];
    private static readonly string[] QuantKeys = ["weights", "symmetric", "activations", "percentile", "rounding", "requantization", "calibration_images"];
    private static readonly string[] PostKeys = ["box_convention", "box_offset", "nms_offset", "db_thresh", "db_box_thresh", "db_max_candidates", "db_unclip_ratio", "db_score_mode", "db_dilation", "db_binarize", "db_rescale"];
    // The box-decode variants by name (sysnoise variants --stage post).
    private static readonly string[] BoxConventions = PostVariants.BoxConventions.Select(c => c.Name).ToArray();

    private static readonly Lazy<IReadOnlyDictionary<string, DeploymentProfile>> BuiltinProfiles = new(LoadBuiltins);

    /// <summary>The built-in profiles by name, in a stable order.</summary>
    public static IReadOnlyDictionary<string, DeploymentProfile> Builtins => BuiltinProfiles.Value;

    /// <summary>A built-in name or a path to a YAML file.</summary>
    public static DeploymentProfile Resolve(string nameOrPath)
    {
        if (Builtins.TryGetValue(nameOrPath, out DeploymentProfile? p))
        {
            return p;
        }

        if (File.Exists(nameOrPath))
        {
            return LoadFile(nameOrPath);
        }

        throw new ProfileException($"unknown profile '{nameOrPath}': not a built-in ({string.Join(", ", Builtins.Keys)}) and no such file");
    }

    public static DeploymentProfile LoadFile(string path) => Parse(File.ReadAllText(path), path);

    public static DeploymentProfile Parse(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException ex)
        {
            throw new ProfileException($"{source}:{ex.Start.Line}: not valid YAML: {ex.Message}");
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new ProfileException($"{source}: a profile is one YAML mapping (key: value lines)");
        }

        var ctx = new Context(source);
        ctx.CheckKeys(root, TopKeys, "profile");
        DeploymentProfile profile = root.Children.TryGetValue(new YamlScalarNode("extends"), out YamlNode? ext)
            ? ResolveForExtends(ctx.Scalar(ext, "extends")) with { Description = string.Empty }
            : new DeploymentProfile { Name = string.Empty };
        foreach ((YamlNode keyNode, YamlNode value) in root.Children)
        {
            string key = ((YamlScalarNode)keyNode).Value!;
            profile = key switch
            {
                "name" => profile with { Name = ctx.Scalar(value, key) },
                "description" => profile with { Description = ctx.Scalar(value, key) },
                "extends" => profile,
                "decode" => profile with { Decode = ctx.OneOf(value, key, VariantRegistry.Decode.Select(v => v.Name)) },
                "resize" => profile with { Resize = ctx.OneOf(value, key, VariantRegistry.Resize.Select(v => v.Name)) },
                "color" => profile with { Color = ctx.OneOf(value, key, VariantRegistry.Color.Select(v => v.Name).Prepend("none")) is "none" ? null : ctx.Scalar(value, key) },
                "ceil_mode" => profile with { CeilMode = ctx.OneOf(value, key, ["model", "on", "off"]) switch { "on" => true, "off" => false, _ => null } },
                "ceil_rule" => profile with { CeilRule = ctx.OneOf(value, key, ["modern", "legacy"]) == "legacy" ? CeilRule.Legacy : CeilRule.Modern },
                "upsample" => profile with { Upsample = ctx.OneOf(value, key, ["model", "nearest", "linear", "cubic"]) is "model" ? null : ctx.Scalar(value, key) },
                "precision" => profile with
                {
                    Precision = ctx.OneOf(value, key, ["fp32", "fp16", "fp16-acc16", "int8-qdq", "int8-int"]) switch
                    {
                        "fp16" => Precision.Fp16,
                        "fp16-acc16" => Precision.Fp16Acc16,
                        "int8-qdq" => Precision.Int8Qdq,
                        "int8-int" => Precision.Int8Int,
                        _ => Precision.Fp32,
                    },
                },
                "transform" => profile with { Transform = ParseTransform(ctx, value, profile.Transform) },
                "quantization" => profile with { Quantization = ParseQuantization(ctx, value, profile.Quantization) },
                "postprocess" => profile with { PostProcess = ParsePostProcess(ctx, value, profile.PostProcess) },
                _ => throw new InvalidOperationException(key),
            };
        }

        if (string.IsNullOrEmpty(profile.Name))
        {
            throw new ProfileException($"{source}: the profile has no name (add 'name: ...')");
        }

        return profile with { Source = source };
    }

    private static EvalTransform ParseTransform(Context ctx, YamlNode node, EvalTransform t)
    {
        YamlMappingNode map = ctx.Mapping(node, "transform");
        ctx.CheckKeys(map, TransformKeys, "transform");
        foreach ((YamlNode k, YamlNode v) in map.Children)
        {
            string key = ((YamlScalarNode)k).Value!;
            t = key switch
            {
                "mode" => t with { Mode = ctx.OneOf(v, key, ["resize-crop", "shorter-side", "direct", "limit-max"]) switch { "shorter-side" => ResizeMode.ShorterSide, "direct" => ResizeMode.Direct, "limit-max" => ResizeMode.LimitMax, _ => ResizeMode.ResizeCrop } },
                "crop" => t with { Crop = ctx.Int(v, key, 1, 8192) },
                "resize" => t with { ResizeTo = ctx.Int(v, key, 1, 8192) },
                "limit_side" => t with { LimitSide = ctx.Int(v, key, 32, 8192) },
                "scale" => t with { Scale = ctx.Float(v, key, positive: true) },
                "scale_op" => t with { ScaleOp = ctx.OneOf(v, key, ["divide", "multiply"]) == "multiply" ? ScaleOp.Multiply : ScaleOp.Divide },
                "mean" => t with { Mean = ctx.Floats(v, key, 3, positive: false) },
                "std" => t with { Std = ctx.Floats(v, key, 3, positive: true) },
                "channel_order" => t with { ChannelOrder = ctx.OneOf(v, key, ["rgb", "bgr"]) == "bgr" ? ChannelOrder.Bgr : ChannelOrder.Rgb },
                "layout" => t with { Layout = ctx.OneOf(v, key, ["nchw", "nhwc"]) == "nhwc" ? TensorLayout.Nhwc : TensorLayout.Nchw },
                _ => throw new InvalidOperationException(key),
            };
        }

        return t;
    }

    private static QuantizationSettings ParseQuantization(Context ctx, YamlNode node, QuantizationSettings q)
    {
        YamlMappingNode map = ctx.Mapping(node, "quantization");
        ctx.CheckKeys(map, QuantKeys, "quantization");
        foreach ((YamlNode k, YamlNode v) in map.Children)
        {
            string key = ((YamlScalarNode)k).Value!;
            q = key switch
            {
                "weights" => q with { Weights = ctx.OneOf(v, key, ["per-tensor", "per-channel"]) == "per-tensor" ? WeightGranularity.PerTensor : WeightGranularity.PerChannel },
                "symmetric" => q with { Symmetric = ctx.OneOf(v, key, ["true", "false"]) == "true" },
                "activations" => q with { Activations = ctx.OneOf(v, key, ["min-max", "percentile"]) == "percentile" ? ActivationCalibration.Percentile : ActivationCalibration.MinMax },
                "percentile" => q with { Percentile = ctx.Float(v, key, positive: true) },
                "rounding" => q with { Rounding = ctx.OneOf(v, key, ["half-to-even", "half-away-from-zero"]) == "half-away-from-zero" ? QuantRounding.HalfAwayFromZero : QuantRounding.HalfToEven },
                "requantization" => q with { Requantization = ctx.OneOf(v, key, ["double-rounding", "single-rounding"]) == "single-rounding" ? RequantizationMode.SingleRounding : RequantizationMode.DoubleRounding },
                "calibration_images" => q with { CalibrationImages = ctx.Int(v, key, 1, 100000) },
                _ => throw new InvalidOperationException(key),
            };
        }

        return q;
    }

    private static PostProcessSettings ParsePostProcess(Context ctx, YamlNode node, PostProcessSettings p)
    {
        YamlMappingNode map = ctx.Mapping(node, "postprocess");
        ctx.CheckKeys(map, PostKeys, "postprocess");
        foreach ((YamlNode k, YamlNode v) in map.Children)
        {
            string key = ((YamlScalarNode)k).Value!;
            p = key switch
            {
                "box_convention" => p with { BoxConvention = ctx.OneOf(v, key, BoxConventions) },
                "box_offset" => p with { BoxOffset = ctx.Int(v, key, 0, 1) },
                "nms_offset" => p with { NmsOffset = ctx.Int(v, key, 0, 1) },
                "db_thresh" => p with { Db = p.Db with { Thresh = ctx.Float(v, key, positive: true) } },
                "db_box_thresh" => p with { Db = p.Db with { BoxThresh = ctx.Double(v, key, positive: false) } },
                "db_max_candidates" => p with { Db = p.Db with { MaxCandidates = ctx.Int(v, key, 1, 1_000_000) } },
                "db_unclip_ratio" => p with { Db = p.Db with { UnclipRatio = ctx.Double(v, key, positive: true) } },
                "db_score_mode" => p with { Db = p.Db with { ScoreMode = ctx.OneOf(v, key, ["fast", "slow"]) == "slow" ? Dense.DbScoreMode.Slow : Dense.DbScoreMode.Fast } },
                "db_dilation" => p with { Db = p.Db with { Dilation = ctx.OneOf(v, key, ["true", "false"]) == "true" } },
                "db_binarize" => p with { Db = p.Db with { Binarize = ctx.OneOf(v, key, ["float", "uint8"]) == "uint8" ? Dense.DbBinarize.Uint8 : Dense.DbBinarize.Float } },
                "db_rescale" => p with { Db = p.Db with { Rescale = ctx.OneOf(v, key, ["python", "cpp"]) == "cpp" ? Dense.DbRescale.Cpp : Dense.DbRescale.Python } },
                _ => throw new InvalidOperationException(key),
            };
        }

        return p;
    }

    private static IReadOnlyDictionary<string, DeploymentProfile> LoadBuiltins()
    {
        Assembly assembly = typeof(ProfileLoader).Assembly;
        var result = new SortedDictionary<string, DeploymentProfile>(StringComparer.Ordinal);
        // Base profiles first so that 'extends' can find them while the rest load.
        var pending = assembly.GetManifestResourceNames().Where(n => n.EndsWith(".yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        var loaded = new Dictionary<string, DeploymentProfile>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            int before = pending.Count;
            foreach (string resource in pending.ToList())
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
                string yaml = reader.ReadToEnd();
                string? extends = yaml.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("extends:", StringComparison.Ordinal))?["extends:".Length..].Trim();
                if (extends is not null && !loaded.ContainsKey(extends))
                {
                    continue;
                }

                DeploymentProfile p = ParseWith(yaml, "built-in " + resource, loaded);
                loaded[p.Name] = p;
                result[p.Name] = p;
                pending.Remove(resource);
            }

            if (pending.Count == before)
            {
                throw new InvalidOperationException($"built-in profiles with unresolvable 'extends': {string.Join(", ", pending)}");
            }
        }

        return result;
    }

    [ThreadStatic]
    private static IReadOnlyDictionary<string, DeploymentProfile>? loading;

    private static DeploymentProfile ParseWith(string yaml, string source, IReadOnlyDictionary<string, DeploymentProfile> available)
    {
        loading = available;
        try
        {
            return Parse(yaml, source);
        }
        finally
        {
            loading = null;
        }
    }

    internal static DeploymentProfile ResolveForExtends(string name) =>
        loading is not null && loading.TryGetValue(name, out DeploymentProfile? p) ? p : Resolve(name);

    private sealed class Context(string source)
    {
        public string Source { get; } = source;

        private ProfileException Error(YamlNode node, string message) => new($"{Source}:{node.Start.Line}: {message}");

        public void CheckKeys(YamlMappingNode map, string[] valid, string section)
        {
            foreach (YamlNode k in map.Children.Keys)
            {
                string key = (k as YamlScalarNode)?.Value ?? string.Empty;
                if (!valid.Contains(key))
                {
                    throw Error(k, $"unknown key '{key}' in {section}; valid keys: {string.Join(", ", valid)}");
                }
            }
        }

        public YamlMappingNode Mapping(YamlNode node, string key) =>
            node as YamlMappingNode ?? throw Error(node, $"'{key}' must be a mapping of keys to values");

        public string Scalar(YamlNode node, string key) =>
            node is YamlScalarNode { Value: { } v } ? v : throw Error(node, $"'{key}' must be a single value");

        public string OneOf(YamlNode node, string key, IEnumerable<string> valid)
        {
            string v = Scalar(node, key);
            string[] options = valid.ToArray();
            return options.Contains(v, StringComparer.Ordinal) ? v : throw Error(node, $"invalid {key} '{v}'; valid values: {string.Join(", ", options)}");
        }

        public int Int(YamlNode node, string key, int min, int max)
        {
            string v = Scalar(node, key);
            return int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n >= min && n <= max
                ? n
                : throw Error(node, $"invalid {key} '{v}'; expected an integer from {min} to {max}");
        }

        public float Float(YamlNode node, string key, bool positive)
        {
            string v = Scalar(node, key);
            return float.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) && float.IsFinite(f) && (!positive || f > 0)
                ? f
                : throw Error(node, $"invalid {key} '{v}'; expected a {(positive ? "positive " : string.Empty)}number");
        }

        /// <summary>A number kept as a double (Python floats: 0.6 stays 0.6, not float32's 0.6000000238).</summary>
        public double Double(YamlNode node, string key, bool positive)
        {
            string v = Scalar(node, key);
            return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) && (!positive || d > 0)
                ? d
                : throw Error(node, $"invalid {key} '{v}'; expected a {(positive ? "positive " : string.Empty)}number");
        }

        public float[] Floats(YamlNode node, string key, int count, bool positive)
        {
            if (node is not YamlSequenceNode seq || seq.Children.Count != count)
            {
                throw Error(node, $"'{key}' must be a list of {count} numbers, e.g. [0.485, 0.456, 0.406]");
            }

            return seq.Children.Select(c => Float(c, key, positive)).ToArray();
        }
    }
}
