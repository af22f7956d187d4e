namespace SysNoise.Kernels.Model.Elementwise;

/// <summary>
/// Multidirectional (NumPy) broadcasting of N input shapes: the output shape, and per input the element stride of
/// every output dimension (0 where the input repeats). Adjacent dimensions that every input treats the same way are
/// merged, so the innermost run is as long as possible (a [N,C,H,W] + [1,C,1,1] add has runs of H·W).
/// </summary>
public sealed class BroadcastPlan
{
    private BroadcastPlan(int[] outShape, int[] dims, int[][] strides)
    {
        OutShape = outShape;
        Dims = dims;
        Strides = strides;
        long n = 1;
        foreach (int d in outShape)
        {
            n *= d;
        }

        Count = n <= int.MaxValue ? (int)n : throw new ArgumentException($"broadcast output ({string.Join(", ", outShape)}) has more than 2^31 elements");
    }

    /// <summary>The broadcast output shape.</summary>
    public int[] OutShape { get; }

    /// <summary>The merged dimensions (at least one).</summary>
    public int[] Dims { get; }

    /// <summary>Strides[input][dim] over <see cref="Dims"/>.</summary>
    public int[][] Strides { get; }

    public int Count { get; }

    public int Rank => Dims.Length;

    public int Inner => Dims[^1];

    /// <summary>The broadcast shape, or null (with the reason) when the shapes are incompatible.</summary>
    public static int[]? BroadcastShape(IReadOnlyList<int[]> shapes, out string? problem)
    {
        int rank = 0;
        foreach (int[] s in shapes)
        {
            rank = Math.Max(rank, s.Length);
        }

        var result = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int dim = 1;
            foreach (int[] s in shapes)
            {
                int k = d - (rank - s.Length);
                if (k < 0)
                {
                    continue;
                }

                int v = s[k];
                if (v == dim || v == 1)
                {
                    continue;
                }

                if (dim != 1)
                {
                    problem = $"shapes {string.Join(" and ", shapes.Select(x => "(" + string.Join(", ", x) + ")"))} do not broadcast";
                    return null;
                }

                dim = v;
            }

            result[d] = dim;
        }

        problem = null;
        return result;
    }

    public static BroadcastPlan Create(params int[][] shapes)
    {
        int[] outShape = BroadcastShape(shapes, out string? problem) ?? throw new ArgumentException(problem);
        int rank = outShape.Length;
        int n = shapes.Length;

        // Full-rank strides per input.
        var full = new int[n][];
        for (int i = 0; i < n; i++)
        {
            full[i] = new int[rank];
            int stride = 1;
            int[] s = shapes[i];
            for (int d = rank - 1; d >= 0; d--)
            {
                int k = d - (rank - s.Length);
                int dim = k < 0 ? 1 : s[k];
                full[i][d] = dim == 1 ? 0 : stride;
                stride *= dim;
            }
        }

        // Merge dimension d into the run after it when every input is contiguous across the pair (or repeats both).
        var dims = new List<int>();
        var strides = new List<int>[n];
        for (int i = 0; i < n; i++)
        {
            strides[i] = [];
        }

        for (int d = 0; d < rank; d++)
        {
            if (outShape[d] == 1 && rank > 1)
            {
                continue; // size-1 output dims carry nothing
            }

            if (dims.Count > 0)
            {
                bool merge = true;
                int last = dims.Count - 1;
                for (int i = 0; i < n && merge; i++)
                {
                    int prev = strides[i][last];
                    int cur = full[i][d];
                    merge = (prev == 0 && cur == 0) || (prev != 0 && cur != 0 && prev == cur * outShape[d]);
                }

                if (merge)
                {
                    dims[last] *= outShape[d];
                    for (int i = 0; i < n; i++)
                    {
                        strides[i][last] = full[i][d];
                    }

                    continue;
                }
            }

            dims.Add(outShape[d]);
            for (int i = 0; i < n; i++)
            {
                strides[i].Add(full[i][d]);
            }
        }

        if (dims.Count == 0)
        {
            dims.Add(rank == 0 ? 1 : outShape[^1]);
            for (int i = 0; i < n; i++)
            {
                strides[i].Add(0);
            }
        }

        return new BroadcastPlan(outShape, dims.ToArray(), strides.Select(s => s.ToArray()).ToArray());
    }

    /// <summary>The plan as the kernels read it: [rank, dims…, strides of input 0…, strides of input 1…, …].</summary>
    public int[] Meta()
    {
        int rank = Dims.Length;
        var meta = new int[1 + (rank * (1 + Strides.Length))];
        meta[0] = rank;
        Dims.CopyTo(meta, 1);
        for (int i = 0; i < Strides.Length; i++)
        {
            Strides[i].CopyTo(meta, 1 + (rank * (1 + i)));
        }

        return meta;
    }

    /// <summary>The offset of the first element of row <paramref name="row"/> (rows run over all but the last merged dim) in input <paramref name="input"/>.</summary>
    public int RowOffset(int input, int row)
    {
        int offset = 0;
        int[] s = Strides[input];
        for (int d = Dims.Length - 2; d >= 0; d--)
        {
            int dim = Dims[d];
            int c = row % dim;
            row /= dim;
            offset += c * s[d];
        }

        return offset;
    }
}
