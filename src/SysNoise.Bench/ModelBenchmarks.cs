using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.ML.OnnxRuntime;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Bench;

/// <summary>
/// Whole-model fp32 latency: SysNoise's host executor against ONNX Runtime (CPU, all graph optimizations, as it is
/// deployed) in the same process with the same thread count (ORT IntraOpNumThreads = SysNoise Threads: 1 and 2).
/// Models from the test zoo cache (scripts/export-models.py, scripts/fetch-ocr-models.sh): ResNet-50 and MobileNetV2
/// at 224×224 (random weights; latency does not depend on them) and the real PP-OCRv4 detector at 640×640.
/// </summary>
[Config(typeof(BenchConfig))]
public class ModelBenchmarks
{
    private OnnxSession? ours;
    private Dictionary<string, Tensor>? oursInputs;
    private InferenceSession? ort;
    private OrtValue? ortInput;
    private RunOptions? ortRun;
    private string ortInputName = string.Empty;
    private string ortOutputName = string.Empty;

    /// <summary>Both sides on the same thread count: 1 and 2 (the scaling).</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    [Params("resnet50", "mobilenet_v2", "ppocrv4_det")]
    public string Model { get; set; } = string.Empty;

    [Params(1, 8)]
    public int Batch { get; set; }

    [GlobalSetup(Target = nameof(SysNoise))]
    public void SetupSysNoise()
    {
        // Loads and runs once outside the timing; a model with ops SysNoise lacks fails here with the list of them.
        OnnxModel model = OnnxLoader.Load(ModelFiles.Path(FileOf(Model)));
        ours = new OnnxSession(model, new ExecutionOptions { Threads = Threads }, new HostDevice(Threads));
        oursInputs = new Dictionary<string, Tensor> { [model.Graph.Inputs.Single().Name] = Input() };
    }

    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime()
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        ort = new InferenceSession(ModelFiles.Path(FileOf(Model)), options);
        ortInputName = ort.InputMetadata.Keys.Single();
        ortOutputName = ort.OutputMetadata.Keys.First();
        Tensor<float> input = Input();
        ortInput = OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape.Select(d => (long)d).ToArray());
        ortRun = new RunOptions();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ortInput?.Dispose();
        ortRun?.Dispose();
        ort?.Dispose();
    }

    [Benchmark(Description = "SysNoise host")]
    public IReadOnlyDictionary<string, Tensor> SysNoise() => ours!.Run(oursInputs!);

    [Benchmark(Description = "ONNX Runtime")]
    public float OnnxRuntime()
    {
        using IDisposableReadOnlyCollection<OrtValue> results = ort!.Run(ortRun!, [ortInputName], [ortInput!], [ortOutputName]);
        return results[0].GetTensorDataAsSpan<float>()[0];
    }

    public static string FileOf(string model) => model switch
    {
        "resnet50" => "resnet50.onnx",
        "mobilenet_v2" => "mobilenet_v2.onnx",
        "ppocrv4_det" => "ch_PP-OCRv4_det_infer.onnx",
        _ => throw new ArgumentException($"unknown model {model}"),
    };

    private Tensor<float> Input()
    {
        int side = Model == "ppocrv4_det" ? 640 : 224;
        var data = new float[Batch * 3 * side * side];
        var rng = new Random(42);
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = (float)((rng.NextDouble() * 4) - 2);
        }

        return new Tensor<float>(data, Batch, 3, side, side);
    }
}

/// <summary>The model cache shared with the tests: $SYSNOISE_MODEL_CACHE, else artifacts/models/ in the repository.</summary>
public static class ModelFiles
{
    private static readonly Lazy<string> Folder = new(Populate);

    public static string Path(string file) => System.IO.Path.Combine(Folder.Value, file);

    // Runs the cache scripts once (they skip cached models), so a fresh checkout benchmarks without a manual step.
    private static string Populate()
    {
        string repo = RepositoryRoot();
        string folder = Environment.GetEnvironmentVariable("SYSNOISE_MODEL_CACHE") is { Length: > 0 } env
            ? System.IO.Path.GetFullPath(env)
            : System.IO.Path.Combine(repo, "artifacts", "models");
        Run("/usr/bin/python3", System.IO.Path.Combine(repo, "scripts", "export-models.py"), "--cache", folder, "--only", "resnet50", "mobilenet_v2");
        Run("bash", System.IO.Path.Combine(repo, "scripts", "fetch-ocr-models.sh"), folder);
        return folder;
    }

    private static void Run(string exe, params string[] args)
    {
        var info = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }

        using Process p = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {exe}");
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', args.Take(1))} exited with {p.ExitCode}");
        }
    }

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(d.FullName, "SysNoise.sln")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException("run the benchmarks from a SysNoise checkout (SysNoise.sln not found above the binaries)");
    }
}
