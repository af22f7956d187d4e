namespace SysNoise.Kernels.Resize;

/// <summary>
/// A one-tap column map (a nearest-neighbour gather) laid out for byte permutes over a 128-byte window: each chunk
/// of <see cref="PixelsPerChunk"/> output pixels copies bytes <c>Base + Permute[chunk·64 + b]</c> of the source row
/// into its output bytes b. Built only when every chunk's pixels lie within 128 bytes of its lowest one (downscales
/// by up to about 2.6× for 3 channels) and every column has its tap; otherwise <see cref="AxisWeights{TCoeff}.WindowsFor"/>
/// returns null and the gather path runs.
/// </summary>
public sealed class PixelWindows
{
    public const int Window = 128;

    private PixelWindows(int channels, int chunks, int[] @base, byte[] permute)
    {
        PixelsPerChunk = PixelsFor(channels);
        Chunks = chunks;
        Base = @base;
        Permute = permute;
    }

    /// <summary>16 pixels (48 bytes) for 3 channels, 64 bytes of pixels otherwise.</summary>
    public int PixelsPerChunk { get; }

    public int Chunks { get; }

    /// <summary>Per chunk, the first source byte of its window.</summary>
    public int[] Base { get; }

    /// <summary>64 window positions per chunk (pinned).</summary>
    public byte[] Permute { get; }

    /// <summary>The largest <see cref="Base"/> (bounds the window reads).</summary>
    public int MaxBase => Chunks == 0 ? 0 : Base.Max();

    internal static PixelWindows? TryBuild(AxisWeights<byte> columns, int channels)
    {
        int pixels = PixelsFor(channels);
        int chunks = columns.Length / pixels;
        var bases = new int[chunks];
        byte[] permute = GC.AllocateArray<byte>(Math.Max(1, chunks * 64), pinned: true);
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            int lo = int.MaxValue, hi = int.MinValue;
            for (int p = 0; p < pixels; p++)
            {
                int x = (chunk * pixels) + p;
                if (columns.Taps != 1 || columns.Count[x] != 1)
                {
                    return null;
                }

                lo = Math.Min(lo, columns.Index[x] * channels);
                hi = Math.Max(hi, (columns.Index[x] * channels) + channels - 1);
            }

            if (hi - lo >= Window)
            {
                return null;
            }

            bases[chunk] = lo;
            for (int p = 0; p < pixels; p++)
            {
                for (int c = 0; c < channels; c++)
                {
                    permute[(chunk * 64) + (p * channels) + c] = (byte)((columns.Index[(chunk * pixels) + p] * channels) + c - lo);
                }
            }
        }

        return new PixelWindows(channels, chunks, bases, permute);
    }

    private static int PixelsFor(int channels) => channels == 3 ? 16 : 64 / channels;
}
