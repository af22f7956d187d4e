using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime.Cuda;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model;

/// <summary>
/// Deterministic float32 math for the model operators: every function gives the same bits on the host, on ILGPU's
/// CPU accelerator and on CUDA, because it is built only from IEEE operations that round once (<see cref="StrictFloat"/>,
/// division and square root as <c>.rn</c> PTX), integer bit manipulation and float↔double conversions. No
/// <c>Math.*</c> (whose GPU versions are approximations that differ from the host's libm). Transcendentals are evaluated
/// in double with fixed-degree series after exact or Cody–Waite range reduction, then rounded once to float, so the
/// float results are within about 1 ulp of the correctly rounded value. Host loops for float32 call these same
/// functions, so a kernel and its host loop agree bit for bit. Float64 tensors run on the host with .NET's Math.
/// </summary>
public static class DetMath
{
    private const double Ln2Hi = 6.93147180369123816490e-01;
    private const double Ln2Lo = 1.90821492927058770002e-10;
    private const double InvLn2 = 1.44269504088896338700e+00;
    private const double PiOver2Hi = 1.57079632673412561417e+00;
    private const double PiOver2Lo = 6.07710050650619224932e-11;
    private const double TwoOverPi = 6.36619772367581382433e-01;
    private const double PiOver2 = 1.5707963267948966;
    private const double PiOver6 = 0.52359877559829887;
    private const double Sqrt3 = 1.7320508075688772;
    private const double TanPiOver12 = 0.26794919243112270;
    private const double TwoOverSqrtPi = 1.1283791670955126;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Div(float a, float b)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("div.rn.f32 %0, %1, %2;", out float r, a, b);
            return r;
        }

        return a / b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Div(double a, double b)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("div.rn.f64 %0, %1, %2;", out double r, a, b);
            return r;
        }

        return a / b;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sub(float a, float b) => StrictFloat.Add(a, -b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sub(double a, double b) => StrictFloat.Add(a, -b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sqrt(float x)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("sqrt.rn.f32 %0, %1;", out float r, x);
            return r;
        }

        return MathF.Sqrt(x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Sqrt(double x)
    {
        if (CudaAsm.IsSupported)
        {
            CudaAsm.Emit("sqrt.rn.f64 %0, %1;", out double r, x);
            return r;
        }

        return Math.Sqrt(x);
    }

    public static bool IsNaN(float x) => (Interop.FloatAsInt(x) & 0x7FFFFFFFu) > 0x7F800000u;

    public static bool IsNaN(double x) => (Interop.FloatAsInt(x) & 0x7FFFFFFFFFFFFFFFul) > 0x7FF0000000000000ul;

    public static bool IsInf(float x) => (Interop.FloatAsInt(x) & 0x7FFFFFFFu) == 0x7F800000u;

    public static float Abs(float x) => Interop.IntAsFloat(Interop.FloatAsInt(x) & 0x7FFFFFFFu);

    public static double Abs(double x) => Interop.IntAsFloat(Interop.FloatAsInt(x) & 0x7FFFFFFFFFFFFFFFul);

    public static float CopySign(float magnitude, float sign) =>
        Interop.IntAsFloat((Interop.FloatAsInt(magnitude) & 0x7FFFFFFFu) | (Interop.FloatAsInt(sign) & 0x80000000u));

    /// <summary>Round to nearest integer, ties to even (ONNX Round), exact.</summary>
    public static float RoundHalfEven(float x)
    {
        float a = Abs(x);
        if (!(a < 8388608f))
        {
            return x; // already integral, inf or NaN
        }

        float r = StrictFloat.Add(StrictFloat.Add(a, 8388608f), -8388608f);
        return CopySign(r, x);
    }

    public static float Floor(float x)
    {
        if (!(Abs(x) < 8388608f))
        {
            return x;
        }

        float t = (int)x; // truncation toward zero, exact for |x| < 2^23
        if (t > x)
        {
            t = StrictFloat.Add(t, -1f);
        }

        return t == 0f ? CopySign(0f, x) : t;
    }

    public static float Ceil(float x)
    {
        if (!(Abs(x) < 8388608f))
        {
            return x;
        }

        float t = (int)x;
        if (t < x)
        {
            t = StrictFloat.Add(t, 1f);
        }

        return t == 0f ? CopySign(0f, x) : t;
    }

    /// <summary>2^k as a double for k in [-1022, 1023].</summary>
    private static double Pow2(int k) => Interop.IntAsFloat((ulong)(long)(k + 1023) << 52);

    /// <summary>Round to nearest integer (ties to even) of a double with |x| &lt; 2^51.</summary>
    private static double RoundToInt(double x)
    {
        const double Magic = 6755399441055744.0; // 1.5 · 2^52
        return Sub(StrictFloat.Add(x, Magic), Magic);
    }

    /// <summary>e^x in double (relative error about 1e-15), for |x| up to about 745.</summary>
    public static double ExpD(double x)
    {
        if (IsNaN(x))
        {
            return x;
        }

        if (x > 709.7)
        {
            return double.PositiveInfinity;
        }

        if (x < -745.2)
        {
            return 0.0;
        }

        double n = RoundToInt(StrictFloat.Mul(x, InvLn2));
        double r = Sub(Sub(x, StrictFloat.Mul(n, Ln2Hi)), StrictFloat.Mul(n, Ln2Lo));
        // Taylor series to degree 12 on |r| <= 0.35 (truncation below 1e-17).
        double p = 1.0 / 479001600.0;
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 1.0 / 39916800.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 1.0 / 3628800.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 1.0 / 362880.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 1.0 / 40320.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 1.0 / 5040.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 1.0 / 720.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 1.0 / 120.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 1.0 / 24.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 1.0 / 6.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 0.5);
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 1.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, r), 1.0);
        int k = (int)n;
        int k1 = k / 2;
        return StrictFloat.Mul(StrictFloat.Mul(p, Pow2(k1)), Pow2(k - k1));
    }

    /// <summary>
    /// <see cref="ExpD"/> on 8 lanes of non-NaN x ≤ 0 (the host's vector Sigmoid): the same operations in the same
    /// order, each an IEEE double operation (no contraction); 2^k split as 2^(k/2) · 2^(k − k/2) with k/2 truncated.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<double> ExpNonPositive(Vector512<double> x)
    {
        const double Magic = 6755399441055744.0; // 1.5 · 2^52, as RoundToInt
        Vector512<double> n = (x * Vector512.Create(InvLn2)) + Vector512.Create(Magic) + Vector512.Create(-Magic);
        Vector512<double> r = x + (-(n * Vector512.Create(Ln2Hi))) + (-(n * Vector512.Create(Ln2Lo)));
        Vector512<double> p = Vector512.Create(1.0 / 479001600.0);
        p = (p * r) + Vector512.Create(1.0 / 39916800.0);
        p = (p * r) + Vector512.Create(1.0 / 3628800.0);
        p = (p * r) + Vector512.Create(1.0 / 362880.0);
        p = (p * r) + Vector512.Create(1.0 / 40320.0);
        p = (p * r) + Vector512.Create(1.0 / 5040.0);
        p = (p * r) + Vector512.Create(1.0 / 720.0);
        p = (p * r) + Vector512.Create(1.0 / 120.0);
        p = (p * r) + Vector512.Create(1.0 / 24.0);
        p = (p * r) + Vector512.Create(1.0 / 6.0);
        p = (p * r) + Vector512.Create(0.5);
        p = (p * r) + Vector512.Create(1.0);
        p = (p * r) + Vector512.Create(1.0);
        Vector512<double> k1 = Vector512.Truncate(n * Vector512.Create(0.5));
        Vector512<double> result = p * Pow2(k1) * Pow2(n - k1);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(-745.2)), Vector512<double>.Zero, result);

        // 2^m for integral m in [−1022, 1023]: m + 1023 lands in the low mantissa bits of m + 1023 + 2^52.
        static Vector512<double> Pow2(Vector512<double> m) =>
            Vector512.ShiftLeft((m + Vector512.Create(1023.0 + 4503599627370496.0)).AsUInt64(), 52).AsDouble();
    }

    /// <summary>e^x − 1 in double, accurate near 0.</summary>
    public static double Expm1D(double x)
    {
        if (Abs(x) < 0.35)
        {
            // Taylor series to degree 14.
            double p = 1.0 / 87178291200.0;
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0 / 6227020800.0);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0 / 479001600.0);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0 / 39916800.0);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0 / 3628800.0);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0 / 362880.0);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0 / 40320.0);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0 / 5040.0);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0 / 720.0);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0 / 120.0);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0 / 24.0);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0 / 6.0);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 0.5);
            p = StrictFloat.Add(StrictFloat.Mul(p, x), 1.0);
            return StrictFloat.Mul(p, x);
        }

        return Sub(ExpD(x), 1.0);
    }

    /// <summary>Natural logarithm in double (relative error about 1e-15).</summary>
    public static double LogD(double x)
    {
        if (IsNaN(x) || x < 0)
        {
            return double.NaN;
        }

        if (x == 0)
        {
            return double.NegativeInfinity;
        }

        if (x == double.PositiveInfinity)
        {
            return x;
        }

        int e = 0;
        if (x < 2.2250738585072014e-308)
        {
            x = StrictFloat.Mul(x, 18014398509481984.0); // 2^54
            e = -54;
        }

        ulong bits = Interop.FloatAsInt(x);
        e += (int)((bits >> 52) & 0x7FF) - 1023;
        double m = Interop.IntAsFloat((bits & 0x000FFFFFFFFFFFFFul) | 0x3FF0000000000000ul);
        if (m > 1.4142135623730951)
        {
            m = StrictFloat.Mul(m, 0.5);
            e += 1;
        }

        double f = Sub(m, 1.0);
        double s = Div(f, StrictFloat.Add(2.0, f));
        double s2 = StrictFloat.Mul(s, s);
        // log(1+f) = 2·atanh(s) = 2s(1 + s²/3 + s⁴/5 + …), |s| <= 0.172.
        double p = 1.0 / 19.0;
        p = StrictFloat.Add(StrictFloat.Mul(p, s2), 1.0 / 17.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, s2), 1.0 / 15.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, s2), 1.0 / 13.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, s2), 1.0 / 11.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, s2), 1.0 / 9.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, s2), 1.0 / 7.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, s2), 1.0 / 5.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, s2), 1.0 / 3.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, s2), 1.0);
        double log1pf = StrictFloat.Mul(StrictFloat.Mul(2.0, s), p);
        double ed = e;
        return StrictFloat.Add(StrictFloat.Mul(ed, Ln2Hi), StrictFloat.Add(StrictFloat.Mul(ed, Ln2Lo), log1pf));
    }

    /// <summary>log(1 + u) in double, accurate near 0.</summary>
    public static double Log1pD(double u)
    {
        double w = StrictFloat.Add(1.0, u);
        if (w == 1.0)
        {
            return u;
        }

        // log(w) corrected for the rounding of 1 + u.
        return Sub(LogD(w), Div(Sub(Sub(w, 1.0), u), w));
    }

    /// <summary>sin and cos of x in double after reduction by π/2 (accurate for |x| up to about 1e9).</summary>
    private static void SinCosD(double x, out double sin, out double cos)
    {
        double k = RoundToInt(StrictFloat.Mul(x, TwoOverPi));
        double r = Sub(Sub(x, StrictFloat.Mul(k, PiOver2Hi)), StrictFloat.Mul(k, PiOver2Lo));
        double r2 = StrictFloat.Mul(r, r);
        // |r| <= π/4: Taylor series, sin to r^17, cos to r^18.
        double ps = -1.0 / 355687428096000.0;
        ps = StrictFloat.Add(StrictFloat.Mul(ps, r2), 1.0 / 1307674368000.0);
        ps = StrictFloat.Add(StrictFloat.Mul(ps, r2), -1.0 / 6227020800.0);
        ps = StrictFloat.Add(StrictFloat.Mul(ps, r2), 1.0 / 39916800.0);
        ps = StrictFloat.Add(StrictFloat.Mul(ps, r2), -1.0 / 362880.0);
        ps = StrictFloat.Add(StrictFloat.Mul(ps, r2), 1.0 / 5040.0);
        ps = StrictFloat.Add(StrictFloat.Mul(ps, r2), -1.0 / 120.0);
        ps = StrictFloat.Add(StrictFloat.Mul(ps, r2), 1.0 / 6.0);
        double s = Sub(r, StrictFloat.Mul(StrictFloat.Mul(r, r2), ps));
        double pc = 1.0 / 6402373705728000.0;
        pc = StrictFloat.Add(StrictFloat.Mul(pc, r2), -1.0 / 20922789888000.0);
        pc = StrictFloat.Add(StrictFloat.Mul(pc, r2), 1.0 / 87178291200.0);
        pc = StrictFloat.Add(StrictFloat.Mul(pc, r2), -1.0 / 479001600.0);
        pc = StrictFloat.Add(StrictFloat.Mul(pc, r2), 1.0 / 3628800.0);
        pc = StrictFloat.Add(StrictFloat.Mul(pc, r2), -1.0 / 40320.0);
        pc = StrictFloat.Add(StrictFloat.Mul(pc, r2), 1.0 / 720.0);
        pc = StrictFloat.Add(StrictFloat.Mul(pc, r2), -1.0 / 24.0);
        pc = StrictFloat.Add(StrictFloat.Mul(pc, r2), 0.5);
        double c = Sub(1.0, StrictFloat.Mul(r2, pc));
        int q = (int)((long)k & 3);
        sin = q == 0 ? s : q == 1 ? c : q == 2 ? -s : -c;
        cos = q == 0 ? c : q == 1 ? -s : q == 2 ? -c : s;
    }

    public static float Exp(float x) => (float)ExpD(x);

    public static float Log(float x) => (float)LogD(x);

    public static float Sin(float x)
    {
        if (IsInf(x) || IsNaN(x))
        {
            return float.NaN;
        }

        SinCosD(x, out double s, out _);
        return (float)s;
    }

    public static float Cos(float x)
    {
        if (IsInf(x) || IsNaN(x))
        {
            return float.NaN;
        }

        SinCosD(x, out _, out double c);
        return (float)c;
    }

    public static float Tan(float x)
    {
        if (IsInf(x) || IsNaN(x))
        {
            return float.NaN;
        }

        SinCosD(x, out double s, out double c);
        return (float)Div(s, c);
    }

    public static float Atan(float x)
    {
        if (IsNaN(x))
        {
            return x;
        }

        double a = Abs((double)x);
        bool invert = a > 1.0;
        if (invert)
        {
            a = Div(1.0, a);
        }

        bool shift = a > TanPiOver12;
        if (shift)
        {
            a = Div(Sub(StrictFloat.Mul(a, Sqrt3), 1.0), StrictFloat.Add(Sqrt3, a));
        }

        double a2 = StrictFloat.Mul(a, a);
        // |a| <= tan(π/12): atan a = a − a³/3 + a⁵/5 − … to a^23.
        double p = -1.0 / 23.0;
        p = StrictFloat.Add(StrictFloat.Mul(p, a2), 1.0 / 21.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, a2), -1.0 / 19.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, a2), 1.0 / 17.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, a2), -1.0 / 15.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, a2), 1.0 / 13.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, a2), -1.0 / 11.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, a2), 1.0 / 9.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, a2), -1.0 / 7.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, a2), 1.0 / 5.0);
        p = StrictFloat.Add(StrictFloat.Mul(p, a2), -1.0 / 3.0);
        double t = StrictFloat.Add(a, StrictFloat.Mul(StrictFloat.Mul(a, a2), p));
        if (shift)
        {
            t = StrictFloat.Add(PiOver6, t);
        }

        if (invert)
        {
            t = Sub(PiOver2, t);
        }

        return x < 0 ? (float)-t : (float)t;
    }

    public static double TanhD(double x)
    {
        double a = Abs(x);
        if (a > 22.0)
        {
            return x > 0 ? 1.0 : -1.0;
        }

        double e = Expm1D(StrictFloat.Mul(2.0, a));
        double t = Div(e, StrictFloat.Add(e, 2.0));
        return x < 0 ? -t : t;
    }

    public static float Tanh(float x) => IsNaN(x) ? x : (float)TanhD(x);

    /// <summary>
    /// erf in double: erf x = (2/√π)·e^(−x²)·x·Σ 2ⁿx²ⁿ/(2n+1)!! for |x| &lt; 3.95 (all terms positive, so no
    /// cancellation; Horner with constant coefficients, no divisions; 34 terms for |x| &lt; 2, 61 beyond), ±1 beyond
    /// (erfc(3.95) is below half an ulp of 1f). Relative error about 1e-15.
    /// </summary>
    public static double ErfD(double x)
    {
        if (IsNaN(x))
        {
            return x;
        }

        double a = Abs(x);
        if (a >= 3.95)
        {
            return x > 0 ? 1.0 : -1.0;
        }

        double y = StrictFloat.Mul(a, a);
        bool large = y >= 4.0;
        double p = 0.0;
        if (large)
        {
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.3664542996883966e-83); // 2^60/121!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 8.2670485131148e-82); // 2^59/119!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 4.918893865303306e-80); // 2^58/117!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 2.877552911202434e-78); // 2^57/115!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.6545929239413994e-76); // 2^56/113!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 9.348450020268907e-75); // 2^55/111!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 5.1883897612492436e-73); // 2^54/109!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 2.827672419880838e-71); // 2^53/107!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.5128047446362483e-69); // 2^52/105!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 7.942224909340303e-68); // 2^51/103!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 4.090245828310256e-66); // 2^50/101!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 2.0655741432966792e-64); // 2^49/99!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.0224592009318562e-62); // 2^48/97!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 4.958927124519503e-61); // 2^47/95!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 2.355490384146764e-59); // 2^46/93!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.0953030286282452e-57); // 2^45/91!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 4.983628780258516e-56); // 2^44/89!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 2.2177148072150395e-54); // 2^43/87!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 9.647059411385421e-53); // 2^42/85!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 4.1000002498388044e-51); // 2^41/83!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.7015001036831038e-49); // 2^40/81!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 6.89107541991657e-48); // 2^39/79!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 2.7219747908670452e-46); // 2^38/77!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.0479602944838124e-44); // 2^37/75!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 3.9298511043142966e-43); // 2^36/73!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.4343956530747183e-41); // 2^35/71!!
            p = StrictFloat.Add(StrictFloat.Mul(p, y), 5.09210456841525e-40); // 2^34/69!!
        }

        p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.7567760761032612e-38); // 2^33/67!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 5.885199854945925e-37); // 2^32/65!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.9126899528574255e-35); // 2^31/63!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 6.02497335150089e-34); // 2^30/61!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.8376168722077716e-32); // 2^29/59!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 5.420969773012926e-31); // 2^28/57!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.544976385308684e-29); // 2^27/55!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 4.248685059598881e-28); // 2^26/53!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.1259015407937035e-26); // 2^25/51!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 2.871048929023944e-25); // 2^24/49!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 7.034069876108662e-24); // 2^23/47!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.6530064208855358e-22); // 2^22/45!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 3.7192644469924554e-21); // 2^21/43!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 7.99641856103378e-20); // 2^20/41!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.639265805011925e-18); // 2^19/39!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 3.196568319773254e-17); // 2^18/37!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 5.913651391580519e-16); // 2^17/35!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.0348889935265908e-14); // 2^16/33!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.7075668393188747e-13); // 2^15/31!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 2.6467286009442557e-12); // 2^14/29!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 3.837756471369171e-11); // 2^13/27!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 5.180971236348381e-10); // 2^12/25!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 6.476214045435477e-09); // 2^11/23!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 7.447646152250799e-08); // 2^10/21!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 7.820028459863339e-07); // 2^9/19!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 7.429027036870172e-06); // 2^8/17!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 6.314672981339646e-05); // 2^7/15!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 0.00047360047360047353); // 2^6/13!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 0.003078403078403078); // 2^5/11!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 0.01693121693121693); // 2^4/9!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 0.07619047619047618); // 2^3/7!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 0.26666666666666666); // 2^2/5!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 0.6666666666666666); // 2^1/3!!
        p = StrictFloat.Add(StrictFloat.Mul(p, y), 1.0); // 2^0/1!!
        double r = StrictFloat.Mul(StrictFloat.Mul(StrictFloat.Mul(TwoOverSqrtPi, ExpD(-y)), a), p);
        r = r > 1.0 ? 1.0 : r;
        return x < 0 ? -r : r;
    }

    public static float Erf(float x) => (float)ErfD(x);

    public static float Sigmoid(float x)
    {
        if (IsNaN(x))
        {
            return x;
        }

        double d = x;
        if (d >= 0)
        {
            return (float)Div(1.0, StrictFloat.Add(1.0, ExpD(-d)));
        }

        double e = ExpD(d);
        return (float)Div(e, StrictFloat.Add(1.0, e));
    }

    /// <summary>log(1 + e^x), without overflow.</summary>
    public static float Softplus(float x)
    {
        if (IsNaN(x))
        {
            return x;
        }

        double d = x;
        return d > 0 ? (float)StrictFloat.Add(d, Log1pD(ExpD(-d))) : (float)Log1pD(ExpD(d));
    }

    /// <summary>C pow for floats: evaluated as e^(y·log|x|) in double with the C99 special cases.</summary>
    public static float Pow(float x, float y)
    {
        if (y == 0f || x == 1f)
        {
            return 1f;
        }

        if (IsNaN(x) || IsNaN(y))
        {
            return float.NaN;
        }

        bool yIsInt = Floor(y) == y;
        bool yOdd = yIsInt && Abs(y) < 16777216f && (((long)y) & 1) != 0;
        if (IsInf(y))
        {
            float ax = Abs(x);
            if (ax == 1f)
            {
                return 1f;
            }

            return (ax < 1f) == (y > 0) ? 0f : float.PositiveInfinity;
        }

        if (x == 0f)
        {
            float mag = y > 0 ? 0f : float.PositiveInfinity;
            return yOdd ? CopySign(mag, x) : mag;
        }

        if (IsInf(x))
        {
            float mag = y > 0 ? float.PositiveInfinity : 0f;
            return x < 0 && yOdd ? -mag : mag;
        }

        if (x < 0 && !yIsInt)
        {
            return float.NaN;
        }

        double l = LogD(Abs((double)x));
        float r = (float)ExpD(StrictFloat.Mul((double)y, l));
        return x < 0 && yOdd ? -r : r;
    }

    /// <summary>C fmod for floats, exact (integer long division on the significands, as musl's fmodf).</summary>
    public static float Fmod(float x, float y)
    {
        uint ux = Interop.FloatAsInt(x), uy = Interop.FloatAsInt(y);
        int ex = (int)((ux >> 23) & 0xFF), ey = (int)((uy >> 23) & 0xFF);
        uint sx = ux & 0x80000000u;
        if ((uy << 1) == 0 || IsNaN(y) || ex == 0xFF)
        {
            return float.NaN;
        }

        if ((ux << 1) <= (uy << 1))
        {
            return (ux << 1) == (uy << 1) ? Interop.IntAsFloat(sx) : x;
        }

        uint mx, my;
        if (ex == 0)
        {
            int shift = 0;
            for (uint i = ux << 9; (i >> 31) == 0; i <<= 1)
            {
                shift++;
            }

            ex = -shift;
            mx = ux << (-ex + 1);
        }
        else
        {
            mx = (ux & 0x007FFFFFu) | 0x00800000u;
        }

        if (ey == 0)
        {
            int shift = 0;
            for (uint i = uy << 9; (i >> 31) == 0; i <<= 1)
            {
                shift++;
            }

            ey = -shift;
            my = uy << (-ey + 1);
        }
        else
        {
            my = (uy & 0x007FFFFFu) | 0x00800000u;
        }

        for (; ex > ey; ex--)
        {
            uint d = mx - my;
            if ((d >> 31) == 0)
            {
                if (d == 0)
                {
                    return Interop.IntAsFloat(sx);
                }

                mx = d;
            }

            mx <<= 1;
        }

        uint dd = mx - my;
        if ((dd >> 31) == 0)
        {
            if (dd == 0)
            {
                return Interop.IntAsFloat(sx);
            }

            mx = dd;
        }

        for (; (mx >> 23) == 0; mx <<= 1)
        {
            ex--;
        }

        if (ex > 0)
        {
            mx -= 0x00800000u;
            mx |= (uint)ex << 23;
        }
        else
        {
            mx >>= -ex + 1;
        }

        return Interop.IntAsFloat(mx | sx);
    }
}
