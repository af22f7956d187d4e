namespace SysNoise.Tests.Support;

/// <summary>Distance between floats in units in the last place (NaN vs NaN is 0; NaN vs number is huge).</summary>
public static class Ulps
{
    public static long Between(float a, float b)
    {
        if (float.IsNaN(a) || float.IsNaN(b))
        {
            return float.IsNaN(a) && float.IsNaN(b) ? 0 : long.MaxValue;
        }

        return Math.Abs(Ordered(a) - Ordered(b));
    }

    // Maps floats to integers that are ordered like the floats, so ulps are a subtraction (±0 coincide).
    private static long Ordered(float f)
    {
        int bits = BitConverter.SingleToInt32Bits(f);
        return bits < 0 ? -(long)(bits & int.MaxValue) : bits;
    }
}
