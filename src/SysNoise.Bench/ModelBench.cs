using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using Microsoft.ML.OnnxRuntime;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Bench;

/// <summary>
/// Quick whole-model latency and profile: SysNoise's host executor (<see cref="OnnxSession"/>, fp32) against ONNX
/// Runtime (CPU, all graph optimizations) in the same process with the same thread count. Usage:
/// <c>dotnet run -c Release --project src/SysNoise.Bench -- model PATH [threads=2] [runs=20] [batch=1] [HxW]</c>.
/// The two run interleaved after warm-up (alternating blocks of 5 runs, each block after a 1 s pause so the other side's
/// spinning pool threads are idle), so a machine shared with other builds slows both alike; medians and minima are
/// reported with their ratios. SYSNOISE_BENCH_PAUSE_MS, SYSNOISE_BENCH_NO_ORT=1 and SYSNOISE_BENCH_ORT_SPIN=0|1
/// (ORT's session.intra_op.allow_spinning) change the protocol for experiments. Then a few profiled SysNoise runs give the time per op
/// type (convolutions split by kind: depthwise, 1×1, k×k, stride) and the slowest nodes; SYSNOISE_BENCH_ORT_PROFILE=1 adds
/// ONNX Runtime's own per-node profile (its fused nodes), to compare layer by layer.
/// </summary>
public static class ModelBench
{
    private const int ProfiledRuns = 10;

    private static readonly int PauseMs = int.TryParse(Environment.GetEnvironmentVariable("SYSNOISE_BENCH_PAUSE_MS"), out int p) ? p : 1000;

    private static readonly bool SkipOrt = Environment.GetEnvironmentVariable("SYSNOISE_BENCH_NO_ORT") == "1";

    /// <summary>ONNX Runtime's runs alone (the timing protocol unchanged): whether a slow phase is the machine's or ours.</summary>
    private static readonly bool SkipOurs = Environment.GetEnvironmentVariable("SYSNOISE_BENCH_NO_OURS") == "1";

    /// <summary>Every timed run printed, block by block: whether the spread is the first run after a pause or a slow phase.</summary>
    private static readonly bool PrintEach = Environment.GetEnvironmentVariable("SYSNOISE_BENCH_EACH") == "1";

    private static readonly int TopNodes = int.TryParse(Environment.GetEnvironmentVariable("SYSNOISE_BENCH_TOP"), out int n) ? n : 12;

    public static void Run(string path, int threads, int runs, int batch, int[]? size)
    {
        var ic = CultureInfo.InvariantCulture;
        OnnxModel model = OnnxLoader.Load(path);
        OnnxValueInfo inputInfo = model.Graph.Inputs.Single();
        int?[] declared = inputInfo.Shape ?? throw new InvalidOperationException("the model input has no declared rank");
        int[] shape = declared.Select(d => d ?? 1).ToArray();
        shape[0] = batch;
        if (size is not null)
        {
            shape[^2] = size[0];
            shape[^1] = size[1];
        }
        else if (declared.Length == 4 && (declared[2] is null || declared[3] is null))
        {
            shape[2] = shape[3] = 224;
        }

        var input = new Tensor<float>(shape);
        var rng = new Random(42);
        for (int i = 0; i < input.Data.Length; i++)
        {
            input.Data[i] = (float)((rng.NextDouble() * 4) - 2);
        }

        var session = new OnnxSession(model, new ExecutionOptions { Threads = threads }, new HostDevice(threads));
        var feeds = new Dictionary<string, Tensor> { [inputInfo.Name] = input };
        string outputName = model.Graph.Outputs[0].Name;

        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (Environment.GetEnvironmentVariable("SYSNOISE_BENCH_ORT_SPIN") is { } spin)
        {
            options.AddSessionConfigEntry("session.intra_op.allow_spinning", spin);
        }

        using var ort = new InferenceSession(path, options);
        using var ortInput = OrtValue.CreateTensorValueFromMemory(input.Data, shape.Select(d => (long)d).ToArray());
        using var ortRun = new RunOptions();
        float[] RunOrt()
        {
            using IDisposableReadOnlyCollection<OrtValue> r = ort.Run(ortRun, [inputInfo.Name], [ortInput], [outputName]);
            return r[0].GetTensorDataAsSpan<float>().ToArray();
        }

        float[] RunOurs() => ((Tensor<float>)session.Run(feeds)[outputName]).Data;

        // Warm-up: weight packing, ORT's prepacking and arena, and .NET's tiered JIT (hot methods are recompiled
        // optimised after ~30 calls, in the background: give it the runs and a pause).
        float[] ours = RunOurs();
        float[] theirs = RunOrt();
        for (int w = 0; w < 3; w++)
        {
            long until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 2);
            for (int i = 0; i < 40 && Stopwatch.GetTimestamp() < until; i++)
            {
                RunOurs();
                RunOrt();
            }

            Thread.Sleep(200);
        }

        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        TimeSpan pause = GC.GetTotalPauseDuration();
        long allocated = GC.GetTotalAllocatedBytes();
        // Alternating blocks of 5 runs (the order swapping each round), each block after a pause: ONNX Runtime's pool
        // threads keep spinning for a while after its runs (measured: SysNoise's 2-thread MobileNetV2 run takes ~2x as
        // long within 200 ms of an ORT run, its helper thread starved), and SysNoise's helpers spin briefly too. The pause
        // lets the other side's threads go idle; alternating blocks still spread a shared machine's load over both.
        var oursMs = new List<double>();
        var ortMs = new List<double>();
        const int Block = 5;
        for (int i = 0; i < runs; i += Block)
        {
            for (int side = 0; side < 2; side++)
            {
                bool oursNow = (side == 0) == (i / Block % 2 == 0);
                if ((!oursNow && SkipOrt) || (oursNow && SkipOurs))
                {
                    continue;
                }

                Thread.Sleep(PauseMs);
                for (int j = i; j < Math.Min(runs, i + Block); j++)
                {
                    long t = Stopwatch.GetTimestamp();
                    if (oursNow)
                    {
                        RunOurs();
                        oursMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    }
                    else
                    {
                        RunOrt();
                        ortMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                    }
                }
            }
        }

        if (PrintEach)
        {
            for (int i = 0; i < Math.Max(oursMs.Count, ortMs.Count); i += Block)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  block {i / Block}: ours {string.Join(" ", oursMs.Skip(i).Take(Block).Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))} | ORT {string.Join(" ", ortMs.Skip(i).Take(Block).Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)))}"));
            }
        }

        // ORT allocates too (it is in the same process), but its tensors live in native memory: this is ours.
        double allocatedMb = (GC.GetTotalAllocatedBytes() - allocated) / 1e6 / runs;
        gen0 = GC.CollectionCount(0) - gen0;
        gen2 = GC.CollectionCount(2) - gen2;
        pause = GC.GetTotalPauseDuration() - pause;

        if (ortMs.Count == 0)
        {
            ortMs.Add(double.NaN);
        }

        if (oursMs.Count == 0)
        {
            oursMs.Add(double.NaN);
        }

        double oursMed = Median(oursMs), ortMed = Median(ortMs);
        // The machine may be shared: the load average says how much the figures can be trusted.
        string load = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";
        Console.WriteLine(string.Create(ic, $"{Path.GetFileName(path)} input {string.Join("x", shape)}: {threads} threads, {runs} runs each, interleaved in blocks of 5 after {PauseMs} ms pauses, Vector512 {Vector512.IsHardwareAccelerated}, load average {load}"));
        Console.WriteLine(string.Create(ic, $"  SysNoise      median {oursMed,8:0.00} ms   min {oursMs.Min(),8:0.00} ms"));
        Console.WriteLine(string.Create(ic, $"  ONNX Runtime  median {ortMed,8:0.00} ms   min {ortMs.Min(),8:0.00} ms"));
        // The reference's own spread: ORT's optimised graph (fused Conv+BN and others) against ORT running the graph as written.
        using var plainOptions = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var plain = new InferenceSession(path, plainOptions);
        using IDisposableReadOnlyCollection<OrtValue> asWritten = plain.Run(ortRun, [inputInfo.Name], [ortInput], [outputName]);
        float[] written = asWritten[0].GetTensorDataAsSpan<float>().ToArray();
        Console.WriteLine(string.Create(ic, $"  ratio SysNoise/ORT: medians {oursMed / ortMed:0.00}x, minima {oursMs.Min() / ortMs.Min():0.00}x; output relative L2 vs ORT {RelativeL2(ours, theirs):E2}, vs ORT running the graph as written {RelativeL2(ours, written):E2} (ORT optimised vs as written {RelativeL2(theirs, written):E2})"));
        Console.WriteLine(string.Create(ic, $"  managed allocation {allocatedMb:0.0} MB per run; GC over the timed runs: {gen0} gen0, {gen2} gen2, {pause.TotalMilliseconds:0.0} ms paused"));
        Console.WriteLine(string.Create(ic, $"  | {Path.GetFileNameWithoutExtension(path)} | {string.Join("×", shape)} | {oursMed:0.0} | {ortMed:0.0} | {oursMed / ortMed:0.00}× | {oursMs.Min():0.0} | {ortMs.Min():0.0} | {oursMs.Min() / ortMs.Min():0.00}× | {load} |"));

        Profile(session, feeds, model);
        if (Environment.GetEnvironmentVariable("SYSNOISE_BENCH_ORT_PROFILE") == "1")
        {
            ProfileOrt(path, threads, inputInfo.Name, input.Data, shape, outputName);
        }
    }

    /// <summary>
    /// ONNX Runtime's own per-node profile (its kernel_time events; the node names are ORT's, after its fusions) over a
    /// few runs, per node the fastest: where it is faster than us, layer by layer.
    /// </summary>
    private static void ProfileOrt(string path, int threads, string inputName, float[] data, int[] shape, string outputName)
    {
        var ic = CultureInfo.InvariantCulture;
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        options.EnableProfiling = true;
        options.ProfileOutputPathPrefix = Path.Combine(Path.GetTempPath(), "sysnoise-ort-profile");
        using var ort = new InferenceSession(path, options);
        using var ortInput = OrtValue.CreateTensorValueFromMemory(data, shape.Select(d => (long)d).ToArray());
        using var ortRun = new RunOptions();
        for (int r = 0; r < 30; r++)
        {
            using IDisposableReadOnlyCollection<OrtValue> res = ort.Run(ortRun, [inputName], [ortInput], [outputName]);
        }

        string file = ort.EndProfiling();
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
        var perNode = new Dictionary<string, (double Us, string Op)>();
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (e.GetProperty("cat").GetString() != "Node" || e.GetProperty("name").GetString() is not { } name || !name.EndsWith("_kernel_time", StringComparison.Ordinal))
            {
                continue;
            }

            double us = e.GetProperty("dur").GetDouble();
            string op = e.TryGetProperty("args", out var a) && a.TryGetProperty("op_name", out var o) ? o.GetString() ?? "?" : "?";
            string key = name[..^"_kernel_time".Length];
            perNode[key] = perNode.TryGetValue(key, out var prev) ? (Math.Min(prev.Us, us), op) : (us, op);
        }

        File.Delete(file);
        Console.WriteLine(string.Create(ic, $"  ORT profile (30 runs; per node the fastest): sum {perNode.Values.Sum(v => v.Us) / 1000:0.00} ms"));
        foreach (var g in perNode.GroupBy(kv => kv.Value.Op).OrderByDescending(g => g.Sum(kv => kv.Value.Us)))
        {
            Console.WriteLine(string.Create(ic, $"    {g.Key,-24} {g.Count(),4} nodes {g.Sum(kv => kv.Value.Us) / 1000,8:0.000} ms"));
        }

        foreach (var kv in perNode.OrderByDescending(kv => kv.Value.Us).Take(TopNodes))
        {
            Console.WriteLine(string.Create(ic, $"    {kv.Value.Us / 1000,7:0.000} ms  {kv.Value.Op,-16} {kv.Key}"));
        }
    }

    /// <summary>Per-op-type and per-node times over a few runs (the timestamps around each operator call).</summary>
    private static void Profile(OnnxSession session, Dictionary<string, Tensor> feeds, OnnxModel model)
    {
        var ic = CultureInfo.InvariantCulture;
        // Shapes from one dumped run (a dump keeps every value, so the profiled runs go without it).
        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        foreach ((string name, Tensor t) in model.Graph.Initializers)
        {
            shapes[name] = t.Shape;
        }

        session.Run(feeds, (name, v) => shapes[name] = v.Shape);
        // Per node the fastest of the profiled runs: on a shared machine the minimum is the least disturbed figure.
        var perNode = Enumerable.Repeat(double.MaxValue, model.Graph.Nodes.Count).ToArray();
        var totals = new List<double>();
        var outside = new List<double>();
        for (int r = 0; r < ProfiledRuns; r++)
        {
            double inside = 0;
            long t = Stopwatch.GetTimestamp();
            session.Run(feeds, null, (node, ticks) =>
            {
                double ms = ticks * 1000.0 / Stopwatch.Frequency;
                inside += ms;
                perNode[node.Index] = Math.Min(perNode[node.Index], ms);
            });
            totals.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            outside.Add(totals[^1] - inside);
        }

        for (int i = 0; i < perNode.Length; i++)
        {
            perNode[i] = perNode[i] == double.MaxValue ? 0 : perNode[i]; // absorbed into a fused Conv
        }

        double sum = perNode.Sum();
        Console.WriteLine(string.Create(ic, $"  profile ({ProfiledRuns} runs; per node the fastest): runs min {totals.Min():0.00} ms, median {totals.Order().ElementAt(totals.Count / 2):0.00} ms; sum of per-node minima {sum:0.00} ms; outside the operators (run − its nodes) median {outside.Order().ElementAt(outside.Count / 2):0.000} ms"));
        var byKind = new Dictionary<string, (int Count, double Ms, double Gflop)>();
        for (int i = 0; i < perNode.Length; i++)
        {
            OnnxNode node = model.Graph.Nodes[i];
            (string kind, double gflop) = Kind(node, model, shapes);
            var e = byKind.GetValueOrDefault(kind);
            byKind[kind] = (e.Count + 1, e.Ms + perNode[i], e.Gflop + gflop);
        }

        Console.WriteLine("  | op (kind) | nodes | ms | share | GFLOP/s |");
        Console.WriteLine("  |---|---:|---:|---:|---:|");
        foreach ((string kind, (int count, double ms, double gflop)) in byKind.OrderByDescending(kv => kv.Value.Ms))
        {
            // A Conv that runs inside another's chain (ExpandDepthwiseHost, ChannelBlockChainHost) takes no time of its own:
            // its time is the chain's first node's.
            string rate = gflop <= 0 ? string.Empty : ms > 0 ? (gflop / (ms / 1000)).ToString("0.0", ic) : "in chains";
            Console.WriteLine(string.Create(ic, $"  | {kind} | {count} | {ms:0.00} | {100 * ms / sum:0.0} % | {rate} |"));
        }

        Console.WriteLine("  slowest nodes:");
        foreach (int i in Enumerable.Range(0, perNode.Length).OrderByDescending(i => perNode[i]).Take(TopNodes))
        {
            OnnxNode node = model.Graph.Nodes[i];
            string inShape = node.Inputs.Count > 0 && shapes.TryGetValue(node.Inputs[0], out int[]? s) ? string.Join("x", s) : "?";
            string outShape = node.Outputs.Count > 0 && shapes.TryGetValue(node.Outputs[0], out int[]? o) ? string.Join("x", o) : "?";
            Console.WriteLine(string.Create(ic, $"    {perNode[i],7:0.000} ms  {Kind(node, model, shapes).Kind,-16} {node.Name,-50} {inShape} -> {outShape}"));
        }
    }

    /// <summary>The op type, convolutions split by kind, and the node's GFLOP (2 per multiply-add) where it is a Conv/Gemm.</summary>
    private static (string Kind, double Gflop) Kind(OnnxNode node, OnnxModel model, Dictionary<string, int[]> shapes)
    {
        // Weights are initializers or (in Paddle exports) Constant node outputs.
        if (node.OpType != "Conv" || !shapes.TryGetValue(node.Inputs[1], out int[]? w) || !shapes.TryGetValue(node.Outputs[0], out int[]? y))
        {
            return (node.OpType, 0);
        }

        long group = node.Int("group", 1);
        long[] strides = node.Ints("strides") ?? [1];
        int[] k = w[2..];
        string kernel = string.Join("x", k);
        string stride = strides.All(s => s == 1) ? "s1" : "s" + strides.Max();
        double gflop = 2.0 * Tensor.ElementCount(y) * Tensor.ElementCount(w.AsSpan(1)) / 1e9;
        if (group > 1 && w[1] == 1)
        {
            return ($"Conv dw {kernel} {stride}", gflop);
        }

        return (k.All(d => d == 1) ? $"Conv 1x1 {stride}" : $"Conv {kernel} {stride}", gflop);
    }

    private static double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);

    private static double RelativeL2(float[] ours, float[] theirs)
    {
        double num = 0, den = 0;
        for (int i = 0; i < theirs.Length; i++)
        {
            double d = ours[i] - (double)theirs[i];
            num += d * d;
            den += (double)theirs[i] * theirs[i];
        }

        return Math.Sqrt(num / den);
    }
}
