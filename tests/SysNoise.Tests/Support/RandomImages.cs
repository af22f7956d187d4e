namespace SysNoise.Tests.Support;

/// <summary>
/// Random test images that mix what breaks resize kernels: noise, flat regions,
/// gradients and hard edges (incl. 0/255 extremes that exercise clamping).
/// </summary>
public static class RandomImages
{
    /// <summary>A seed for this test run; printed by the tests, overridable with SYSNOISE_SEED.</summary>
    public static int RunSeed { get; } = int.TryParse(Environment.GetEnvironmentVariable("SYSNOISE_SEED"), out int s) ? s : Random.Shared.Next();

    public static byte[] Bytes(Random rng, int height, int width, int channels)
    {
        var data = new byte[height * width * channels];
        // Split the image into a few rectangles, each filled with one kind of content.
        data.AsSpan().Fill((byte)rng.Next(256));
        int regions = 1 + rng.Next(6);
        for (int r = 0; r < regions; r++)
        {
            int y0 = rng.Next(height), x0 = rng.Next(width);
            int y1 = y0 + 1 + rng.Next(height - y0), x1 = x0 + 1 + rng.Next(width - x0);
            int kind = rng.Next(5);
            int c0 = rng.Next(256), c1 = rng.Next(256);
            double gx = (rng.NextDouble() * 2 - 1) * 3, gy = (rng.NextDouble() * 2 - 1) * 3;
            for (int y = y0; y < y1; y++)
            {
                for (int x = x0; x < x1; x++)
                {
                    for (int c = 0; c < channels; c++)
                    {
                        int v = kind switch
                        {
                            0 => rng.Next(256),                                            // noise
                            1 => c0 + (c * 37),                                            // flat
                            2 => (int)(c0 + (gx * (x - x0)) + (gy * (y - y0)) + (c * 11)), // gradient
                            3 => ((x / (1 + (c1 % 7))) + (y / (1 + (c0 % 5)))) % 2 == 0 ? 0 : 255, // hard edges
                            _ => (x + y) % 2 == 0 ? c0 : c1,                               // checkerboard
                        };
                        data[((y * width) + x) * channels + c] = (byte)Math.Clamp(v & 0x1FF, 0, 255);
                    }
                }
            }
        }

        return data;
    }

    public static float[] Floats(Random rng, int height, int width, int channels)
    {
        byte[] b = Bytes(rng, height, width, channels);
        var f = new float[b.Length];
        float scale = rng.Next(3) switch { 0 => 1f, 1 => 1f / 255f, _ => (float)(rng.NextDouble() * 1000) };
        for (int i = 0; i < f.Length; i++)
        {
            f[i] = (b[i] * scale) + (rng.Next(4) == 0 ? (float)(rng.NextDouble() - 0.5) : 0f);
        }

        return f;
    }

    /// <summary>A random size pair (in, out) along one axis with out/in in [1/12, 12] and both in [1, 600].</summary>
    public static (int In, int Out) AxisSizes(Random rng, int max = 600)
    {
        while (true)
        {
            int a = 1 + rng.Next(rng.Next(4) == 0 ? 16 : max);
            double ratio = Math.Exp(((rng.NextDouble() * 2) - 1) * Math.Log(12));
            int b = (int)Math.Round(a * ratio);
            if (rng.Next(8) == 0)
            {
                b = 1 + rng.Next(max); // unconstrained pair, incl. equal sizes
            }

            if (b >= 1 && b <= max && (double)Math.Max(a, b) / Math.Min(a, b) <= 12)
            {
                return (a, b);
            }
        }
    }

    public static int Channels(Random rng) => rng.Next(3) switch { 0 => 1, 1 => 3, _ => 4 };
}
