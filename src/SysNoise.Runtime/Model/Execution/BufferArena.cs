namespace SysNoise.Runtime.Model.Execution;

/// <summary>
/// The run-time memory plan of a host session: operators take their float32 output arrays from here, and an array
/// goes back to a free list (keyed by length) when the last value holding it dies (values may share an array: Reshape,
/// Identity). Only arrays this arena handed out are ever recycled; initializers, graph inputs, Constant outputs and
/// arrays an operator allocated itself are never touched. Graph outputs leave the arena with the caller. Steady-state
/// runs of one model therefore allocate (almost) nothing and touch warm pages. One arena serves one run at a time.
/// </summary>
public sealed class BufferArena
{
    private readonly Dictionary<int, Stack<float[]>> free = [];
    private readonly Dictionary<float[], int> holders = new(ReferenceEqualityComparer.Instance);
    private readonly List<float[]> rentedByNode = [];
    private readonly HashSet<int> lengthsThisRun = [];
    private readonly Lock gate = new();

    /// <summary>An array of exactly <paramref name="length"/> floats with arbitrary contents (the caller writes every element).</summary>
    public float[] RentFloats(long length)
    {
        int n = checked((int)length);
        lock (gate)
        {
            lengthsThisRun.Add(n);
            float[] a = free.TryGetValue(n, out Stack<float[]>? stack) && stack.Count > 0 ? stack.Pop() : GC.AllocateUninitializedArray<float>(n);
            holders[a] = 0;
            rentedByNode.Add(a);
            return a;
        }
    }

    /// <summary>A value now holds <paramref name="data"/> (no-op for arrays the arena did not hand out).</summary>
    public void Hold(Array data)
    {
        lock (gate)
        {
            if (data is float[] f && holders.TryGetValue(f, out int count))
            {
                holders[f] = count + 1;
            }
        }
    }

    /// <summary>A value holding <paramref name="data"/> died; the array is free again when no value holds it.</summary>
    public void Release(Array data)
    {
        lock (gate)
        {
            if (data is float[] f && holders.TryGetValue(f, out int count))
            {
                if (count <= 1)
                {
                    Recycle(f);
                }
                else
                {
                    holders[f] = count - 1;
                }
            }
        }
    }

    /// <summary>The array leaves with the caller (a graph output): never recycled.</summary>
    public void Disown(Array data)
    {
        lock (gate)
        {
            if (data is float[] f)
            {
                holders.Remove(f);
            }
        }
    }

    /// <summary>After a node: arrays it rented that no value holds (scratch, or replaced by a rounded copy) are free again.</summary>
    public void EndNode()
    {
        lock (gate)
        {
            foreach (float[] a in rentedByNode)
            {
                if (holders.TryGetValue(a, out int count) && count == 0)
                {
                    Recycle(a);
                }
            }

            rentedByNode.Clear();
        }
    }

    /// <summary>After a run: free lists of lengths this run did not ask for are dropped (another input size, another model).</summary>
    public void EndRun()
    {
        lock (gate)
        {
            foreach (int length in free.Keys.Where(k => !lengthsThisRun.Contains(k)).ToList())
            {
                free.Remove(length);
            }

            holders.Clear();
            rentedByNode.Clear();
            lengthsThisRun.Clear();
        }
    }

    private void Recycle(float[] a)
    {
        holders.Remove(a);
        if (!free.TryGetValue(a.Length, out Stack<float[]>? stack))
        {
            stack = new Stack<float[]>();
            free[a.Length] = stack;
        }

        stack.Push(a);
    }
}
