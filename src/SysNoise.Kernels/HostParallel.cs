namespace SysNoise.Kernels;

/// <summary>
/// How the host loops split rows over threads. Small jobs run on the calling thread (a second thread costs more
/// than it saves, and on a loaded machine it may not run for milliseconds). Large jobs are cut into several chunks
/// per thread, taken dynamically: if one thread is descheduled, the others take the remaining chunks, so a stalled
/// thread delays the result by one small chunk, not by half the job.
/// </summary>
public static class HostParallel
{
    /// <summary>Runs <paramref name="body"/>(first, end) over [0, <paramref name="rows"/>).</summary>
    /// <param name="work">A measure of the job's size, compared with <paramref name="threshold"/>.</param>
    /// <param name="chunksPerThread">Chunks per thread (fewer where each chunk repeats some work at its edges).</param>
    public static void ForRanges(int rows, long work, long threshold, int maxThreads, int chunksPerThread, Action<int, int> body)
    {
        int threads = Math.Min(Math.Max(1, maxThreads), rows);
        if (work < threshold || threads <= 1)
        {
            body(0, rows);
            return;
        }

        int chunks = Math.Min(rows, threads * chunksPerThread);
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c => body((int)((long)rows * c / chunks), (int)((long)rows * (c + 1) / chunks)));
    }
}
