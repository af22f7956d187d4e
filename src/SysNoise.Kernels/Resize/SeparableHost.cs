using System.Buffers;
using System.Runtime.CompilerServices;

namespace SysNoise.Kernels.Resize;

/// <summary>
/// The host path of a two-pass separable resize as one loop over output rows, the way the libraries run it: each
/// output row needs a few rows of the first pass, which are computed when first needed and kept in a small ring
/// (so a downscale never resamples a source row nobody reads, and nothing the size of the intermediate image is
/// written to memory). Every element is still the op applied to its taps in weight-map order through
/// <see cref="ResampleRows"/>, so the result equals the two <see cref="ResampleKernels.AxisPass{TIn,TCoeff,TAcc,TOut,TOp}"/>
/// launches it replaces.
/// </summary>
public static unsafe class SeparableHost
{
    /// <summary>Output elements × taps below which one thread runs the whole resize.</summary>
    private const long ParallelWorkThreshold = 1_500_000;

    /// <summary>
    /// Horizontal pass over the source rows the vertical map reads (<paramref name="vertical"/> indexes source rows of
    /// <paramref name="input"/>, an H×W×C image with W = <c>horizontal.SourceLength</c>), then the vertical pass.
    /// </summary>
    public static void HorizontalThenVertical<TIn, TMid, TOut, TCoeffH, TAccH, TCoeffV, TAccV, THOp, TVOp>(
        TIn[] input, TOut[] output, int channels, AxisWeights<TCoeffH> horizontal, AxisWeights<TCoeffV> vertical, THOp horizontalOp, TVOp verticalOp, int maxThreads)
        where TIn : unmanaged
        where TMid : unmanaged
        where TOut : unmanaged
        where TCoeffH : unmanaged
        where TAccH : unmanaged
        where TCoeffV : unmanaged
        where TAccV : unmanaged
        where THOp : struct, IResampleOp<TIn, TCoeffH, TAccH, TMid>
        where TVOp : struct, IResampleOp<TMid, TCoeffV, TAccV, TOut>
    {
        int rowIn = horizontal.SourceLength * channels;
        int rowOut = horizontal.Length * channels;
        int outHeight = vertical.Length;
        if ((long)vertical.SourceLength * rowIn > input.LongLength || (long)outHeight * rowOut > output.LongLength)
        {
            ThrowOutOfRange();
        }

        if (rowOut == 0 || outHeight == 0)
        {
            return;
        }

        long work = ((long)outHeight * rowOut * Math.Max(1, vertical.Taps)) + ((long)Math.Min(vertical.SourceLength, outHeight * vertical.Taps) * rowOut * Math.Max(1, horizontal.Taps));
        int window = vertical.Window;
        fixed (TIn* source = input)
        fixed (TOut* destination = output)
        {
            nint src = (nint)source, dst = (nint)destination;

            // Few chunks per thread: each chunk recomputes the first-pass rows it shares with the one before.
            HostParallel.ForRanges(outHeight, work, ParallelWorkThreshold, maxThreads, 4, Band);

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            void Band(int y0, int y1)
            {
                TMid[] ring = ArrayPool<TMid>.Shared.Rent(window * rowOut);
                int[] heldRows = new int[window];
                nint[] tapRows = new nint[Math.Max(1, vertical.Taps)];
                heldRows.AsSpan().Fill(-1);
                try
                {
                    fixed (TMid* mid = ring)
                    fixed (TCoeffV* coeff = vertical.Coeff)
                    fixed (int* held = heldRows)
                    fixed (nint* rows = tapRows)
                    {
                        TIn* image = (TIn*)src;
                        long imageLength = (long)vertical.SourceLength * rowIn;
                        for (int y = y0; y < y1; y++)
                        {
                            int count = vertical.Count[y];
                            for (int k = 0; k < count; k++)
                            {
                                int r = vertical.Index[(y * vertical.Taps) + k];
                                int slot = r % window;
                                TMid* row = mid + ((long)slot * rowOut);
                                if (held[slot] != r)
                                {
                                    long start = (long)r * rowIn;
                                    ResampleRows.Horizontal<TIn, TCoeffH, TAccH, TMid, THOp>(image + start, (nint)(imageLength - start), row, horizontal, channels, horizontalOp);
                                    held[slot] = r;
                                }

                                rows[k] = (nint)row;
                            }

                            ResampleRows.Vertical<TMid, TCoeffV, TAccV, TOut, TVOp>(rows, coeff + (y * vertical.Taps), count, (TOut*)dst + ((long)y * rowOut), rowOut, verticalOp);
                        }
                    }
                }
                finally
                {
                    ArrayPool<TMid>.Shared.Return(ring);
                }
            }
        }
    }

    /// <summary>
    /// Vertical pass first (<paramref name="vertical"/> indexes rows of <paramref name="input"/>, an H×W×C image with
    /// W = <c>horizontal.SourceLength</c>), each intermediate row then resampled horizontally (IPP's order).
    /// </summary>
    public static void VerticalThenHorizontal<TIn, TMid, TOut, TCoeffV, TAccV, TCoeffH, TAccH, TVOp, THOp>(
        TIn[] input, TOut[] output, int channels, AxisWeights<TCoeffV> vertical, AxisWeights<TCoeffH> horizontal, TVOp verticalOp, THOp horizontalOp, int maxThreads)
        where TIn : unmanaged
        where TMid : unmanaged
        where TOut : unmanaged
        where TCoeffV : unmanaged
        where TAccV : unmanaged
        where TCoeffH : unmanaged
        where TAccH : unmanaged
        where TVOp : struct, IResampleOp<TIn, TCoeffV, TAccV, TMid>
        where THOp : struct, IResampleOp<TMid, TCoeffH, TAccH, TOut>
    {
        int rowIn = horizontal.SourceLength * channels;
        int rowOut = horizontal.Length * channels;
        int outHeight = vertical.Length;
        if ((long)vertical.SourceLength * rowIn > input.LongLength || (long)outHeight * rowOut > output.LongLength)
        {
            ThrowOutOfRange();
        }

        if (rowOut == 0 || outHeight == 0)
        {
            return;
        }

        long work = (long)outHeight * ((rowIn * Math.Max(1, vertical.Taps)) + (rowOut * Math.Max(1, horizontal.Taps)));
        fixed (TIn* source = input)
        fixed (TOut* destination = output)
        {
            nint src = (nint)source, dst = (nint)destination;
            HostParallel.ForRanges(outHeight, work, ParallelWorkThreshold, maxThreads, 8, Band);

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            void Band(int y0, int y1)
            {
                // Slack after the row: window loads of the horizontal lanes may read past its last element.
                TMid[] line = ArrayPool<TMid>.Shared.Rent(rowIn + 64);
                nint[] tapRows = new nint[Math.Max(1, vertical.Taps)];
                try
                {
                    fixed (TMid* mid = line)
                    fixed (TCoeffV* coeff = vertical.Coeff)
                    fixed (nint* rows = tapRows)
                    {
                        for (int y = y0; y < y1; y++)
                        {
                            int count = vertical.Count[y];
                            for (int k = 0; k < count; k++)
                            {
                                rows[k] = (nint)((TIn*)src + ((long)vertical.Index[(y * vertical.Taps) + k] * rowIn));
                            }

                            ResampleRows.Vertical<TIn, TCoeffV, TAccV, TMid, TVOp>(rows, coeff + (y * vertical.Taps), count, mid, rowIn, verticalOp);
                            ResampleRows.Horizontal<TMid, TCoeffH, TAccH, TOut, THOp>(mid, line.Length, (TOut*)dst + ((long)y * rowOut), horizontal, channels, horizontalOp);
                        }
                    }
                }
                finally
                {
                    ArrayPool<TMid>.Shared.Return(line);
                }
            }
        }
    }

    private static void ThrowOutOfRange() => throw new ArgumentException("Resize geometry does not fit the buffers.");
}
