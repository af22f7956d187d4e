using SysNoise.Tests.Support;

namespace SysNoise.Tests.Color;

/// <summary>One colour round-trip case: an H×W×3 RGB image and how its pixels were made.</summary>
public sealed record ColorCase(int Index, int Height, int Width, string Content, byte[] Rgb)
{
    /// <summary>Pixels at the 8 corners of the RGB cube: black, white, saturated primaries and secondaries.</summary>
    private static readonly byte[][] CubeCorners =
    [
        [0, 0, 0], [255, 255, 255], [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [255, 0, 255], [0, 255, 255],
    ];

    public override string ToString() => $"case #{Index}: {Width}×{Height}×3 {Content}";

    /// <summary>
    /// Random cases. The first ones pin the corners (1×1, 1×N, N×1, odd sizes; all 0, all 255, saturated
    /// colours); the rest mix shapes (one in eight 1×N or N×1, one in eight tiny, the rest up to 300 per side)
    /// with content (one in four extreme, the rest noise, flat regions, gradients and hard edges).
    /// With <paramref name="evenOnly"/> every side is rounded up to even (a library that refuses odd sizes).
    /// </summary>
    public static List<ColorCase> Random(Random rng, int count, bool evenOnly)
    {
        var cases = new List<ColorCase>(count);
        for (int i = 0; i < count; i++)
        {
            (int h, int w) = i switch
            {
                0 or 1 or 2 => (1, 1),
                3 => (1, 1 + rng.Next(300)),
                4 => (1 + rng.Next(300), 1),
                5 => (1 + (2 * rng.Next(50)), 1 + (2 * rng.Next(50))), // odd × odd
                _ => rng.Next(8) switch
                {
                    0 => rng.Next(2) == 0 ? (1 + rng.Next(2), 1 + rng.Next(300)) : (1 + rng.Next(300), 1 + rng.Next(2)),
                    1 => (1 + rng.Next(6), 1 + rng.Next(6)),
                    _ => (1 + rng.Next(300), 1 + rng.Next(300)),
                },
            };
            if (evenOnly)
            {
                (h, w) = (h + (h % 2), w + (w % 2));
            }

            int content = i switch
            {
                0 => 0,
                1 => 1,
                2 or 3 or 4 => 2,
                _ => rng.Next(4) == 0 ? rng.Next(4) : 4,
            };
            (string name, byte[] rgb) = content switch
            {
                0 => ("all 0", new byte[h * w * 3]),
                1 => ("all 255", Filled(h, w, 255)),
                2 => ("cube corners", CornerPixels(rng, h, w)),
                3 => ("flat extreme colour", FlatCorner(rng, h, w)),
                _ => ("mixed content", RandomImages.Bytes(rng, h, w, 3)),
            };
            cases.Add(new ColorCase(i, h, w, name, rgb));
        }

        return cases;
    }

    /// <summary>All 2^24 RGB colours as 16 images of 256×4096 (B fastest, then G, then R).</summary>
    public static List<ColorCase> EveryColour()
    {
        var cases = new List<ColorCase>();
        for (int part = 0; part < 16; part++)
        {
            var rgb = new byte[256 * 4096 * 3];
            for (int i = 0; i < 256 * 4096; i++)
            {
                int colour = (part << 20) | i;
                rgb[i * 3] = (byte)(colour >> 16);
                rgb[(i * 3) + 1] = (byte)(colour >> 8);
                rgb[(i * 3) + 2] = (byte)colour;
            }

            cases.Add(new ColorCase(part, 256, 4096, $"every colour, R in {part * 16}..{(part * 16) + 15}", rgb));
        }

        return cases;
    }

    private static byte[] Filled(int h, int w, byte value)
    {
        var rgb = new byte[h * w * 3];
        rgb.AsSpan().Fill(value);
        return rgb;
    }

    private static byte[] CornerPixels(Random rng, int h, int w)
    {
        var rgb = new byte[h * w * 3];
        for (int p = 0; p < h * w; p++)
        {
            CubeCorners[rng.Next(CubeCorners.Length)].CopyTo(rgb, p * 3);
        }

        return rgb;
    }

    private static byte[] FlatCorner(Random rng, int h, int w)
    {
        byte[] colour = CubeCorners[rng.Next(CubeCorners.Length)];
        var rgb = new byte[h * w * 3];
        for (int p = 0; p < h * w; p++)
        {
            colour.CopyTo(rgb, p * 3);
        }

        return rgb;
    }
}
