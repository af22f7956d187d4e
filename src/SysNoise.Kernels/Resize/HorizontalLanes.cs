namespace SysNoise.Kernels.Resize;

/// <summary>
/// An axis map laid out for eight-lane gathers along one row of a horizontal pass: output element
/// <c>e = x·C + c</c> reads source element <see cref="Offset"/>[k·Stride + e] with weight <see cref="Weight"/>[k·Stride + e],
/// for k &lt; <see cref="Taps"/>, in the map's tap order. Outputs with fewer taps are padded at the end with weight 0
/// (only used by integer ops, where adding <c>s·0</c> changes nothing). Built once per map and channel count.
/// The arrays are pinned so the row loops can hold pointers to them.
/// </summary>
public sealed class HorizontalLanes<TCoeff>
    where TCoeff : unmanaged
{
    public HorizontalLanes(AxisWeights<TCoeff> weights, int channels)
    {
        Elements = weights.Length * channels;
        Chunks = Elements / Int32Lanes.Count;
        Stride = Chunks * Int32Lanes.Count;
        int taps = 0;
        bool uniform = true;
        for (int j = 0; j < weights.Length; j++)
        {
            taps = Math.Max(taps, weights.Count[j]);
            uniform &= weights.Count[j] == weights.Count[0];
        }

        Taps = taps;
        Uniform = uniform;
        Offset = GC.AllocateUninitializedArray<int>(Math.Max(1, taps * Stride), pinned: true);
        Weight = GC.AllocateUninitializedArray<TCoeff>(Math.Max(1, taps * Stride), pinned: true);
        Reach = GC.AllocateUninitializedArray<int>(Math.Max(1, Chunks), pinned: true);
        for (int chunk = 0; chunk < Chunks; chunk++)
        {
            int reach = 0;
            for (int e = chunk * Int32Lanes.Count; e < (chunk + 1) * Int32Lanes.Count; e++)
            {
                int x = e / channels, c = e - (x * channels);
                int count = weights.Count[x];
                int row = x * weights.Taps;
                for (int k = 0; k < taps; k++)
                {
                    // Padding repeats a real tap's position (or source 0 when there is none) with weight 0.
                    int source = k < count ? weights.Index[row + k] : count > 0 ? weights.Index[row] : 0;
                    int offset = (source * channels) + c;
                    Offset[(k * Stride) + e] = offset;
                    Weight[(k * Stride) + e] = k < count ? weights.Coeff[row + k] : default;
                    reach = Math.Max(reach, offset);
                }
            }

            Reach[chunk] = reach;
            MaxReach = Math.Max(MaxReach, reach);
        }

        Pairs = typeof(TCoeff) == typeof(int) ? AdjacentPairs(channels) : null;
        (WindowBase, WindowIndex) = typeof(TCoeff) == typeof(float) ? FloatWindows() : (null, null);
    }

    /// <summary>Elements a window holds: two 16-float registers, permuted with <c>vpermi2ps</c>.</summary>
    public const int WindowElements = 32;

    /// <summary>
    /// For maps with every output's taps in one window: per chunk of eight elements, the first source element of its
    /// window (<see cref="WindowElements"/> elements); null otherwise. <see cref="WindowIndex"/>[(chunk·Taps + k)·8 + lane]
    /// is tap k's position in the window.
    /// </summary>
    public int[]? WindowBase { get; }

    public int[]? WindowIndex { get; }

    private (int[]?, int[]?) FloatWindows()
    {
        if (Chunks == 0 || !Uniform)
        {
            return (null, null);
        }

        var bases = new int[Chunks];
        int[] index = GC.AllocateUninitializedArray<int>(Chunks * Taps * Int32Lanes.Count, pinned: true);
        for (int chunk = 0; chunk < Chunks; chunk++)
        {
            int lo = int.MaxValue, hi = int.MinValue;
            for (int k = 0; k < Taps; k++)
            {
                for (int lane = 0; lane < Int32Lanes.Count; lane++)
                {
                    int offset = Offset[(k * Stride) + (chunk * Int32Lanes.Count) + lane];
                    lo = Math.Min(lo, offset);
                    hi = Math.Max(hi, offset);
                }
            }

            if (hi - lo >= WindowElements)
            {
                return (null, null);
            }

            bases[chunk] = lo;
            for (int k = 0; k < Taps; k++)
            {
                for (int lane = 0; lane < Int32Lanes.Count; lane++)
                {
                    index[(((chunk * Taps) + k) * Int32Lanes.Count) + lane] = Offset[(k * Stride) + (chunk * Int32Lanes.Count) + lane] - lo;
                }
            }
        }

        return (bases, index);
    }

    /// <summary>
    /// For integer maps of at most two taps per output where the second tap is the next pixel (or has weight 0) and
    /// both weights fit in int16: per element, the two weights packed as int16 pairs (w0 low, w1 high), so that one
    /// 32-bit read at the first tap's offset holds both samples (bytes 0 and C) and <c>pmaddwd</c> forms
    /// <c>s0·w0 + s1·w1</c> exactly. Null when the map is not of that form.
    /// </summary>
    public int[]? Pairs { get; }

    /// <summary>True when every weight of <see cref="Pairs"/> is non-negative.</summary>
    public bool PairsNonNegative { get; private set; }

    private int[]? AdjacentPairs(int channels)
    {
        if (Taps > 2 || channels is not (1 or 3))
        {
            return null;
        }

        int[] offsets = Offset, weights = (int[])(object)Weight;
        var pairs = GC.AllocateUninitializedArray<int>(Math.Max(1, Stride), pinned: true);
        bool nonNegative = true;
        for (int e = 0; e < Stride; e++)
        {
            int w0 = weights[e], w1 = Taps == 2 ? weights[Stride + e] : 0;
            bool adjacent = Taps < 2 || w1 == 0 || offsets[Stride + e] == offsets[e] + channels;
            if (!adjacent || w0 != (short)w0 || w1 != (short)w1)
            {
                return null;
            }

            nonNegative &= w0 >= 0 && w1 >= 0;
            pairs[e] = (w0 & 0xFFFF) | (w1 << 16);
        }

        PairsNonNegative = nonNegative;
        (PairWindowBase, PairWindowIndex) = PairWindows(offsets, weights, channels);
        return pairs;
    }

    /// <summary>Elements per chunk of the pair windows: 16 (one 512-bit register of results) where every such chunk
    /// fits a window, else 8 (larger downscales).</summary>
    public int PairChunk { get; private set; }

    /// <summary>
    /// For <see cref="Pairs"/> maps whose 16-element chunks read within 128 bytes: per chunk, the first byte of its
    /// window; <see cref="PairWindowIndex"/>[chunk·32 + 2j + t] is tap t's byte of element j in the window (a tap of
    /// weight 0 outside the window points at tap 0's byte: it is multiplied by 0). Null when some chunk does not fit.
    /// </summary>
    public int[]? PairWindowBase { get; private set; }

    public byte[]? PairWindowIndex { get; private set; }

    private (int[]?, byte[]?) PairWindows(int[] offsets, int[] weights, int channels)
    {
        foreach (int size in new[] { 16, 8 })
        {
            PairChunk = size;
            (int[]? bases, byte[]? index) = PairWindows(offsets, weights, channels, size);
            if (bases is not null)
            {
                return (bases, index);
            }
        }

        return (null, null);
    }

    private (int[]?, byte[]?) PairWindows(int[] offsets, int[] weights, int channels, int size)
    {
        int chunks = Elements / size;
        if (chunks == 0)
        {
            return (null, null);
        }

        var bases = new int[chunks];
        byte[] index = GC.AllocateArray<byte>(chunks * 2 * size, pinned: true);
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            int lo = int.MaxValue;
            for (int j = 0; j < size; j++)
            {
                lo = Math.Min(lo, offsets[(chunk * size) + j]);
            }

            for (int j = 0; j < size; j++)
            {
                int e = (chunk * size) + j;
                int first = offsets[e] - lo;
                int second = first + channels;
                if (first >= 2 * 64 || (second >= 2 * 64 && Taps == 2 && weights[Stride + e] != 0))
                {
                    return (null, null);
                }

                index[(chunk * 2 * size) + (2 * j)] = (byte)first;
                index[(chunk * 2 * size) + (2 * j) + 1] = (byte)(second < 2 * 64 ? second : first);
            }

            bases[chunk] = lo;
        }

        return (bases, index);
    }

    /// <summary>Output elements in a row (output length × channels).</summary>
    public int Elements { get; }

    /// <summary>Whole groups of eight elements; the elements after them run through the scalar op.</summary>
    public int Chunks { get; }

    /// <summary>Chunks × 8: the distance between one tap's offsets and the next tap's.</summary>
    public int Stride { get; }

    /// <summary>The most taps any output has.</summary>
    public int Taps { get; }

    /// <summary>True when every output has exactly <see cref="Taps"/> taps (no padding).</summary>
    public bool Uniform { get; }

    public int[] Offset { get; }

    public TCoeff[] Weight { get; }

    /// <summary>Per chunk, the largest source element offset any of its taps reads (bounds the gathers).</summary>
    public int[] Reach { get; }

    /// <summary>The largest of <see cref="Reach"/> (0 without chunks).</summary>
    public int MaxReach { get; }
}
