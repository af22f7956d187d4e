using Google.Protobuf;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx.Proto;
using SysNoise.Runtime.Model.Ops;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.Model.Onnx;

/// <summary>
/// Parses an ONNX file (Google.Protobuf, code generated at build time from Model/Onnx/onnx.proto) into an
/// immutable <see cref="OnnxGraph"/>. Everything wrong with the model is reported at load, all at once:
/// unsupported ops or opsets, cycles, dangling inputs, malformed initializers, external data outside the folder.
/// </summary>
public static class OnnxLoader
{
    /// <summary>Opsets of the default domain the executor implements.</summary>
    public const int MinOpset = 1;
    public const int MaxOpset = 19;

    public static OnnxModel Load(string path) => Load(path, allowUnsupportedOps: false);

    /// <summary>
    /// With <paramref name="allowUnsupportedOps"/>, ops and opsets SysNoise does not implement are not load problems:
    /// the graph can still be inspected (model-info), but not run.
    /// </summary>
    public static OnnxModel Load(string path, bool allowUnsupportedOps)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IO.SysNoiseIOException(path, $"cannot read: {ex.Message}");
        }

        return Load(bytes, path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".", allowUnsupportedOps);
    }

    public static OnnxModel Load(byte[] bytes, string path, string modelDirectory, bool allowUnsupportedOps = false)
    {
        ModelProto proto;
        try
        {
            proto = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new OnnxLoadException(path, [$"not an ONNX model (protobuf parse failed: {ex.Message})"]);
        }

        var problems = new List<string>();
        if (proto.Graph is null)
        {
            throw new OnnxLoadException(path, ["the model has no graph"]);
        }

        var opsets = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (OperatorSetIdProto o in proto.OpsetImport)
        {
            opsets[o.Domain == "ai.onnx" ? string.Empty : o.Domain] = (int)o.Version;
        }

        if (opsets.Count == 0)
        {
            opsets[string.Empty] = 1; // IR version 2 models without opset_import mean opset 1
        }

        int opset = opsets.GetValueOrDefault(string.Empty);
        if (opsets.ContainsKey(string.Empty) && (opset < MinOpset || opset > MaxOpset) && !allowUnsupportedOps)
        {
            problems.Add($"default-domain opset {opset} is not supported (SysNoise implements opsets {MinOpset}–{MaxOpset})");
        }

        OnnxGraph graph = BuildGraph(proto.Graph, opsets, modelDirectory, problems, outer: null, allowUnsupportedOps);
        if (problems.Count > 0)
        {
            throw new OnnxLoadException(path, problems);
        }

        return new OnnxModel
        {
            Path = path,
            IrVersion = proto.IrVersion,
            Producer = string.IsNullOrEmpty(proto.ProducerVersion) ? proto.ProducerName : $"{proto.ProducerName} {proto.ProducerVersion}",
            Opsets = opsets,
            Graph = graph,
        };
    }

    private static OnnxGraph BuildGraph(GraphProto g, IReadOnlyDictionary<string, int> opsets, string directory, List<string> problems, ISet<string>? outer, bool allowUnsupportedOps)
    {
        var initializers = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (TensorProto t in g.Initializer)
        {
            try
            {
                initializers[t.Name] = OnnxTensors.Decode(t, p => ExternalData(p, directory));
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
            {
                problems.Add($"initializer '{t.Name}': {ex.Message}");
            }
        }

        var inputs = g.Input.Where(i => !initializers.ContainsKey(i.Name)).Select(ToValueInfo).ToList();
        foreach (ValueInfoProto v in g.Input.Concat(g.Output))
        {
            if (v.Type is not null && v.Type.TensorType is null)
            {
                problems.Add($"unsupported value type: '{v.Name}' is not a tensor (sequence, optional and map values are not supported)");
            }
            else if (v.Type?.TensorType is { } tt && tt.ElemType != 0 && OnnxTensors.ToDType(tt.ElemType) is null)
            {
                problems.Add($"unsupported element type: '{v.Name}' is {OnnxTensors.OnnxTypeName(tt.ElemType)}");
            }
        }

        var outputs = g.Output.Select(ToValueInfo).ToList();
        var valueInfo = new Dictionary<string, OnnxValueInfo>(StringComparer.Ordinal);
        foreach (ValueInfoProto v in g.Input.Concat(g.ValueInfo).Concat(g.Output))
        {
            valueInfo[v.Name] = ToValueInfo(v);
        }

        // Decode the nodes, with their attributes and the operator that will run them.
        var nodes = new List<OnnxNode>();
        for (int i = 0; i < g.Node.Count; i++)
        {
            NodeProto n = g.Node[i];
            string domain = n.Domain == "ai.onnx" ? string.Empty : n.Domain;
            string label = string.IsNullOrEmpty(n.Name) ? $"{n.OpType} #{i}" : $"{n.OpType} '{n.Name}'";
            var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
            foreach (AttributeProto a in n.Attribute)
            {
                try
                {
                    attributes[a.Name] = ToAttribute(a, opsets, directory, problems, allowUnsupportedOps);
                }
                catch (InvalidDataException ex)
                {
                    problems.Add($"{label}: attribute '{a.Name}': {ex.Message}");
                }
                catch (NotSupportedException ex)
                {
                    problems.Add($"{label}: unsupported attribute '{a.Name}': {ex.Message}");
                }
            }

            var node = new OnnxNode
            {
                Index = i,
                Name = n.Name,
                OpType = n.OpType,
                Domain = domain,
                Inputs = n.Input.ToArray(),
                Outputs = n.Output.ToArray(),
                Attributes = attributes,
                Opset = opsets.GetValueOrDefault(domain),
            };
            if (!opsets.ContainsKey(domain))
            {
                problems.Add($"{label}: domain '{domain}' is not imported by the model");
            }
            else if (!OpRegistry.TryGet(domain, n.OpType, out IOnnxOperator op))
            {
                if (allowUnsupportedOps)
                {
                    nodes.Add(node);
                    continue;
                }

                problems.Add($"{label}: unsupported op {(domain.Length > 0 ? domain + "." : string.Empty)}{n.OpType}");
            }
            else
            {
                if (node.Opset < op.MinOpset)
                {
                    problems.Add($"{label}: opset {node.Opset} version of {n.OpType} is not supported (from opset {op.MinOpset})");
                }

                problems.AddRange(op.Check(node).Select(p => $"{label}: {p}"));
            }

            nodes.Add(node);
        }

        List<OnnxNode> ordered = TopologicalOrder(nodes, inputs.Select(i => i.Name).Concat(initializers.Keys), problems, allowOuterScope: outer is not null);
        var produced = new HashSet<string>(inputs.Select(i => i.Name).Concat(initializers.Keys), StringComparer.Ordinal);
        foreach (OnnxNode n in ordered)
        {
            foreach (string o in n.Outputs)
            {
                produced.Add(o);
            }
        }

        foreach (OnnxValueInfo o in outputs)
        {
            if (!produced.Contains(o.Name) && outer is null)
            {
                problems.Add($"graph output '{o.Name}' is produced by no node, input or initializer");
            }
        }

        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < ordered.Count; i++)
        {
            foreach (string input in ordered[i].Inputs)
            {
                if (input.Length > 0)
                {
                    lastUse[input] = i;
                }
            }
        }

        foreach (OnnxValueInfo o in outputs)
        {
            lastUse[o.Name] = int.MaxValue;
        }

        return new OnnxGraph
        {
            Name = g.Name,
            Nodes = ordered,
            Inputs = inputs,
            Outputs = outputs,
            Initializers = initializers,
            ValueInfo = valueInfo,
            LastUse = lastUse,
        };
    }

    /// <summary>Kahn's algorithm, stable in file order; reports dangling inputs and cycles.</summary>
    private static List<OnnxNode> TopologicalOrder(List<OnnxNode> nodes, IEnumerable<string> available, List<string> problems, bool allowOuterScope)
    {
        var producer = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        foreach (OnnxNode n in nodes)
        {
            foreach (string o in n.Outputs.Where(o => o.Length > 0))
            {
                if (!producer.TryAdd(o, n))
                {
                    problems.Add($"{n.Label}: output '{o}' is also produced by {producer[o].Label}");
                }
            }
        }

        var have = new HashSet<string>(available, StringComparer.Ordinal);
        var pending = new Dictionary<OnnxNode, int>();
        var consumers = new Dictionary<string, List<OnnxNode>>(StringComparer.Ordinal);
        foreach (OnnxNode n in nodes)
        {
            int missing = 0;
            foreach (string input in n.Inputs.Where(i => i.Length > 0).Distinct())
            {
                if (have.Contains(input))
                {
                    continue;
                }

                if (!producer.ContainsKey(input))
                {
                    if (allowOuterScope)
                    {
                        continue; // a subgraph may read any value of the enclosing graph
                    }

                    problems.Add($"{n.Label}: input '{input}' is not a graph input, an initializer or any node's output (dangling)");
                    continue;
                }

                missing++;
                if (!consumers.TryGetValue(input, out var list))
                {
                    consumers[input] = list = [];
                }

                list.Add(n);
            }

            pending[n] = missing;
        }

        var ready = new PriorityQueue<OnnxNode, int>();
        foreach (OnnxNode n in nodes.Where(n => pending[n] == 0))
        {
            ready.Enqueue(n, n.Index);
        }

        var order = new List<OnnxNode>();
        while (ready.TryDequeue(out OnnxNode? n, out _))
        {
            order.Add(n);
            foreach (string o in n.Outputs)
            {
                if (consumers.TryGetValue(o, out var list))
                {
                    foreach (OnnxNode c in list)
                    {
                        if (--pending[c] == 0)
                        {
                            ready.Enqueue(c, c.Index);
                        }
                    }
                }
            }
        }

        if (order.Count < nodes.Count && !problems.Any(p => p.Contains("dangling", StringComparison.Ordinal)))
        {
            problems.Add($"the graph has a cycle through {string.Join(", ", nodes.Except(order).Take(5).Select(n => n.Label))}");
        }

        return order;
    }

    private static OnnxValueInfo ToValueInfo(ValueInfoProto v)
    {
        if (v.Type?.TensorType is not { } t)
        {
            return new OnnxValueInfo(v.Name, null, null);
        }

        int?[]? shape = t.Shape is null ? null : t.Shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue >= 0 ? (int?)d.DimValue : null).ToArray();
        return new OnnxValueInfo(v.Name, OnnxTensors.ToDType(t.ElemType), shape);
    }

    private static OnnxAttribute ToAttribute(AttributeProto a, IReadOnlyDictionary<string, int> opsets, string directory, List<string> problems, bool allowUnsupportedOps)
    {
        if (!string.IsNullOrEmpty(a.RefAttrName))
        {
            throw new NotSupportedException("attribute references (functions) are not supported");
        }

        AttributeProto.Types.AttributeType type = a.Type;
        if (type == AttributeProto.Types.AttributeType.Undefined)
        {
            // Very old writers leave the type out: infer it from the populated field.
            type = a.Ints.Count > 0 ? AttributeProto.Types.AttributeType.Ints
                : a.Floats.Count > 0 ? AttributeProto.Types.AttributeType.Floats
                : a.Strings.Count > 0 ? AttributeProto.Types.AttributeType.Strings
                : a.T is not null ? AttributeProto.Types.AttributeType.Tensor
                : a.G is not null ? AttributeProto.Types.AttributeType.Graph
                : !a.S.IsEmpty ? AttributeProto.Types.AttributeType.String
                : a.F != 0 ? AttributeProto.Types.AttributeType.Float
                : AttributeProto.Types.AttributeType.Int;
        }

        return type switch
        {
            AttributeProto.Types.AttributeType.Float => new OnnxAttribute { Name = a.Name, Kind = OnnxAttributeKind.Float, Float = a.F },
            AttributeProto.Types.AttributeType.Int => new OnnxAttribute { Name = a.Name, Kind = OnnxAttributeKind.Int, Int = a.I },
            AttributeProto.Types.AttributeType.String => new OnnxAttribute { Name = a.Name, Kind = OnnxAttributeKind.String, String = a.S.ToStringUtf8() },
            AttributeProto.Types.AttributeType.Floats => new OnnxAttribute { Name = a.Name, Kind = OnnxAttributeKind.Floats, Floats = a.Floats.ToArray() },
            AttributeProto.Types.AttributeType.Ints => new OnnxAttribute { Name = a.Name, Kind = OnnxAttributeKind.Ints, Ints = a.Ints.ToArray() },
            AttributeProto.Types.AttributeType.Strings => new OnnxAttribute { Name = a.Name, Kind = OnnxAttributeKind.Strings, Strings = a.Strings.Select(s => s.ToStringUtf8()).ToArray() },
            AttributeProto.Types.AttributeType.Tensor => new OnnxAttribute { Name = a.Name, Kind = OnnxAttributeKind.Tensor, Tensor = OnnxTensors.Decode(a.T ?? throw new InvalidDataException("tensor attribute without a tensor"), p => ExternalData(p, directory)) },
            AttributeProto.Types.AttributeType.Graph => new OnnxAttribute { Name = a.Name, Kind = OnnxAttributeKind.Graph, Graph = BuildGraph(a.G ?? throw new InvalidDataException("graph attribute without a graph"), opsets, directory, problems, outer: new HashSet<string>(), allowUnsupportedOps) },
            _ => throw new NotSupportedException($"attribute type {type} is not supported"),
        };
    }

    /// <summary>Reads external tensor data, only from inside the model's own folder.</summary>
    private static byte[] ExternalData(TensorProto t, string directory)
    {
        string? location = null;
        long offset = 0, length = -1;
        foreach (StringStringEntryProto e in t.ExternalData)
        {
            switch (e.Key)
            {
                case "location": location = e.Value; break;
                case "offset": offset = long.Parse(e.Value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "length": length = long.Parse(e.Value, System.Globalization.CultureInfo.InvariantCulture); break;
            }
        }

        if (string.IsNullOrEmpty(location))
        {
            throw new InvalidDataException("external data without a location");
        }

        if (Path.IsPathRooted(location) || location.Split('/', '\\').Any(p => p == ".."))
        {
            throw new InvalidDataException($"external data location '{location}' leaves the model's folder (absolute paths and '..' are refused)");
        }

        string root = Path.GetFullPath(directory);
        string full = Path.GetFullPath(Path.Combine(root, location));
        string resolved = ResolveLinks(full);
        string resolvedRoot = ResolveLinks(root);
        if (!resolved.StartsWith(resolvedRoot.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"external data location '{location}' resolves (through a symbolic link) to '{resolved}', outside the model's folder");
        }

        if (!File.Exists(resolved))
        {
            throw new InvalidDataException($"external data file '{location}' does not exist next to the model");
        }

        using FileStream s = File.OpenRead(resolved);
        if (offset < 0 || offset > s.Length)
        {
            throw new InvalidDataException($"external data offset {offset} is outside '{location}' ({s.Length} bytes)");
        }

        long n = length >= 0 ? length : s.Length - offset;
        if (offset + n > s.Length)
        {
            throw new InvalidDataException($"external data '{location}' has {s.Length - offset} bytes after offset {offset}, {n} declared");
        }

        var data = new byte[n];
        s.Position = offset;
        s.ReadExactly(data);
        return data;
    }

    // Resolves every symbolic link on the path (each component), so a link to outside is seen.
    private static string ResolveLinks(string path)
    {
        string full = Path.GetFullPath(path);
        string current = Path.GetPathRoot(full)!;
        foreach (string part in full[current.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            var info = new FileInfo(current);
            if (info.LinkTarget is not null)
            {
                FileSystemInfo? target = info.ResolveLinkTarget(returnFinalTarget: true);
                if (target is not null)
                {
                    current = Path.GetFullPath(target.FullName);
                }
            }
        }

        return current;
    }
}
