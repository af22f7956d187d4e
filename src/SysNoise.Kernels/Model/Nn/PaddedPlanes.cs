namespace SysNoise.Kernels.Model.Nn;

/// <summary>
/// Zero-padded copies of input planes, for the convolution paths that read every tap with plain loads instead of masking
/// (<see cref="PaddedRowsConvHost"/>, <see cref="SmallPlaneConvHost"/>'s padded-image tiles) and the extent of the
/// channel-block depthwise buffers: input pixel (ih, iw) sits at padded (ih + PH, iw + PW), zeros around it.
/// </summary>
internal static unsafe class PaddedPlanes
{
    /// <summary>Rows and columns a padded plane needs: every tap of every output and every input pixel.</summary>
    public static (int Rows, int Columns) Extent(NnGeometry g) =>
        (Math.Max(((g.OutH - 1) * g.SH) + ((g.KH - 1) * g.DH) + 1, g.PH + g.InH),
         Math.Max(((g.OutW - 1) * g.SW) + ((g.KW - 1) * g.DW) + 1, g.PW + g.InW));

    /// <summary>Offset of tap (kh, kw) from an output's first tap, in (kh, kw) order, for padded rows of <paramref name="rowLength"/> floats.</summary>
    public static void TapOffsets(NnGeometry g, long rowLength, long* taps)
    {
        for (int kh = 0, tap = 0; kh < g.KH; kh++)
        {
            for (int kw = 0; kw < g.KW; kw++, tap++)
            {
                taps[tap] = ((long)kh * g.DH * rowLength) + ((long)kw * g.DW);
            }
        }
    }

    /// <summary>
    /// Padded rows <paramref name="first"/> + PH .. of one plane, <paramref name="count"/> of them (input row
    /// <paramref name="first"/> first, −PH for a whole plane), each <paramref name="rowLength"/> floats.
    /// </summary>
    public static void CopyRows(float* plane, float* target, NnGeometry g, int first, int count, int rowLength)
    {
        int right = rowLength - g.PW - g.InW;
        for (int r = 0; r < count; r++, target += rowLength)
        {
            int ih = first + r;
            if ((uint)ih >= (uint)g.InH)
            {
                new Span<float>(target, rowLength).Clear();
                continue;
            }

            new Span<float>(target, g.PW).Clear();
            new ReadOnlySpan<float>(plane + ((long)ih * g.InW), g.InW).CopyTo(new Span<float>(target + g.PW, g.InW));
            new Span<float>(target + g.PW + g.InW, right).Clear();
        }
    }
}
