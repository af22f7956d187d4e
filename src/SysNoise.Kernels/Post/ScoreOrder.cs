namespace SysNoise.Kernels.Post;

/// <summary>
/// The orders torch 1.13's CPU <c>Tensor.sort(descending=True)</c> produces on float32 scores, with its comparator
/// (<c>KeyValueCompDesc</c>: NaN ranks above every number, then larger first). <see cref="Stable"/> is
/// <c>sort(stable=True)</c>, which torchvision's NMS uses (equal scores keep index order). <see cref="Unstable"/> is the
/// default <c>sort</c>: libstdc++'s <c>std::sort</c> (introsort) over (score, index) pairs, which reorders equal scores in a
/// deterministic but size-dependent way; torchvision's per-class <c>batched_nms</c> path and mmcv's <c>nms_cpu</c> use it.
/// </summary>
public static class ScoreOrder
{
    /// <summary>Indices by descending score, NaN first, equal scores by ascending index.</summary>
    public static int[] Stable(ReadOnlySpan<float> scores)
    {
        float[] keys = scores.ToArray();
        int[] order = new int[keys.Length];
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // A total order (index breaks ties), so any sort algorithm gives the stable result.
        Array.Sort(order, (x, y) =>
        {
            if (Before(keys[x], keys[y]))
            {
                return -1;
            }

            return Before(keys[y], keys[x]) ? 1 : x.CompareTo(y);
        });
        return order;
    }

    /// <summary>The permutation libstdc++'s <c>std::sort</c> leaves when it sorts (score, index) pairs with torch's descending comparator.</summary>
    public static int[] Unstable(ReadOnlySpan<float> scores)
    {
        var keys = scores.ToArray();
        var values = new int[keys.Length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = i;
        }

        new IntroSort(keys, values).Sort();
        return values;
    }

    /// <summary>torch's <c>KeyValueCompDesc</c>: does <paramref name="a"/> sort before <paramref name="b"/>?</summary>
    public static bool Before(float a, float b) => (float.IsNaN(a) && !float.IsNaN(b)) || a > b;

    /// <summary>
    /// libstdc++'s introsort (GCC 12, <c>bits/stl_algo.h</c>) re-expressed over two parallel arrays that move together:
    /// median-of-three pivot moved to the front, unguarded Hoare partition, recursion on the right part and a loop on the
    /// left while a part has more than 16 elements, heapsort when the depth limit 2·⌊log2 n⌋ runs out, then one final
    /// insertion sort (guarded over the first 16, unguarded after).
    /// </summary>
    private readonly struct IntroSort(float[] keys, int[] values)
    {
        private const int Threshold = 16;

        public void Sort()
        {
            int n = keys.Length;
            if (n == 0)
            {
                return;
            }

            IntroLoop(0, n, 2 * FloorLog2(n));
            if (n > Threshold)
            {
                InsertionSort(0, Threshold);
                for (int i = Threshold; i < n; i++)
                {
                    UnguardedLinearInsert(i);
                }
            }
            else
            {
                InsertionSort(0, n);
            }
        }

        private static int FloorLog2(int n) => 31 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);

        private bool Less(int a, int b) => Before(keys[a], keys[b]);

        private void Swap(int a, int b)
        {
            (keys[a], keys[b]) = (keys[b], keys[a]);
            (values[a], values[b]) = (values[b], values[a]);
        }

        private void IntroLoop(int first, int last, int depthLimit)
        {
            while (last - first > Threshold)
            {
                if (depthLimit == 0)
                {
                    HeapSort(first, last);
                    return;
                }

                depthLimit--;
                int cut = PartitionPivot(first, last);
                IntroLoop(cut, last, depthLimit);
                last = cut;
            }
        }

        private int PartitionPivot(int first, int last)
        {
            int mid = first + ((last - first) / 2);
            MoveMedianToFirst(first, first + 1, mid, last - 1);
            return UnguardedPartition(first + 1, last, first);
        }

        private void MoveMedianToFirst(int result, int a, int b, int c)
        {
            if (Less(a, b))
            {
                if (Less(b, c))
                {
                    Swap(result, b);
                }
                else if (Less(a, c))
                {
                    Swap(result, c);
                }
                else
                {
                    Swap(result, a);
                }
            }
            else if (Less(a, c))
            {
                Swap(result, a);
            }
            else if (Less(b, c))
            {
                Swap(result, c);
            }
            else
            {
                Swap(result, b);
            }
        }

        private int UnguardedPartition(int first, int last, int pivot)
        {
            while (true)
            {
                while (Less(first, pivot))
                {
                    first++;
                }

                last--;
                while (Less(pivot, last))
                {
                    last--;
                }

                if (!(first < last))
                {
                    return first;
                }

                Swap(first, last);
                first++;
            }
        }

        private void InsertionSort(int first, int last)
        {
            if (first == last)
            {
                return;
            }

            for (int i = first + 1; i < last; i++)
            {
                if (Less(i, first))
                {
                    float key = keys[i];
                    int value = values[i];
                    Array.Copy(keys, first, keys, first + 1, i - first);
                    Array.Copy(values, first, values, first + 1, i - first);
                    keys[first] = key;
                    values[first] = value;
                }
                else
                {
                    UnguardedLinearInsert(i);
                }
            }
        }

        private void UnguardedLinearInsert(int last)
        {
            float key = keys[last];
            int value = values[last];
            int next = last - 1;
            while (Before(key, keys[next]))
            {
                keys[last] = keys[next];
                values[last] = values[next];
                last = next;
                next--;
            }

            keys[last] = key;
            values[last] = value;
        }

        // __partial_sort(first, last, last): make_heap, then sort_heap (heap_select's loop is empty when middle == last).
        private void HeapSort(int first, int last)
        {
            int len = last - first;
            if (len >= 2)
            {
                for (int parent = (len - 2) / 2; ; parent--)
                {
                    AdjustHeap(first, parent, len, keys[first + parent], values[first + parent]);
                    if (parent == 0)
                    {
                        break;
                    }
                }
            }

            while (last - first > 1)
            {
                last--;
                float key = keys[last];
                int value = values[last];
                keys[last] = keys[first];
                values[last] = values[first];
                AdjustHeap(first, 0, last - first, key, value);
            }
        }

        private void AdjustHeap(int first, int hole, int len, float key, int value)
        {
            int top = hole;
            int child = hole;
            while (child < (len - 1) / 2)
            {
                child = 2 * (child + 1);
                if (Less(first + child, first + child - 1))
                {
                    child--;
                }

                keys[first + hole] = keys[first + child];
                values[first + hole] = values[first + child];
                hole = child;
            }

            if ((len & 1) == 0 && child == (len - 2) / 2)
            {
                child = 2 * (child + 1);
                keys[first + hole] = keys[first + child - 1];
                values[first + hole] = values[first + child - 1];
                hole = child - 1;
            }

            // __push_heap
            int parent = (hole - 1) / 2;
            while (hole > top && Before(keys[first + parent], key))
            {
                keys[first + hole] = keys[first + parent];
                values[first + hole] = values[first + parent];
                hole = parent;
                parent = (hole - 1) / 2;
            }

            keys[first + hole] = key;
            values[first + hole] = value;
        }
    }
}
