using ILGPU;

namespace SysNoise.Kernels.Resize;

/// <summary>
/// A precomputed weight map for one axis: for each output position <c>j</c>,
/// <c>Count[j]</c> taps at <c>Index[j·Taps + k]</c> (source positions, already
/// border-resolved the library's way) with weights <c>Coeff[j·Taps + k]</c>.
/// A variant is mostly this data; it is built once per geometry and cached.
/// </summary>
public sealed class AxisWeights<TCoeff>
    where TCoeff : unmanaged
{
    public AxisWeights(int sourceLength, int length, int taps, int[] index, int[] count, TCoeff[] coeff)
    {
        if (index.Length != length * taps || coeff.Length != length * taps || count.Length != length)
        {
            throw new ArgumentException("Weight map arrays do not match length × taps.");
        }

        SourceLength = sourceLength;
        Length = length;
        Taps = taps;
        Index = index;
        Count = count;
        Coeff = coeff;
        bool identity = length == sourceLength;
        for (int j = 0; j < length; j++)
        {
            identity &= count[j] == 1;
            for (int k = 0; k < count[j]; k++)
            {
                int s = index[(j * taps) + k];
                identity &= s == j;

                // Kernels index without bounds checks, so every tap is validated once, here.
                if ((uint)s >= (uint)sourceLength)
                {
                    throw new ArgumentException($"Tap {k} of output {j} reads source {s}, outside [0, {sourceLength}).");
                }
            }
        }

        IsIdentity = identity;
    }

    /// <summary>True when output j is exactly source j (a one-tap map that moves nothing).</summary>
    public bool IsIdentity { get; }

    /// <summary>Input length along the axis.</summary>
    public int SourceLength { get; }

    /// <summary>Output length along the axis.</summary>
    public int Length { get; }

    /// <summary>Row stride of <see cref="Index"/> and <see cref="Coeff"/> (the widest kernel).</summary>
    public int Taps { get; }

    public int[] Index { get; }

    public int[] Count { get; }

    public TCoeff[] Coeff { get; }

    // Host-side layouts derived from the map, built on first use (a benign race builds one twice at worst).
    private readonly HorizontalLanes<TCoeff>?[] lanes = new HorizontalLanes<TCoeff>?[5];
    private int window;

    /// <summary>The map laid out for the host's eight-lane horizontal rows over <paramref name="channels"/> (1 to 4) channels.</summary>
    public HorizontalLanes<TCoeff> LanesFor(int channels)
        => lanes[channels] ??= new HorizontalLanes<TCoeff>(this, channels);

    private readonly PixelWindows?[] windows = new PixelWindows?[5];
    private readonly bool[] windowsBuilt = new bool[5];

    /// <summary>A one-tap byte map laid out for 128-byte-window permutes over <paramref name="channels"/> channels; null when it does not fit.</summary>
    public PixelWindows? WindowsFor(int channels)
    {
        if (!windowsBuilt[channels])
        {
            windows[channels] = PixelWindows.TryBuild((AxisWeights<byte>)(object)this, channels);
            windowsBuilt[channels] = true;
        }

        return windows[channels];
    }

    /// <summary>The widest span of source positions one output reads (max − min + 1; 1 when no output has a tap).</summary>
    public int Window
    {
        get
        {
            if (window == 0)
            {
                int widest = 1;
                for (int j = 0; j < Length; j++)
                {
                    int lo = int.MaxValue, hi = int.MinValue;
                    for (int k = 0; k < Count[j]; k++)
                    {
                        lo = Math.Min(lo, Index[(j * Taps) + k]);
                        hi = Math.Max(hi, Index[(j * Taps) + k]);
                    }

                    widest = Math.Max(widest, Count[j] > 0 ? hi - lo + 1 : 1);
                }

                window = widest;
            }

            return window;
        }
    }

    /// <summary>A one-tap map (a gather): output j reads source <c>index[j]</c>.</summary>
    public static AxisWeights<byte> Gather(int sourceLength, int[] index)
    {
        var count = new int[index.Length];
        count.AsSpan().Fill(1);
        return new AxisWeights<byte>(sourceLength, index.Length, 1, index, count, new byte[index.Length]);
    }

    /// <summary>The source positions any tap reads, ascending.</summary>
    public int[] UsedSources()
    {
        var used = new bool[SourceLength];
        for (int j = 0; j < Length; j++)
        {
            for (int k = 0; k < Count[j]; k++)
            {
                used[Index[(j * Taps) + k]] = true;
            }
        }

        return Enumerable.Range(0, SourceLength).Where(i => used[i]).ToArray();
    }

    /// <summary>The same map reading from a compacted source that holds only <paramref name="sources"/> (ascending), in order.</summary>
    public AxisWeights<TCoeff> Compacted(int[] sources)
    {
        var position = new int[SourceLength];
        for (int i = 0; i < sources.Length; i++)
        {
            position[sources[i]] = i;
        }

        int[] index = (int[])Index.Clone();
        for (int j = 0; j < Length; j++)
        {
            for (int k = 0; k < Count[j]; k++)
            {
                index[(j * Taps) + k] = position[Index[(j * Taps) + k]];
            }
        }

        return new AxisWeights<TCoeff>(sources.Length, Length, Taps, index, Count, Coeff);
    }

    /// <summary>The same map reading from a source that starts at <paramref name="origin"/>
    /// (used when the previous pass only produced the rows this one reads).</summary>
    public AxisWeights<TCoeff> Rebased(int origin, int sourceLength)
    {
        int[] index = (int[])Index.Clone();
        for (int i = 0; i < index.Length; i++)
        {
            index[i] = Math.Max(0, index[i] - origin);
        }

        return new AxisWeights<TCoeff>(sourceLength, Length, Taps, index, Count, Coeff);
    }
}

/// <summary>The device-side view of an <see cref="AxisWeights{TCoeff}"/>.</summary>
public readonly struct AxisWeightsView<TCoeff>
    where TCoeff : unmanaged
{
    public AxisWeightsView(ArrayView<int> index, ArrayView<int> count, ArrayView<TCoeff> coeff, int taps)
    {
        Index = index;
        Count = count;
        Coeff = coeff;
        Taps = taps;
    }

    public ArrayView<int> Index { get; }

    public ArrayView<int> Count { get; }

    public ArrayView<TCoeff> Coeff { get; }

    public int Taps { get; }
}

/// <summary>
/// Where an axis pass reads and writes: the data is viewed as
/// [outer][axis][inner] with the resampled axis in the middle. A horizontal pass over
/// an H×W×C image has outer = rows, inner = C; a vertical pass has outer = 1, inner = W·C.
/// </summary>
public readonly struct PassGeometry
{
    public PassGeometry(int outer, int inputOuterOffset, int inLength, int outLength, int inner)
    {
        Outer = outer;
        InputOuterOffset = inputOuterOffset;
        InLength = inLength;
        OutLength = outLength;
        Inner = inner;
    }

    /// <summary>Number of outer blocks processed.</summary>
    public int Outer { get; }

    /// <summary>First outer block read from the input (Pillow resamples only the rows the next pass needs).</summary>
    public int InputOuterOffset { get; }

    public int InLength { get; }

    public int OutLength { get; }

    public int Inner { get; }

    public long OutputElements => (long)Outer * OutLength * Inner;
}

/// <summary>Sizes of a 2-D gather (<see cref="ResampleKernels.Gather2D{T}"/>).</summary>
public readonly struct GatherGeometry
{
    public GatherGeometry(int inWidth, int outHeight, int outWidth, int channels)
    {
        InWidth = inWidth;
        OutHeight = outHeight;
        OutWidth = outWidth;
        Channels = channels;
    }

    public int InWidth { get; }

    public int OutHeight { get; }

    public int OutWidth { get; }

    public int Channels { get; }

    public long OutputElements => (long)OutHeight * OutWidth * Channels;
}
