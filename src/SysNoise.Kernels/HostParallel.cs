using System.Diagnostics;

namespace SysNoise.Kernels;

/// <summary>
/// Fork-join for every host loop (resize, decode, the model kernels): body(0..count−1) on the calling thread and up to threads−1 dedicated helper threads
/// that spin briefly between jobs (a model runs dozens of short parallel loops back to back; waking thread-pool workers
/// for each costs more than some of the loops). Items are claimed one at a time from a shared counter, so results never
/// depend on which thread ran an item (every kernel splits only independent outputs). A nested or concurrent call, which
/// finds the helpers busy, falls back to <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>.
/// </summary>
public static class HostParallel
{
    /// <summary>How long an idle helper spins for the next job before it blocks.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 5_000; // 200 µs

    private static readonly Helper[] Helpers = CreateHelpers();

    private static int busy;

    /// <summary>The current job: a sequence number (bits 8 and up) and the number of helpers taking part (low 8 bits), one atomic value.</summary>
    private static long ticket;
    private static int next;
    private static int count;

    /// <summary>Helpers inside the current job's item loop, plus <see cref="Closed"/> once the caller has finished its share.</summary>
    private static int members;
    private const int Closed = 1 << 30;
    private static Action<int>? job;
    private static Exception? failure;

    /// <summary>
    /// Runs <paramref name="body"/>(first, end) over [0, <paramref name="rows"/>) in row bands. Small jobs run on the
    /// calling thread (a second thread costs more than it saves, and on a loaded machine it may not run for
    /// milliseconds); large ones are cut into several bands per thread, claimed one at a time, so a descheduled thread
    /// delays the result by one small band, not by half the job.
    /// </summary>
    /// <param name="work">A measure of the job's size, compared with <paramref name="threshold"/>.</param>
    /// <param name="chunksPerThread">Bands per thread (fewer where each band repeats some work at its edges).</param>
    public static void ForRanges(int rows, long work, long threshold, int maxThreads, int chunksPerThread, Action<int, int> body)
    {
        int threads = Math.Min(Math.Max(1, maxThreads), rows);
        if (work < threshold || threads <= 1)
        {
            body(0, rows);
            return;
        }

        int chunks = Math.Min(rows, threads * chunksPerThread);
        For(chunks, threads, c => body((int)((long)rows * c / chunks), (int)((long)rows * (c + 1) / chunks)));
    }

    /// <summary>Runs <paramref name="body"/>(i) for i in [0, <paramref name="itemCount"/>) on up to <paramref name="threads"/> threads.</summary>
    public static void For(int itemCount, int threads, Action<int> body)
    {
        if (itemCount <= 0)
        {
            return;
        }

        int helpers = Math.Min(Math.Min(threads, itemCount) - 1, Math.Min(Helpers.Length, 255));
        if (helpers <= 0)
        {
            for (int i = 0; i < itemCount; i++)
            {
                body(i);
            }

            return;
        }

        if (Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            Parallel.For(0, itemCount, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
            return;
        }

        try
        {
            job = body;
            count = itemCount;
            next = 0;
            failure = null;
            Volatile.Write(ref members, 0);
            Interlocked.Exchange(ref ticket, (((Volatile.Read(ref ticket) >> 8) + 1) << 8) | (uint)helpers); // publishes the job (full fence)
            for (int h = 0; h < helpers; h++)
            {
                Helpers[h].Wake();
            }

            Work();

            // Close the job: a helper that has not joined yet (descheduled, or still waking) stays out; wait only for
            // those inside, which finish the items they claimed.
            Interlocked.Or(ref members, Closed);
            WaitForMembers();

            job = null;
            if (failure is { } ex)
            {
                throw new AggregateException(ex);
            }
        }
        finally
        {
            Volatile.Write(ref busy, 0);
        }
    }

    /// <summary>
    /// Waits for the helpers still running items. They are computing (an item takes microseconds to a few hundred),
    /// so the wait spins on the core with pause instructions. It does not yield: sched_yield hands the core to any
    /// other runnable thread for a whole time slice, and it did so on every node of a model. Measured with a nice-19
    /// busy loop on each core, ResNet-50 at batch 1 on two threads: 53–87 ms against ONNX Runtime's 40–52 ms.
    /// Only a wait longer than <see cref="SpinTicks"/> (a helper descheduled, or sharing this core) yields.
    /// </summary>
    private static void WaitForMembers()
    {
        long deadline = Stopwatch.GetTimestamp() + SpinTicks;
        while (Volatile.Read(ref members) != Closed)
        {
            if (Stopwatch.GetTimestamp() < deadline)
            {
                Thread.SpinWait(20);
            }
            else
            {
                Thread.Yield();
            }
        }
    }

    private static void Work()
    {
        Action<int> body = job!;
        int n = count;
        int i;
        while ((i = Interlocked.Increment(ref next) - 1) < n)
        {
            try
            {
                body(i);
            }
            catch (Exception ex)
            {
                Interlocked.CompareExchange(ref failure, ex, null);
                Volatile.Write(ref next, n); // stop handing out items
            }
        }
    }

    /// <summary>Enters the open job (false once the caller closed it).</summary>
    private static bool Join()
    {
        while (true)
        {
            int m = Volatile.Read(ref members);
            if ((m & Closed) != 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref members, m + 1, m) == m)
            {
                return true;
            }
        }
    }

    private static Helper[] CreateHelpers()
    {
        var helpers = new Helper[Math.Max(0, Environment.ProcessorCount - 1)];
        for (int h = 0; h < helpers.Length; h++)
        {
            helpers[h] = new Helper(h);
        }

        return helpers;
    }

    private sealed class Helper
    {
        private readonly int index;
        private readonly ManualResetEventSlim signal = new(false);
        private int sleeping;

        public Helper(int index)
        {
            this.index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"SysNoise host helper {index}" };
            thread.Start();
        }

        public void Wake()
        {
            if (Volatile.Read(ref sleeping) == 1)
            {
                signal.Set();
            }
        }

        private void Loop()
        {
            long seen = Volatile.Read(ref ticket);
            while (true)
            {
                // Spin for the next job, then block until woken.
                long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                while (Volatile.Read(ref ticket) == seen && Stopwatch.GetTimestamp() < deadline)
                {
                    Thread.SpinWait(20);
                }

                if (Volatile.Read(ref ticket) == seen)
                {
                    Interlocked.Exchange(ref sleeping, 1);
                    if (Volatile.Read(ref ticket) == seen)
                    {
                        signal.Wait();
                    }

                    signal.Reset();
                    Interlocked.Exchange(ref sleeping, 0);
                    continue;
                }

                // One read gives the job and whether this helper takes part.
                seen = Volatile.Read(ref ticket);
                if (index < (int)(seen & 0xFF) && Join())
                {
                    Work();
                    Interlocked.Decrement(ref members);
                }
            }
        }
    }
}
