using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using Xunit.Abstractions;

namespace SysNoise.Tests.Model;

/// <summary>
/// The ONNX backend node tests of the neural-network ops (Conv, ConvTranspose, MatMul, Gemm, BatchNormalization,
/// MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool) and the pytorch-converted/pytorch-operator cases that use
/// only those ops: none may fail. Tests that need an op SysNoise does not implement (yet) are skipped and counted.
/// </summary>
public sealed class NnConformanceTests(ITestOutputHelper output)
{
    private const string Root = "/usr/share/libonnx-testdata/data";

    private static readonly string[] NodePrefixes =
    [
        "test_conv_", "test_convtranspose", "test_matmul_", "test_gemm_", "test_batchnorm_", "test_maxpool_",
        "test_averagepool_", "test_globalaveragepool", "test_globalmaxpool",
    ];

    public static readonly HashSet<string> NnOps = ["Conv", "ConvTranspose", "MatMul", "Gemm", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"];

    [Fact]
    public void NodeTestsPass()
    {
        if (!Directory.Exists(Path.Combine(Root, "node")))
        {
            output.WriteLine($"{Root} is missing (apt package libonnx-testdata): skipped");
            return;
        }

        var dirs = Directory.GetDirectories(Path.Combine(Root, "node"))
            .Where(d => NodePrefixes.Any(p => Path.GetFileName(d).StartsWith(p, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToList();

        // GlobalAveragePool/GlobalMaxPool cases were exported at opset 1; the op is unchanged since, so those run as
        // opset 7 from a scratch copy (only opset_import rewritten).
        string scratch = Path.Combine(Path.GetTempPath(), $"sysnoise-nn-node-{Environment.ProcessId}");
        try
        {
            RunAll(dirs.Select(d => Path.GetFileName(d).StartsWith("test_global", StringComparison.Ordinal) ? CopyAsOpset7(d, scratch) : d).ToList(), "node");
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }

    [Fact]
    public void PyTorchTestsUsingOnlyNnOpsPass()
    {
        if (!Directory.Exists(Path.Combine(Root, "pytorch-converted")))
        {
            output.WriteLine($"{Root} is missing (apt package libonnx-testdata): skipped");
            return;
        }

        // These cases were exported with opset 6, below the opsets SysNoise loads (7–19). Their ops mean the same at
        // opset 7 (Conv, ConvTranspose, the pools, Gemm with full-shape C, BatchNormalization in test mode), so each model
        // is run as opset 7: the same graph and data with only opset_import rewritten, in a scratch copy.
        string scratch = Path.Combine(Path.GetTempPath(), $"sysnoise-nn-pytorch-{Environment.ProcessId}");
        var dirs = new List<string>();
        try
        {
            foreach (string folder in new[] { "pytorch-converted", "pytorch-operator" })
            {
                foreach (string d in Directory.GetDirectories(Path.Combine(Root, folder)).Order(StringComparer.Ordinal))
                {
                    string copy = CopyAsOpset7(d, scratch);

                    IReadOnlyList<OnnxNode> nodes;
                    try
                    {
                        nodes = OnnxLoader.Load(Path.Combine(copy, "model.onnx")).Graph.Nodes;
                    }
                    catch (OnnxLoadException ex)
                    {
                        // Another engineer's op (not merged here): not one of these tests.
                        if (ex.Problems.Any(p => p.Contains("unsupported op", StringComparison.Ordinal) && !NnOps.Any(op => p.EndsWith("unsupported op " + op, StringComparison.Ordinal))))
                        {
                            continue;
                        }

                        throw new InvalidOperationException($"{Path.GetFileName(d)}: {string.Join("; ", ex.Problems)}");
                    }

                    if (nodes.Count > 0 && nodes.All(n => NnOps.Contains(n.OpType)))
                    {
                        dirs.Add(copy);
                    }
                }
            }

            Assert.True(dirs.Count >= 30, $"expected the pytorch Conv/pool/BatchNorm cases, found {dirs.Count}");
            RunAll(dirs, "pytorch (opset 6 run as 7)");
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }
    /// <summary>A scratch copy of a test folder whose model's default-domain opset is raised to at least 7.</summary>
    private static string CopyAsOpset7(string dir, string scratch)
    {
        string copy = Path.Combine(scratch, Path.GetFileName(dir));
        Directory.CreateDirectory(copy);
        File.WriteAllBytes(Path.Combine(copy, "model.onnx"), OpsetRewrite.AtLeast(File.ReadAllBytes(Path.Combine(dir, "model.onnx")), 7));
        foreach (string set in Directory.GetDirectories(dir, "test_data_set_*"))
        {
            string setCopy = Path.Combine(copy, Path.GetFileName(set));
            Directory.CreateDirectory(setCopy);
            foreach (string f in Directory.GetFiles(set))
            {
                File.Copy(f, Path.Combine(setCopy, Path.GetFileName(f)), overwrite: true);
            }
        }

        return copy;
    }

    private void RunAll(List<string> dirs, string what)
    {
        int passed = 0, skipped = 0;
        var failures = new List<string>();
        foreach (string d in dirs)
        {
            BackendTestResult r = OnnxBackendTests.Run(d);
            switch (r.Outcome)
            {
                case BackendTestOutcome.Passed:
                    passed++;
                    break;
                case BackendTestOutcome.Skipped:
                    skipped++;
                    output.WriteLine($"skipped {r.Name}: {r.Detail}");
                    break;
                default:
                    failures.Add($"{r.Name}: {r.Detail}");
                    break;
            }
        }

        output.WriteLine($"{what}: {dirs.Count} tests, {passed} passed, {skipped} skipped, {failures.Count} failed");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(passed > 0, "no test ran");
    }
}

/// <summary>Rewrites a serialized ModelProto's default-domain opset_import (field 8) to at least a given version.</summary>
internal static class OpsetRewrite
{
    public static byte[] AtLeast(byte[] model, long version)
    {
        using var ms = new MemoryStream();
        var output = new Google.Protobuf.CodedOutputStream(ms);
        var input = new Google.Protobuf.CodedInputStream(model);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (tag >> 3 == 8 && (tag & 7) == 2)
            {
                byte[] entry = input.ReadBytes().ToByteArray();
                string domain = string.Empty;
                long v = 0;
                var inner = new Google.Protobuf.CodedInputStream(entry);
                uint t;
                while ((t = inner.ReadTag()) != 0)
                {
                    if (t >> 3 == 1) { domain = inner.ReadString(); }
                    else if (t >> 3 == 2) { v = inner.ReadInt64(); }
                    else { inner.SkipLastField(); }
                }

                using var em = new MemoryStream();
                var eo = new Google.Protobuf.CodedOutputStream(em);
                if (domain.Length > 0) { eo.WriteTag(1, Google.Protobuf.WireFormat.WireType.LengthDelimited); eo.WriteString(domain); }
                eo.WriteTag(2, Google.Protobuf.WireFormat.WireType.Varint);
                eo.WriteInt64(domain.Length == 0 || domain == "ai.onnx" ? Math.Max(v, version) : v);
                eo.Flush();
                output.WriteTag(tag);
                output.WriteBytes(Google.Protobuf.ByteString.CopyFrom(em.ToArray()));
                continue;
            }

            // Copy any other field as it is.
            int start = (int)input.Position;
            input.SkipLastField();
            output.WriteTag(tag);
            output.Flush();
            ms.Write(model, start, (int)input.Position - start);
        }

        output.Flush();
        return ms.ToArray();
    }
}
