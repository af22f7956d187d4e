using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using OpenCvSharp;
using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Model.Execution;
using SysNoise.Runtime.Model.Graph;
using SysNoise.Runtime.Model.Onnx;
using SysNoise.Runtime.Native;
using SysNoise.Runtime.Perf;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Cli.Perf;

/// <summary>
/// <c>sysnoise perf</c> on the host (issue 7 §1): each case times SysNoise's host path and the peer library in the
/// same process and the same run, alternating one call of each so that machine load hits both alike, and reports
/// the medians and ours/peer. Peers: OpenCV 4.13 (OpenCvSharp, same thread count) for opencv-* resizes; Pillow 9.4
/// through /usr/bin/python3, timed inside Python, for pillow-* resizes; TurboJPEG tjDecompress2 (SIMD) for the
/// libjpeg decode variants (the libjpeg API through the shim where TurboJPEG cannot select the DCT); ONNX Runtime
/// with the same intra-op thread count for the models.
/// </summary>
internal sealed class HostPerf(bool quick, int threads, string modelFolder, Action<string> log, string? only = null, int warmupMs = HostPerf.DefaultWarmupMs)
{
    /// <summary>
    /// Default warm-up per case: both sides run alternately for this long before anything is timed, so that the
    /// medians describe the steady state. A process's first gen-0 cycle (tens of MB here) hands out never-touched
    /// pages, and SysNoise returns a new array per call where the peers write into a buffer they reuse (OpenCvSharp's
    /// dst Mat, TurboJPEG's destination): until the first collection every 4 KB of our output pays a page fault
    /// (measured: 0.09 ms instead of 0.035 ms for a 150 KB resize), so the warm-up also waits for a gen-0 collection.
    /// 0 = one call of each, as before.
    /// </summary>
    public const int DefaultWarmupMs = 300;

    public static readonly (int Width, int Height)[] Sources = [(500, 375), (1920, 1080)];

    /// <summary>Issue 7's targets: the largest ours/peer ratio each kind of case may have.</summary>
    public static double? Target(string name) => name switch
    {
        _ when name.StartsWith("resize pillow-", StringComparison.Ordinal) => 1.0,
        _ when name.StartsWith("resize opencv-", StringComparison.Ordinal) => 1.5,
        _ when name.StartsWith("decode libjpeg-", StringComparison.Ordinal) => 1.5,
        _ when name.StartsWith("model resnet50 ", StringComparison.Ordinal) || name.StartsWith("model mobilenet_v2 ", StringComparison.Ordinal) => 1.2,
        _ => null,
    };

    /// <summary>Whether a case runs: every case, or those whose name contains --only's text.</summary>
    private bool Wanted(string name) => only is null || name.Contains(only, StringComparison.Ordinal);

    private int ThreadCount => threads > 0 ? threads : Environment.ProcessorCount;

    private int Repeat(int full) => quick ? Math.Max(3, full / 8) : full;

    public List<PerfCase> Run()
    {
        SysNoiseNative.EnsureLoaded(); // before OpenCvSharp: its bundled libjpeg must not capture the system library's calls
        Cv2.SetNumThreads(ThreadCount);
        var cases = new List<PerfCase>();
        cases.AddRange(OpenCvResizes());
        cases.AddRange(PillowResizes());
        cases.AddRange(Decodes());
        cases.AddRange(Models());
        return cases;
    }

    private static Tensor<byte> RandomImage(int w, int h)
    {
        var data = new byte[h * w * 3];
        new Random(42).NextBytes(data);
        return new Tensor<byte>(data, h, w, 3);
    }

    private IEnumerable<PerfCase> OpenCvResizes()
    {
        foreach ((int w, int h) in Sources)
        {
            Tensor<byte> image = RandomImage(w, h);
            using var mat = Mat.FromPixelData(h, w, MatType.CV_8UC3, image.Data);
            using var dst = new Mat();
            foreach (IResizeVariant v in VariantRegistry.Resize.Where(v => v.Name.StartsWith("opencv-", StringComparison.Ordinal)))
            {
                if (OpenCvInterpolation(v.Name) is not { } flags || !Wanted($"resize {v.Name} {w}x{h}->224x224"))
                {
                    continue;
                }

                (double ours, double peer) = Paired(
                    () => v.Resize(HostDevice.Shared, image, 224, 224),
                    () => Cv2.Resize(mat, dst, new Size(224, 224), 0, 0, flags),
                    Repeat(40));
                yield return Case($"resize {v.Name} {w}x{h}->224x224", ours, $"OpenCV 4.13 cv::resize ({ThreadCount} threads)", peer, 1e3 / ours, "images/s");
            }
        }
    }

    private IEnumerable<PerfCase> PillowResizes()
    {
        var variants = VariantRegistry.Resize.Where(v => v.Name.StartsWith("pillow-", StringComparison.Ordinal) && Sources.Any(s => Wanted($"resize {v.Name} {s.Width}x{s.Height}->224x224"))).ToList();
        if (variants.Count == 0)
        {
            yield break;
        }

        Dictionary<string, double> peer = PillowTimings(variants.Select(v => v.Name), Repeat(40));
        foreach ((int w, int h) in Sources)
        {
            Tensor<byte> image = RandomImage(w, h);
            foreach (IResizeVariant v in variants.Where(v => Wanted($"resize {v.Name} {w}x{h}->224x224")))
            {
                WarmUp(() => v.Resize(HostDevice.Shared, image, 224, 224), null);
                double ours = Timing.MedianMs(() => v.Resize(HostDevice.Shared, image, 224, 224), 1, Repeat(40));
                double? p = peer.TryGetValue($"{v.Name}@{w}x{h}", out double ms) ? ms : null;
                yield return Case($"resize {v.Name} {w}x{h}->224x224", ours, p is null ? null : "Pillow 9.4 Image.resize (1 thread, timed in Python)", p, 1e3 / ours, "images/s");
            }
        }
    }

    private IEnumerable<PerfCase> Decodes()
    {
        var variants = DecodeVariants.All.OfType<LibjpegDecodeVariant>().Where(v => v.Name.StartsWith("libjpeg-", StringComparison.Ordinal)).ToList();
        if (!variants.Any(v => Sources.Any(s => Wanted($"decode {v.Name} {s.Width}x{s.Height}"))))
        {
            yield break; // no photograph to make (it needs opencv-doc)
        }

        using var turbo = new TurboJpegDecoder();
        foreach ((int w, int h) in Sources)
        {
            byte[] jpeg = Photograph(w, h);
            (int Width, int Height, bool Gray) header = turbo.Header(jpeg);
            var destination = new byte[header.Width * header.Height * 3];
            double megapixels = header.Width * (double)header.Height / 1e6;
            foreach (LibjpegDecodeVariant v in variants.Where(v => Wanted($"decode {v.Name} {w}x{h}")))
            {
                JpegDecodeSettings s = v.Settings;
                int? flags = s.Idct switch
                {
                    IdctMethod.Islow => s.FancyUpsampling ? 0 : TurboJpegDecoder.FlagFastUpsample,
                    IdctMethod.Ifast => TurboJpegDecoder.FlagFastDct | (s.FancyUpsampling ? 0 : TurboJpegDecoder.FlagFastUpsample),
                    _ => null, // TurboJPEG cannot select the float IDCT or the plain-C IFAST: the libjpeg API through the shim
                };
                var options = new JpegDecodeOptions { DctMethod = s.Idct is IdctMethod.IfastC or IdctMethod.Ifast ? 1 : s.Idct == IdctMethod.Islow ? 0 : 2, DisableFancyUpsampling = s.FancyUpsampling ? 0 : 1 };
                (double ours, double peer) = Paired(
                    () => v.Decode(HostDevice.Shared, jpeg, "perf", JpegLimits.Default),
                    () =>
                    {
                        if (flags is int f)
                        {
                            turbo.Decode(jpeg, destination, header.Width, header.Height, header.Gray, f);
                        }
                        else
                        {
                            LibjpegReference.Decode(jpeg, options, JpegLimits.Default, "perf", out _);
                        }
                    },
                    Repeat(30));
                string peerName = flags is null ? "libjpeg-turbo 2.1.5 jpeg_read_scanlines (SIMD, via the shim)" : "libjpeg-turbo 2.1.5 TurboJPEG tjDecompress2 (SIMD)";
                yield return Case($"decode {v.Name} {w}x{h}", ours, peerName, peer, megapixels * 1e3 / ours, "MP/s");
            }
        }
    }

    private IEnumerable<PerfCase> Models()
    {
        // The detector at 640×640 (a typical document input); --quick runs it at 320×320 to stay within two minutes.
        (string File, string Name, int Size)[] models = [("resnet50.onnx", "resnet50", 224), ("mobilenet_v2.onnx", "mobilenet_v2", 224), ("ch_PP-OCRv4_det_infer.onnx", "ppocrv4_det", quick ? 320 : 640)];
        foreach ((string file, string name, int size) in models)
        {
            string path = Path.Combine(modelFolder, file);
            if (!Wanted($"model {name} "))
            {
                continue;
            }

            if (!File.Exists(path))
            {
                log($"model {name}: {path} is missing (scripts/export-models.py and scripts/fetch-ocr-models.sh put it there): skipped");
                continue;
            }

            OnnxModel model = OnnxLoader.Load(path);
            string input = model.Graph.Inputs.Single().Name;
            using var sessionOptions = new SessionOptions { IntraOpNumThreads = ThreadCount, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
            using var ort = new InferenceSession(path, sessionOptions);
            var ours = new OnnxSession(model, new ExecutionOptions { Threads = ThreadCount });
            foreach (int batch in new[] { 1, 8 })
            {
                var rng = new Random(7);
                var x = new float[batch * 3 * size * size];
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = (rng.NextSingle() * 4f) - 2f;
                }

                var inputs = new Dictionary<string, Tensor> { [input] = new Tensor<float>(x, batch, 3, size, size) };
                long[] shape = [batch, 3, size, size];
                using var ortInput = OrtValue.CreateTensorValueFromMemory(x, shape);
                using var runOptions = new RunOptions();
                var outputNames = ort.OutputNames.ToList();
                log($"model {name} batch {batch}...");
                (double oursMs, double peerMs) = Blocks(
                    () => ours.Run(inputs),
                    () =>
                    {
                        using var r = ort.Run(runOptions, [input], [ortInput], outputNames);
                    },
                    batch == 1 ? (12, 2) : quick ? (6, 1) : (10, 1));
                yield return Case($"model {name} fp32 batch {batch} {size}x{size}", oursMs, $"ONNX Runtime {OrtEnv.Instance().GetVersionString()} ({ThreadCount} intra-op threads)", peerMs, batch * 1e3 / oursMs, "images/s");
            }
        }
    }

    /// <summary>
    /// Runs one call of each, then both alternately until <c>warmupMs</c> have passed and a gen-0 collection has
    /// recycled memory since the warm-up began (at most ten times <c>warmupMs</c>).
    /// </summary>
    private void WarmUp(Action ours, Action? peer)
    {
        var clock = Stopwatch.StartNew();
        int collections = GC.CollectionCount(0);
        do
        {
            ours();
            peer?.Invoke();
        }
        while (warmupMs > 0 && (clock.ElapsedMilliseconds < warmupMs || (GC.CollectionCount(0) == collections && clock.ElapsedMilliseconds < 10L * warmupMs)));
    }

    /// <summary>Median of ours and of the peer, one call of each alternately after the warm-up.</summary>
    private (double Ours, double Peer) Paired(Action ours, Action peer, int repeat)
    {
        WarmUp(ours, peer);
        var a = new double[repeat];
        var b = new double[repeat];
        for (int i = 0; i < repeat; i++)
        {
            long t = Stopwatch.GetTimestamp();
            ours();
            a[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
            t = Stopwatch.GetTimestamp();
            peer();
            b[i] = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        }

        return (Median(a), Median(b));
    }

    /// <summary>
    /// Medians of ours and of the peer timed in alternating blocks (the order swapping each round), each block after a
    /// pause: ONNX Runtime's pool threads keep spinning after a run and starve the other side's threads if it runs right
    /// after (alternating single runs measured our 2-thread MobileNetV2 at twice its time); the pause lets the other
    /// side's threads go idle. Short blocks and many rounds, because this shared machine has slow periods of a second or
    /// more: with four rounds one such period in one side's blocks moved a ResNet-50 batch-8 ratio from 0.89 to 1.34
    /// between two runs a minute apart. 100 ms is enough pause: MobileNetV2 at two threads, medians ours / ORT, pause
    /// 0 ms 8.1–10.7 / 5.4–7.0, 20 ms 6.9–7.1 / 5.1–5.2, 100 ms 6.5 / 5.0–5.1, 500 ms 6.5–6.6 / 5.2–5.3.
    /// </summary>
    private (double Ours, double Peer) Blocks(Action ours, Action peer, (int Rounds, int PerBlock) plan)
    {
        WarmUp(ours, peer);
        const int pauseMs = 100;
        var a = new List<double>();
        var b = new List<double>();
        for (int round = 0; round < plan.Rounds; round++)
        {
            foreach (bool oursFirst in new[] { round % 2 == 0, round % 2 != 0 })
            {
                Thread.Sleep(pauseMs);
                Action run = oursFirst ? ours : peer;
                List<double> times = oursFirst ? a : b;
                for (int i = 0; i < plan.PerBlock; i++)
                {
                    long t = Stopwatch.GetTimestamp();
                    run();
                    times.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }
            }
        }

        return (Median([.. a]), Median([.. b]));
    }

    private static double Median(double[] v)
    {
        Array.Sort(v);
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    private PerfCase Case(string name, double ours, string? peer, double? peerMs, double throughput, string unit)
    {
        var c = new PerfCase { Name = name, Device = HostDevice.Shared.Name, OursMs = ours, Peer = peer, PeerMs = peerMs, Throughput = throughput, Unit = unit };
        log(string.Create(CultureInfo.InvariantCulture, $"{name}: ours {ours:0.000} ms{(peerMs is double p ? $", peer {p:0.000} ms, ratio {ours / p:0.00}" : ", no peer")}"));
        return c;
    }

    private static InterpolationFlags? OpenCvInterpolation(string variant) => variant["opencv-".Length..] switch
    {
        "nearest" => InterpolationFlags.Nearest,
        "linear" => InterpolationFlags.Linear,
        "area" => InterpolationFlags.Area,
        "cubic" => InterpolationFlags.Cubic,
        "lanczos4" => InterpolationFlags.Lanczos4,
        "nearest-exact" => (InterpolationFlags)6, // INTER_NEAREST_EXACT; OpenCvSharp names no member for it
        "linear-exact" => InterpolationFlags.LinearExact,
        _ => null,
    };

    /// <summary>opencv-doc's aloeL.jpg resized to w×h and encoded 4:2:0 at quality 90 by OpenCV's libjpeg.</summary>
    private static byte[] Photograph(int w, int h)
    {
        const string Source = "/usr/share/doc/opencv-doc/examples/data/aloeL.jpg";
        using Mat src = Cv2.ImRead(Source, ImreadModes.Color);
        if (src.Empty())
        {
            throw new CliException($"{Source} is missing (apt package opencv-doc; scripts/install-deps.sh installs it)");
        }

        using var resized = new Mat();
        Cv2.Resize(src, resized, new Size(w, h), 0, 0, w < src.Cols ? InterpolationFlags.Area : InterpolationFlags.Cubic);
        Cv2.ImEncode(".jpg", resized, out byte[] jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 90));
        return jpeg;
    }

    private static Dictionary<string, double> PillowTimings(IEnumerable<string> variants, int repeat)
    {
        var cases = variants.SelectMany(v => Sources.Select(s => new { variant = v, @in = new[] { s.Width, s.Height }, @out = new[] { 224, 224 } })).ToList();
        string file = Path.GetTempFileName();
        File.WriteAllText(file, JsonSerializer.Serialize(cases));
        try
        {
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "peers", "pillow_resize.py"));
            info.ArgumentList.Add(file);
            info.ArgumentList.Add(repeat.ToString(CultureInfo.InvariantCulture));
            using var p = Process.Start(info) ?? throw new CliException("/usr/bin/python3 could not be started (Pillow peer)");
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            string json = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new CliException($"the Pillow peer (/usr/bin/python3 peers/pillow_resize.py) failed: {stderr.Result.Trim()}");
            }

            return JsonSerializer.Deserialize<Dictionary<string, double>>(json) ?? [];
        }
        finally
        {
            File.Delete(file);
        }
    }
}
