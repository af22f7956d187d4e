namespace SysNoise.Kernels.Resize.Pillow;

/// <summary>Pillow's resampling filters (libImaging/Resample.c), evaluated in double as Pillow does.</summary>
public enum PillowFilter
{
    Nearest,
    Box,
    Bilinear,
    Hamming,
    Bicubic,
    Lanczos,
}

/// <summary>The filter functions and supports of Pillow's Resample.c.</summary>
public static class PillowFilterFunctions
{
    // Pillow writes these as float literals (0.54f, 0.46f): their double values are not 0.54 and 0.46.
    private const double HammingA = 0.54f;
    private const double HammingB = 0.46f;
    private const double BicubicA = -0.5;

    public static double Support(PillowFilter filter) => filter switch
    {
        PillowFilter.Box => 0.5,
        PillowFilter.Bilinear or PillowFilter.Hamming => 1.0,
        PillowFilter.Bicubic => 2.0,
        PillowFilter.Lanczos => 3.0,
        _ => throw new ArgumentOutOfRangeException(nameof(filter), "Nearest does not go through Resample.c."),
    };

    public static double Evaluate(PillowFilter filter, double x) => filter switch
    {
        PillowFilter.Box => x > -0.5 && x <= 0.5 ? 1.0 : 0.0,
        PillowFilter.Bilinear => Triangle(x),
        PillowFilter.Hamming => Hamming(x),
        PillowFilter.Bicubic => Bicubic(x),
        PillowFilter.Lanczos => -3.0 <= x && x < 3.0 ? Sinc(x) * Sinc(x / 3) : 0.0,
        _ => throw new ArgumentOutOfRangeException(nameof(filter)),
    };

    private static double Triangle(double x)
    {
        x = Math.Abs(x);
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double Hamming(double x)
    {
        x = Math.Abs(x);
        if (x == 0.0)
        {
            return 1.0;
        }

        if (x >= 1.0)
        {
            return 0.0;
        }

        x *= Math.PI;
        return Math.Sin(x) / x * (HammingA + (HammingB * Math.Cos(x)));
    }

    private static double Bicubic(double x)
    {
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return ((((BicubicA + 2.0) * x) - (BicubicA + 3.0)) * x * x) + 1;
        }

        if (x < 2.0)
        {
            return ((((x - 5) * x) + 8) * x - 4) * BicubicA;
        }

        return 0.0;
    }

    private static double Sinc(double x)
    {
        if (x == 0.0)
        {
            return 1.0;
        }

        x *= Math.PI;
        return Math.Sin(x) / x;
    }
}
