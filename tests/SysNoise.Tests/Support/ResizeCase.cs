namespace SysNoise.Tests.Support;

/// <summary>One random resize case: input H×W×C, output size.</summary>
public sealed record ResizeCase(int Index, int InHeight, int InWidth, int Channels, int OutHeight, int OutWidth)
{
    public override string ToString() => $"case #{Index}: {InWidth}×{InHeight}×{Channels} → {OutWidth}×{OutHeight}";

    /// <summary>
    /// Random cases: ratios 1/12..12 per axis, sizes 1..600; every eighth case is an extreme shape (1×N, N×1,
    /// ratios to 1:50) and another eighth an exact integer shrink (factors 1..5 per axis), which libraries
    /// route to special paths.
    /// </summary>
    public static List<ResizeCase> Random(Random rng, int count, int maxSize = 600)
    {
        var cases = new List<ResizeCase>(count);
        for (int i = 0; i < count; i++)
        {
            (int inH, int outH) = RandomImages.AxisSizes(rng, maxSize);
            (int inW, int outW) = RandomImages.AxisSizes(rng, maxSize);
            if (i % 8 == 7)
            {
                (inH, inW, outH, outW) = Extreme(rng, maxSize);
            }
            else if (i % 8 == 3)
            {
                (inH, inW, outH, outW) = IntegerShrink(rng, maxSize);
            }

            cases.Add(new ResizeCase(i, inH, inW, RandomImages.Channels(rng), outH, outW));
        }

        return cases;
    }

    private static (int InH, int InW, int OutH, int OutW) IntegerShrink(Random rng, int maxSize)
    {
        int fy = 1 + rng.Next(5), fx = 1 + rng.Next(5);
        if (fx == 1 && fy == 1)
        {
            fx = 2;
        }

        int outH = 1 + rng.Next(maxSize / fy), outW = 1 + rng.Next(maxSize / fx);
        return (outH * fy, outW * fx, outH, outW);
    }

    private static (int InH, int InW, int OutH, int OutW) Extreme(Random rng, int maxSize)
    {
        int small = 1 + rng.Next(12);
        int big = Math.Min(maxSize, small * (10 + rng.Next(41)));
        return rng.Next(4) switch
        {
            0 => (1, 1 + rng.Next(maxSize), 1 + rng.Next(maxSize / 4), 1 + rng.Next(maxSize)), // 1×N in
            1 => (1 + rng.Next(maxSize), 1, 1 + rng.Next(maxSize), 1 + rng.Next(maxSize / 4)), // N×1 in
            2 => (big, 1 + rng.Next(64), small, 1 + rng.Next(64)),                             // 50:1 down
            _ => (1 + rng.Next(64), small, 1 + rng.Next(64), big),                             // 1:50 up
        };
    }
}

/// <summary>Compares arrays and describes the first difference.</summary>
public static class Compare
{
    /// <summary>Null when equal, otherwise the number of differing elements and the first one.</summary>
    public static string? Bytes<T>(T[] expected, T[] actual)
        where T : unmanaged, IEquatable<T>
    {
        if (expected.Length != actual.Length)
        {
            return $"length {actual.Length}, expected {expected.Length}";
        }

        int first = -1, count = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            // Bitwise for floats: NaN payloads and signed zeros count.
            if (!System.Runtime.InteropServices.MemoryMarshal.AsBytes(expected.AsSpan(i, 1)).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan(i, 1))))
            {
                count++;
                if (first < 0)
                {
                    first = i;
                }
            }
        }

        return count == 0 ? null : $"{count} of {expected.Length} elements differ; first at flat index {first}: got {actual[first]}, expected {expected[first]}";
    }
}
