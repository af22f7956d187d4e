namespace SysNoise.Kernels.Decode;

/// <summary>The per-component multiplier tables libjpeg-turbo 2.1.5 builds from a quant table (<c>jddctmgr.c start_pass</c>).</summary>
public static class JpegTables
{
    // AA&N scale factors × 2^14, jddctmgr.c aanscales.
    private static readonly short[] AanScales14 =
    [
        16384, 22725, 21407, 19266, 16384, 12873, 8867, 4520,
        22725, 31521, 29692, 26722, 22725, 17855, 12299, 6270,
        21407, 29692, 27969, 25172, 21407, 16819, 11585, 5906,
        19266, 26722, 25172, 22654, 19266, 15137, 10426, 5315,
        16384, 22725, 21407, 19266, 16384, 12873, 8867, 4520,
        12873, 17855, 16819, 15137, 12873, 10114, 6967, 3552,
        8867, 12299, 11585, 10426, 8867, 6967, 4799, 2446,
        4520, 6270, 5906, 5315, 4520, 3552, 2446, 1247,
    ];

    // jddctmgr.c aanscalefactor (float IDCT), in double.
    private static readonly double[] AanScaleFactor = [1.0, 1.387039845, 1.306562965, 1.175875602, 1.0, 0.785694958, 0.541196100, 0.275899379];

    /// <summary>ISLOW: the quant values as ISLOW_MULT_TYPE (int16).</summary>
    public static int[] Islow(ReadOnlySpan<ushort> quant)
    {
        var table = new int[64];
        for (int i = 0; i < 64; i++)
        {
            table[i] = (short)quant[i];
        }

        return table;
    }

    /// <summary>IFAST: <c>(IFAST_MULT_TYPE)DESCALE(q·aanscales, 12)</c>, int16.</summary>
    public static int[] Ifast(ReadOnlySpan<ushort> quant)
    {
        var table = new int[64];
        for (int i = 0; i < 64; i++)
        {
            table[i] = (short)((((long)quant[i] * AanScales14[i]) + (1 << 11)) >> 12);
        }

        return table;
    }

    /// <summary>FLOAT: <c>(float)((double)q · aan[row] · aan[col])</c>.</summary>
    public static float[] Float(ReadOnlySpan<ushort> quant)
    {
        var table = new float[64];
        for (int row = 0, i = 0; row < 8; row++)
        {
            for (int col = 0; col < 8; col++, i++)
            {
                table[i] = (float)((double)quant[i] * AanScaleFactor[row] * AanScaleFactor[col]);
            }
        }

        return table;
    }
}
