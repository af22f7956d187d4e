using Microsoft.ML.OnnxRuntime;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.IO;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;
using SysNoise.Tests.Support;

namespace SysNoise.Tests.Model;

/// <summary>Seeded model inputs, ONNX Runtime as the reference, and the parity metrics.</summary>
public static class ModelInputs
{
    private static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    /// <summary>Debian opencv-doc photographs of printed text (the detector's inputs are random crops of these).</summary>
    private static readonly string[] TextPhotos =
    [
        "/usr/share/doc/opencv-doc/examples/data/imageTextN.png",
        "/usr/share/doc/opencv-doc/examples/data/imageTextR.png",
        "/usr/share/doc/opencv-doc/examples/data/sudoku.png",
    ];

    /// <summary>A per-model seed derived from the run's seed (SYSNOISE_SEED replays it).</summary>
    public static int SeedFor(string model) => RandomImages.RunSeed ^ StableHash(model);

    /// <summary>
    /// An NCHW float32 batch of random images (noise, flat regions, gradients, hard edges, checkerboards: the
    /// content <see cref="RandomImages"/> makes), normalised as the model's own preprocessing does: ImageNet mean/std
    /// for the classifiers and the PP-OCR detector, (x/255 − 0.5)/0.5 for the PP-OCR recognizer and direction classifier.
    /// </summary>
    /// <remarks>
    /// The detector gets seeded random crops of real text photographs instead: on an image without text its
    /// probability map is ~1e-6 everywhere, and a relative L2 of such a map measures nothing (ONNX Runtime differs
    /// from itself by 6e-2 between thread counts on opencv-doc's fruits.jpg, and by 1e-3 on uniform noise), while on
    /// text its configurations agree within 2e-6.
    /// The recognizer likewise gets seeded crops of one printed line of that text, the input it is made for. Some
    /// inputs still amplify summing order past the 1e-5 bound (a timestep near a tie between two characters), for ORT
    /// against itself too: <see cref="ZooModel.OrderSensitiveOps"/> says how the parity tests treat that.
    /// </remarks>
    public static Tensor<float> Images(ZooKind kind, int[] shape, int seed)
    {
        var rng = new Random(seed);
        (int n, int c, int h, int w) = (shape[0], shape[1], shape[2], shape[3]);
        var data = new float[n * c * h * w];
        bool imageNet = kind is ZooKind.Classifier or ZooKind.OcrDetector;
        for (int b = 0; b < n; b++)
        {
            byte[] pixels = kind switch
            {
                ZooKind.OcrDetector => TextCrop(rng, h, w),
                ZooKind.OcrRecognizer => TextLine(rng, h, w),
                _ => RandomImages.Bytes(rng, h, w, c),
            };
            for (int ch = 0; ch < c; ch++)
            {
                for (int i = 0; i < h * w; i++)
                {
                    float x = pixels[(i * c) + ch] / 255f;
                    data[(((b * c) + ch) * h * w) + i] = imageNet ? (x - ImageNetMean[ch]) / ImageNetStd[ch] : (x - 0.5f) / 0.5f;
                }
            }
        }

        return new Tensor<float>(data, shape);
    }

    /// <summary>A random crop (each side at least 60 % of the photograph) of a text photograph, resized to h×w RGB by Pillow's bilinear.</summary>
    private static byte[] TextCrop(Random rng, int h, int w)
    {
        Tensor<byte> photo = ImageFile.Read(TextPhotos[rng.Next(TextPhotos.Length)]);
        (int ph, int pw) = (photo.Shape[0], photo.Shape[1]);
        int ch = rng.Next((ph * 3 / 5) + 1, ph + 1), cw = rng.Next((pw * 3 / 5) + 1, pw + 1);
        int y0 = rng.Next(ph - ch + 1), x0 = rng.Next(pw - cw + 1);
        return Resized(Crop(photo, y0, x0, ch, cw), ch, cw, h, w);
    }

    /// <summary>The ch×cw window at (y0, x0) of a photograph as RGB (grey repeats, alpha dropped).</summary>
    private static byte[] Crop(Tensor<byte> photo, int y0, int x0, int ch, int cw)
    {
        (int pw, int pc) = (photo.Shape[1], photo.Shape[2]);
        var crop = new byte[ch * cw * 3];
        for (int y = 0; y < ch; y++)
        {
            for (int x = 0; x < cw; x++)
            {
                for (int k = 0; k < 3; k++)
                {
                    // Grey repeats into RGB; alpha is dropped.
                    crop[(((y * cw) + x) * 3) + k] = photo.Data[((((y0 + y) * pw) + x0 + x) * pc) + Math.Min(k, pc - 1)];
                }
            }
        }

        return crop;
    }

    private static byte[] Resized(byte[] rgb, int ch, int cw, int h, int w) =>
        VariantRegistry.Get<IResizeVariant>("pillow-bilinear").Resize(HostDevice.Shared, new Tensor<byte>(rgb, ch, cw, 3), w, h).Data;

    /// <summary>
    /// Whole words of one printed line of the text photograph, cropped as a detector box would be: the line's ink rows
    /// plus a random 2–5 px margin above and below, from a random word start as many whole words as fit the
    /// recognizer's aspect ratio, the rest of the width white (paper), resized to h×w RGB.
    /// </summary>
    private static byte[] TextLine(Random rng, int h, int w)
    {
        (Tensor<byte> photo, List<(int Top, int Bottom)> lines) = LinePhoto.Value;
        (int ph, int pw, int pc) = (photo.Shape[0], photo.Shape[1], photo.Shape[2]);
        (int top, int bottom) = lines[rng.Next(lines.Count)];
        int y0 = Math.Max(0, top - rng.Next(2, 6)), y1 = Math.Min(ph, bottom + rng.Next(2, 6));
        int ch = y1 - y0, cw = Math.Min(pw, (int)Math.Round((double)ch * w / h));

        // Word boundaries: ink columns of the band, split at gaps of 4 or more blank columns.
        bool Ink(int x)
        {
            for (int y = y0; y < y1; y++)
            {
                if (photo.Data[((y * pw) + x) * pc] < 128)
                {
                    return true;
                }
            }

            return false;
        }

        var words = new List<(int Left, int Right)>();
        for (int x = 0, gap = 4; x < pw; x++)
        {
            if (!Ink(x))
            {
                gap = Math.Min(gap + 1, 4);
                continue;
            }

            if (gap >= 4)
            {
                words.Add((x, x + 1));
            }
            else
            {
                words[^1] = (words[^1].Left, x + 1);
            }

            gap = 0;
        }

        int first = rng.Next(words.Count), x0 = Math.Max(0, words[first].Left - rng.Next(2, 6)), end = words[first].Right;
        for (int k = first + 1; k < words.Count && words[k].Right + 2 <= x0 + cw; k++)
        {
            end = words[k].Right;
        }

        x0 = Math.Min(x0, pw - cw);
        byte[] crop = Crop(photo, y0, x0, ch, cw);
        int white = Math.Min(cw, end + 2 - x0);
        for (int y = 0; y < ch; y++)
        {
            crop.AsSpan(((y * cw) + white) * 3, (cw - white) * 3).Fill(255);
        }

        return Resized(crop, ch, cw, h, w);
    }

    /// <summary>The printed-text photograph the recognizer's lines come from, and its lines: read and found once.</summary>
    private static readonly Lazy<(Tensor<byte> Photo, List<(int Top, int Bottom)> Lines)> LinePhoto = new(() =>
    {
        Tensor<byte> photo = ImageFile.Read(TextPhotos[0]);
        return (photo, InkLines(photo));
    });

    /// <summary>Runs of rows holding dark (&lt; 128) pixels: the printed lines, [Top, Bottom).</summary>
    private static List<(int Top, int Bottom)> InkLines(Tensor<byte> photo)
    {
        (int ph, int pw, int pc) = (photo.Shape[0], photo.Shape[1], photo.Shape[2]);
        var lines = new List<(int, int)>();
        int start = -1;
        for (int y = 0; y <= ph; y++)
        {
            bool ink = false;
            for (int x = 0; y < ph && x < pw && !ink; x++)
            {
                ink = photo.Data[((y * pw) + x) * pc] < 128;
            }

            if (ink && start < 0)
            {
                start = y;
            }
            else if (!ink && start >= 0)
            {
                lines.Add((start, y));
                start = -1;
            }
        }

        return lines;
    }

    /// <summary>The batch item <paramref name="index"/> of an NCHW tensor, as a batch of one.</summary>
    public static Tensor<float> Item(Tensor<float> batch, int index)
    {
        int per = (int)(batch.Length / batch.Shape[0]);
        return new Tensor<float>(batch.Data.AsSpan(index * per, per).ToArray(), [1, .. batch.Shape[1..]]);
    }

    /// <summary>
    /// ONNX Runtime (Microsoft.ML.OnnxRuntime, CPU) on the model's only input; the first output with its shape.
    /// <paramref name="optimized"/> false disables graph optimizations, so ORT runs the graph as written (no fusions).
    /// </summary>
    public static (float[] Data, int[] Shape) OnnxRuntime(string modelPath, Tensor<float> input, bool optimized, int threads = 2)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            GraphOptimizationLevel = optimized ? GraphOptimizationLevel.ORT_ENABLE_ALL : GraphOptimizationLevel.ORT_DISABLE_ALL,
        };
        using var session = new InferenceSession(modelPath, options);
        string inputName = session.InputMetadata.Keys.Single();
        string outputName = session.OutputMetadata.Keys.First();
        using OrtValue value = OrtValue.CreateTensorValueFromMemory(input.Data, input.Shape.Select(d => (long)d).ToArray());
        using var runOptions = new RunOptions();
        using IDisposableReadOnlyCollection<OrtValue> results = session.Run(runOptions, [inputName], [value], [outputName]);
        OrtValue output = results[0];
        int[] shape = output.GetTensorTypeAndShape().Shape.Select(d => (int)d).ToArray();
        return (output.GetTensorDataAsSpan<float>().ToArray(), shape);
    }

    /// <summary>‖actual − expected‖₂ / ‖expected‖₂, in double.</summary>
    public static double RelativeL2(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length)
        {
            throw new ArgumentException($"lengths differ: {expected.Length} vs {actual.Length}");
        }

        double diff = 0, norm = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double d = (double)actual[i] - expected[i];
            diff += d * d;
            norm += (double)expected[i] * expected[i];
        }

        return norm == 0 ? (diff == 0 ? 0 : double.PositiveInfinity) : Math.Sqrt(diff / norm);
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)actual[i] - expected[i]));
        }

        return max;
    }

    /// <summary>Index of the largest value in each row of <paramref name="width"/> values (first one on a tie).</summary>
    public static int[] ArgMaxRows(ReadOnlySpan<float> data, int width)
    {
        var result = new int[data.Length / width];
        for (int r = 0; r < result.Length; r++)
        {
            ReadOnlySpan<float> row = data.Slice(r * width, width);
            int best = 0;
            for (int i = 1; i < width; i++)
            {
                if (row[i] > row[best])
                {
                    best = i;
                }
            }

            result[r] = best;
        }

        return result;
    }

    /// <summary>Largest minus second largest value of a row: how close a top-1 decision is to a tie.</summary>
    public static float TopMargin(ReadOnlySpan<float> row)
    {
        float first = float.NegativeInfinity, second = float.NegativeInfinity;
        foreach (float v in row)
        {
            if (v > first)
            {
                (first, second) = (v, first);
            }
            else if (v > second)
            {
                second = v;
            }
        }

        return first - second;
    }

    // string.GetHashCode is randomised per process; seeds must replay across runs.
    private static int StableHash(string s)
    {
        unchecked
        {
            int h = (int)2166136261;
            foreach (char ch in s)
            {
                h = (h ^ ch) * 16777619;
            }

            return h;
        }
    }
}
