namespace SysNoise.Kernels.Decode;

/// <summary>
/// libjpeg-turbo 2.1.5's progressive block smoothing (<c>jdcoefct.c decompress_smooth_data</c>): for a progressive
/// file whose first AC coefficients were not all sent in full (a truncated file), the first 9 AC coefficients of each
/// block that are still zero, and with no AC data at all the DC too, are estimated from the DC values of the block's
/// 5×5 neighbourhood. It is a coefficient-domain step before the IDCT, run on the host for every device.
/// </summary>
public static class BlockSmoothing
{
    /// <summary>Smoothing inputs for one component.</summary>
    public readonly record struct Component(
        short[] Blocks, int WidthInBlocks, int HeightInBlocks, int VerticalSampling, ushort[] Quant, int[] CoefBitsLatch, int[] PrevCoefBitsLatch);

    /// <summary>Returns the smoothed blocks of one component (the input is not modified).</summary>
    public static short[] Apply(Component c, int totalImcuRows, int lastGoodImcuRow)
    {
        short[] src = c.Blocks;
        short[] dst = (short[])src.Clone();
        int w = c.WidthInBlocks;
        int lastImcuRow = totalImcuRows - 1;
        long q00 = c.Quant[0], q01 = c.Quant[1], q10 = c.Quant[8], q20 = c.Quant[16], q11 = c.Quant[9], q02 = c.Quant[2];
        long q03 = c.Quant[3], q12 = c.Quant[10], q21 = c.Quant[17], q30 = c.Quant[24];
        int v = c.VerticalSampling;
        for (int imcu = 0; imcu < totalImcuRows; imcu++)
        {
            int blockRows;
            if (imcu < lastImcuRow)
            {
                blockRows = v;
            }
            else
            {
                blockRows = c.HeightInBlocks % v;
                blockRows = blockRows == 0 ? v : blockRows;
            }

            int[] bits = imcu > lastGoodImcuRow ? c.PrevCoefBitsLatch : c.CoefBitsLatch;
            bool changeDc = bits[1] == -1 && bits[2] == -1 && bits[3] == -1 && bits[4] == -1 && bits[5] == -1
                && bits[6] == -1 && bits[7] == -1 && bits[8] == -1 && bits[9] == -1;
            for (int blockRow = 0; blockRow < blockRows; blockRow++)
            {
                int row = (imcu * v) + blockRow;
                if (row >= c.HeightInBlocks)
                {
                    break;
                }

                // The neighbour rows libjpeg picks, including its quirks at the top of the image.
                int prev = blockRow > 0 || imcu > 0 ? row - 1 : row;
                int prevPrev = blockRow > 1 || imcu > 1 ? row - 2 : prev;
                int next = blockRow < blockRows - 1 || imcu < lastImcuRow ? row + 1 : row;
                int nextNext = blockRow < blockRows - 2 || imcu + 1 < lastImcuRow ? row + 2 : next;
                SmoothRow(src, dst, w, [prevPrev, prev, row, next, nextNext], bits, changeDc, q00, q01, q10, q20, q11, q02, q03, q12, q21, q30);
            }
        }

        return dst;
    }

    private static int Dc(short[] blocks, int w, int row, int col) => blocks[(((long)row * w) + col) * 64];

    private static void SmoothRow(short[] src, short[] dst, int w, int[] rows, int[] bits, bool changeDc,
        long q00, long q01, long q10, long q20, long q11, long q02, long q03, long q12, long q21, long q30)
    {
        // d[r, k]: DC of neighbour row r (0..4 = two above .. two below), column offset k-2 (the sliding registers DC01..DC25).
        var d = new int[5, 5];
        for (int r = 0; r < 5; r++)
        {
            int dc = Dc(src, w, rows[r], 0);
            for (int k = 0; k < 5; k++)
            {
                d[r, k] = dc;
            }
        }

        int lastBlockColumn = w - 1;
        for (int col = 0; col < w; col++)
        {
            if (col == 0 && col < lastBlockColumn)
            {
                for (int r = 0; r < 5; r++)
                {
                    d[r, 3] = Dc(src, w, rows[r], 1);
                }
            }

            if (col + 1 < lastBlockColumn)
            {
                for (int r = 0; r < 5; r++)
                {
                    d[r, 4] = Dc(src, w, rows[r], col + 2);
                }
            }

            long o = (((long)rows[2] * w) + col) * 64;
            int dc01 = d[0, 0], dc02 = d[0, 1], dc03 = d[0, 2], dc04 = d[0, 3], dc05 = d[0, 4];
            int dc06 = d[1, 0], dc07 = d[1, 1], dc08 = d[1, 2], dc09 = d[1, 3], dc10 = d[1, 4];
            int dc11 = d[2, 0], dc12 = d[2, 1], dc13 = d[2, 2], dc14 = d[2, 3], dc15 = d[2, 4];
            int dc16 = d[3, 0], dc17 = d[3, 1], dc18 = d[3, 2], dc19 = d[3, 3], dc20 = d[3, 4];
            int dc21 = d[4, 0], dc22 = d[4, 1], dc23 = d[4, 2], dc24 = d[4, 3], dc25 = d[4, 4];

            Estimate(dst, o + 1, bits[1], q00, q01, changeDc
                ? -dc01 - dc02 + dc04 + dc05 - (3 * dc06) + (13 * dc07) - (13 * dc09) + (3 * dc10) - (3 * dc11) + (38 * dc12) - (38 * dc14)
                  + (3 * dc15) - (3 * dc16) + (13 * dc17) - (13 * dc19) + (3 * dc20) - dc21 - dc22 + dc24 + dc25
                : (-7 * dc11) + (50 * dc12) - (50 * dc14) + (7 * dc15));
            Estimate(dst, o + 8, bits[2], q00, q10, changeDc
                ? -dc01 - (3 * dc02) - (3 * dc03) - (3 * dc04) - dc05 - dc06 + (13 * dc07) + (38 * dc08) + (13 * dc09) - dc10 + dc16
                  - (13 * dc17) - (38 * dc18) - (13 * dc19) + dc20 + dc21 + (3 * dc22) + (3 * dc23) + (3 * dc24) + dc25
                : (-7 * dc03) + (50 * dc08) - (50 * dc18) + (7 * dc23));
            Estimate(dst, o + 16, bits[3], q00, q20, changeDc
                ? dc03 + (2 * dc07) + (7 * dc08) + (2 * dc09) - (5 * dc12) - (14 * dc13) - (5 * dc14) + (2 * dc17) + (7 * dc18) + (2 * dc19) + dc23
                : -dc03 + (13 * dc08) - (24 * dc13) + (13 * dc18) - dc23);
            Estimate(dst, o + 9, bits[4], q00, q11, changeDc
                ? -dc01 + dc05 + (9 * dc07) - (9 * dc09) - (9 * dc17) + (9 * dc19) + dc21 - dc25
                : dc10 + dc16 - (10 * dc17) + (10 * dc19) - dc02 - dc20 + dc22 - dc24 + dc04 - dc06 + (10 * dc07) - (10 * dc09));
            Estimate(dst, o + 2, bits[5], q00, q02, changeDc
                ? (2 * dc07) - (5 * dc08) + (2 * dc09) + dc11 + (7 * dc12) - (14 * dc13) + (7 * dc14) + dc15 + (2 * dc17) - (5 * dc18) + (2 * dc19)
                : -dc11 + (13 * dc12) - (24 * dc13) + (13 * dc14) - dc15);
            if (changeDc)
            {
                Estimate(dst, o + 3, bits[6], q00, q03, dc07 - dc09 + (2 * dc12) - (2 * dc14) + dc17 - dc19);
                Estimate(dst, o + 10, bits[7], q00, q12, dc07 - (3 * dc08) + dc09 - dc17 + (3 * dc18) - dc19);
                Estimate(dst, o + 17, bits[8], q00, q21, dc07 - dc09 - (3 * dc12) + (3 * dc14) + dc17 - dc19);
                Estimate(dst, o + 24, bits[9], q00, q30, dc07 + (2 * dc08) + dc09 - dc17 - (2 * dc18) - dc19);
                long num = q00 * ((-2 * dc01) - (6 * dc02) - (8 * dc03) - (6 * dc04) - (2 * dc05) - (6 * dc06) + (6 * dc07) + (42 * dc08)
                    + (6 * dc09) - (6 * dc10) - (8 * dc11) + (42 * dc12) + (152 * dc13) + (42 * dc14) - (8 * dc15) - (6 * dc16) + (6 * dc17)
                    + (42 * dc18) + (6 * dc19) - (6 * dc20) - (2 * dc21) - (6 * dc22) - (8 * dc23) - (6 * dc24) - (2 * dc25));
                int pred = num >= 0 ? (int)(((q00 << 7) + num) / (q00 << 8)) : -(int)(((q00 << 7) - num) / (q00 << 8));
                dst[o] = (short)pred;
            }

            // Slide the registers one column right.
            for (int r = 0; r < 5; r++)
            {
                d[r, 0] = d[r, 1];
                d[r, 1] = d[r, 2];
                d[r, 2] = d[r, 3];
                d[r, 3] = d[r, 4];
            }
        }
    }

    // One AC estimate: only if the coefficient is not yet known to full precision and is still zero.
    private static void Estimate(short[] dst, long index, int al, long q00, long qk, int dcSum)
    {
        if (al == 0 || dst[index] != 0)
        {
            return;
        }

        long num = q00 * dcSum;
        int pred;
        if (num >= 0)
        {
            pred = (int)(((qk << 7) + num) / (qk << 8));
            if (al > 0 && pred >= (1 << al))
            {
                pred = (1 << al) - 1;
            }
        }
        else
        {
            pred = (int)(((qk << 7) - num) / (qk << 8));
            if (al > 0 && pred >= (1 << al))
            {
                pred = (1 << al) - 1;
            }

            pred = -pred;
        }

        dst[index] = (short)pred;
    }
}
