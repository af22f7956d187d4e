using System.Runtime.CompilerServices;

namespace SysNoise.Kernels.Decode;

/// <summary>Eight values of one IDCT column or row, as fields so that ILGPU kernels and the host share one butterfly.</summary>
public struct Octet<T>
    where T : unmanaged
{
    public T V0;
    public T V1;
    public T V2;
    public T V3;
    public T V4;
    public T V5;
    public T V6;
    public T V7;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Octet(T v0, T v1, T v2, T v3, T v4, T v5, T v6, T v7)
    {
        V0 = v0;
        V1 = v1;
        V2 = v2;
        V3 = v3;
        V4 = v4;
        V5 = v5;
        V6 = v6;
        V7 = v7;
    }
}

/// <summary>
/// One libjpeg IDCT variant: dequantization (coefficient × multiplier table entry), a column pass into a
/// workspace, and a row pass to 8-bit samples. Implementations are readonly structs whose arithmetic is the
/// library's, including its integer widths (wrap-around and saturation reproduce the SIMD code on hostile input).
/// </summary>
public interface IIdctOp<TMul, TWork>
    where TMul : unmanaged
    where TWork : unmanaged
{
    /// <summary>True when the library skips the column pass for a block whose rows 1..7 are all zero.</summary>
    bool HasBlockDcShortcut { get; }

    /// <summary>
    /// False: the first pass (<see cref="Column"/>) runs down columns, as libjpeg does. True: it runs along rows and
    /// the second pass (<see cref="Row"/>) down columns, as FFmpeg's simple IDCT does.
    /// </summary>
    bool RowsFirst { get; }

    /// <summary>The workspace value of every row of a column in the DC-only shortcut.</summary>
    TWork DcOnlyColumn(short coef0, TMul multiplier0);

    /// <summary>The first pass over one line of coefficients (a column, or a row when <see cref="RowsFirst"/>).</summary>
    Octet<TWork> Column(Octet<short> coef, Octet<TMul> multipliers);

    /// <summary>The second pass over one line of the workspace (a row, or a column when <see cref="RowsFirst"/>).</summary>
    Octet<byte> Row(Octet<TWork> workspace);
}
