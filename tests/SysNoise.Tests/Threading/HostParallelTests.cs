using SysNoise.Kernels;

namespace SysNoise.Tests.Threading;

/// <summary>
/// The fork-join every host kernel runs on: each item exactly once, whichever thread runs it; a failing item surfaces
/// and leaves the helpers usable; a nested call completes; and with a busy thread on every core (the case whose
/// waits no longer yield) the results are the same.
/// </summary>
public sealed class HostParallelTests
{
    private static int Threads => Math.Max(2, Environment.ProcessorCount);

    [Fact]
    public void EveryItemRunsExactlyOnce()
    {
        foreach (int count in new[] { 1, 2, 3, 17, 1000 })
        {
            var hits = new int[count];
            for (int round = 0; round < 50; round++)
            {
                HostParallel.For(count, Threads, i => Interlocked.Increment(ref hits[i]));
            }

            Assert.All(hits, h => Assert.Equal(50, h));
        }
    }

    [Fact]
    public void AFailingItemSurfacesAndTheNextJobRuns()
    {
        var ex = Assert.Throws<AggregateException>(() => HostParallel.For(64, Threads, i =>
        {
            if (i == 40)
            {
                throw new InvalidOperationException("item 40");
            }
        }));
        Assert.Equal("item 40", Assert.IsType<InvalidOperationException>(ex.InnerException).Message);

        long sum = 0;
        HostParallel.For(100, Threads, i => Interlocked.Add(ref sum, i));
        Assert.Equal(4950, sum);
    }

    [Fact]
    public void NestedCallsComplete()
    {
        long sum = 0;
        HostParallel.For(8, Threads, outer => HostParallel.For(8, Threads, inner => Interlocked.Add(ref sum, (outer * 8) + inner)));
        Assert.Equal(63 * 64 / 2, sum);
    }

    [Fact]
    public void SameResultsWithABusyThreadOnEveryCore()
    {
        using var stop = new CancellationTokenSource();
        var busy = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Thread.SpinWait(100);
            }
        })
        { IsBackground = true, Priority = ThreadPriority.Lowest }).ToList();
        busy.ForEach(t => t.Start());
        try
        {
            var values = new double[4096];
            for (int round = 0; round < 200; round++)
            {
                HostParallel.For(values.Length / 64, Threads, block =>
                {
                    for (int i = block * 64; i < (block + 1) * 64; i++)
                    {
                        values[i] += Math.Sqrt(i);
                    }
                });
            }

            for (int i = 0; i < values.Length; i++)
            {
                Assert.Equal(200 * Math.Sqrt(i), values[i], 1e-9 * values[i]);
            }
        }
        finally
        {
            stop.Cancel();
            busy.ForEach(t => t.Join());
        }
    }
}
