using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Elementwise;

/// <summary>
/// A per-element float op. <see cref="Apply(float)"/> is what both the ILGPU kernel and the float32 host loop run
/// (so it uses only <see cref="DetMath"/>/<see cref="StrictFloat"/>); <see cref="Apply(double)"/> serves float64
/// tensors on the host (plain .NET math).
/// </summary>
public interface IUnaryOp
{
    float Apply(float x);

    double Apply(double x);
}

/// <summary>
/// A unary op with a 16-lane form whose every lane has the bits of <see cref="IUnaryOp.Apply(float)"/> (host loops
/// only; the ILGPU kernels never call it).
/// </summary>
public interface IVectorUnaryOp : IUnaryOp
{
    Vector512<float> Apply(Vector512<float> x);
}

public readonly struct AbsOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Abs(x);

    public double Apply(double x) => Math.Abs(x);
}

public readonly struct NegOp : IUnaryOp
{
    public float Apply(float x) => -x;

    public double Apply(double x) => -x;
}

public readonly struct SqrtOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Sqrt(x);

    public double Apply(double x) => Math.Sqrt(x);
}

public readonly struct ExpOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Exp(x);

    public double Apply(double x) => Math.Exp(x);
}

public readonly struct LogOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Log(x);

    public double Apply(double x) => Math.Log(x);
}

public readonly struct ReciprocalOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Div(1f, x);

    public double Apply(double x) => 1.0 / x;
}

public readonly struct FloorOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Floor(x);

    public double Apply(double x) => Math.Floor(x);
}

public readonly struct CeilOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Ceil(x);

    public double Apply(double x) => Math.Ceiling(x);
}

/// <summary>Round half to even.</summary>
public readonly struct RoundOp : IUnaryOp
{
    public float Apply(float x) => DetMath.RoundHalfEven(x);

    public double Apply(double x) => Math.Round(x, MidpointRounding.ToEven);
}

public readonly struct SignOp : IUnaryOp
{
    public float Apply(float x) => x > 0 ? 1f : x < 0 ? -1f : x; // NaN and ±0 stay

    public double Apply(double x) => x > 0 ? 1.0 : x < 0 ? -1.0 : x;
}

public readonly struct SinOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Sin(x);

    public double Apply(double x) => Math.Sin(x);
}

public readonly struct CosOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Cos(x);

    public double Apply(double x) => Math.Cos(x);
}

public readonly struct TanOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Tan(x);

    public double Apply(double x) => Math.Tan(x);
}

public readonly struct AtanOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Atan(x);

    public double Apply(double x) => Math.Atan(x);
}

public readonly struct TanhOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Tanh(x);

    public double Apply(double x) => Math.Tanh(x);
}

public readonly struct ErfOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Erf(x);

    public double Apply(double x) => DetMath.ErfD(x);
}

/// <summary>max(x, 0): branch-free on the sign bit (random signs would mispredict); NaN stays NaN, −0 gives +0.</summary>
public readonly struct ReluOp : IVectorUnaryOp
{
    public float Apply(float x)
    {
        uint b = ILGPU.Interop.FloatAsInt(x);
        if ((b & 0x7FFFFFFFu) > 0x7F800000u)
        {
            return x;
        }

        return ILGPU.Interop.IntAsFloat(b & ~(uint)((int)b >> 31));
    }

    /// <summary>The same bit rule on 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> x)
    {
        Vector512<uint> b = x.AsUInt32();
        Vector512<uint> nan = Vector512.GreaterThan(b & Vector512.Create(0x7FFFFFFFu), Vector512.Create(0x7F800000u));
        Vector512<uint> cleared = Vector512.AndNot(b, Vector512.ShiftRightArithmetic(b.AsInt32(), 31).AsUInt32());
        return Vector512.ConditionalSelect(nan, b, cleared).AsSingle();
    }

    public double Apply(double x) => x < 0 ? 0 : x;
}

public readonly struct LeakyReluOp(float alpha) : IUnaryOp
{
    public readonly float Alpha = alpha;

    public float Apply(float x) => x < 0f ? StrictFloat.Mul(Alpha, x) : x;

    public double Apply(double x) => x < 0 ? Alpha * x : x;
}

public readonly struct SigmoidOp : IVectorUnaryOp
{
    public float Apply(float x) => DetMath.Sigmoid(x);

    /// <summary>
    /// <see cref="DetMath.Sigmoid"/> on 16 lanes, each the scalar's operations in double in the same order: e =
    /// <see cref="DetMath.ExpD"/>(−|x|) (both of the scalar's branches evaluate e^x at −|x|), then 1 / (1 + e) for x ≥ 0
    /// and e / (1 + e) otherwise, rounded once to float; NaN passes through.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> x)
    {
        Vector256<float> lo = Half(x.GetLower()), hi = Half(x.GetUpper());
        Vector512<float> r = Vector512.Create(lo, hi);
        return Vector512.ConditionalSelect(Vector512.Equals(x, x), r, x);

        static Vector256<float> Half(Vector256<float> h)
        {
            Vector512<double> d = System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512Double(h);
            Vector512<double> e = DetMath.ExpNonPositive(-Vector512.Abs(d));
            Vector512<double> denominator = Vector512.Create(1.0) + e;
            Vector512<double> q = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(d, Vector512<double>.Zero), Vector512.Create(1.0), e) / denominator;
            return System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector256Single(q);
        }
    }

    public double Apply(double x) => x >= 0 ? 1.0 / (1.0 + Math.Exp(-x)) : Math.Exp(x) / (1.0 + Math.Exp(x));
}

/// <summary>max(0, min(1, alpha·x + beta)), product and sum rounded separately.</summary>
public readonly struct HardSigmoidOp(float alpha, float beta) : IUnaryOp
{
    public readonly float Alpha = alpha;
    public readonly float Beta = beta;

    public float Apply(float x)
    {
        float v = StrictFloat.Add(StrictFloat.Mul(Alpha, x), Beta);
        return DetMath.IsNaN(v) ? v : v < 0f ? 0f : v > 1f ? 1f : v;
    }

    public double Apply(double x) => Math.Max(0, Math.Min(1, (Alpha * x) + Beta));
}

/// <summary>x · HardSigmoid(x) with alpha 1/6, beta 0.5.</summary>
public readonly struct HardSwishOp : IUnaryOp
{
    public float Apply(float x) => StrictFloat.Mul(x, new HardSigmoidOp(1f / 6f, 0.5f).Apply(x));

    public double Apply(double x) => x * Math.Max(0, Math.Min(1, (x / 6.0) + 0.5));
}

/// <summary>x for x &gt; 0, alpha·(e^x − 1) otherwise.</summary>
public readonly struct EluOp(float alpha) : IUnaryOp
{
    public readonly float Alpha = alpha;

    public float Apply(float x) => x > 0f ? x : (float)StrictFloat.Mul((double)Alpha, DetMath.Expm1D(x));

    public double Apply(double x) => x > 0 ? x : Alpha * (Math.Exp(x) - 1.0);
}

public readonly struct SeluOp(float alpha, float gamma) : IUnaryOp
{
    public readonly float Alpha = alpha;
    public readonly float Gamma = gamma;

    public float Apply(float x) => x > 0f
        ? StrictFloat.Mul(Gamma, x)
        : (float)StrictFloat.Mul((double)Gamma, StrictFloat.Mul((double)Alpha, DetMath.Expm1D(x)));

    public double Apply(double x) => x > 0 ? Gamma * x : Gamma * Alpha * (Math.Exp(x) - 1.0);
}

public readonly struct SoftplusOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Softplus(x);

    public double Apply(double x) => x > 0 ? x + Math.Log(1.0 + Math.Exp(-x)) : Math.Log(1.0 + Math.Exp(x));
}

public readonly struct SoftsignOp : IUnaryOp
{
    public float Apply(float x) => DetMath.Div(x, StrictFloat.Add(1f, DetMath.Abs(x)));

    public double Apply(double x) => x / (1.0 + Math.Abs(x));
}

/// <summary>Gelu: 0.5·x·(1 + erf(x/√2)) or, approximate "tanh", 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), in double.</summary>
public readonly struct GeluOp(bool tanh) : IUnaryOp
{
    public readonly bool TanhApproximation = tanh;

    public float Apply(float x) => (float)Core(x);

    public double Apply(double x) => Core(x);

    private double Core(double x)
    {
        double inner = TanhApproximation
            ? DetMath.TanhD(StrictFloat.Mul(0.7978845608028654, StrictFloat.Add(x, StrictFloat.Mul(0.044715, StrictFloat.Mul(x, StrictFloat.Mul(x, x))))))
            : DetMath.ErfD(StrictFloat.Mul(x, 0.7071067811865476));
        return StrictFloat.Mul(StrictFloat.Mul(0.5, x), StrictFloat.Add(1.0, inner));
    }
}

/// <summary>min(max(x, lo), hi); NaN stays NaN.</summary>
public readonly struct ClipOp(float lo, float hi) : IVectorUnaryOp
{
    public readonly float Lo = lo;
    public readonly float Hi = hi;

    public float Apply(float x) => x < Lo ? Lo : x > Hi ? Hi : x;

    /// <summary>The same selections on 16 lanes (NaN fails both compares and passes through, as in the scalar form).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> x)
    {
        Vector512<float> lo = Vector512.Create(Lo), hi = Vector512.Create(Hi);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, lo), lo, Vector512.ConditionalSelect(Vector512.GreaterThan(x, hi), hi, x));
    }

    public double Apply(double x) => x < Lo ? Lo : x > Hi ? Hi : x;
}

/// <summary>Clip for float64 bounds (host only).</summary>
public readonly struct ClipDoubleOp(double lo, double hi) : IUnaryOp
{
    public float Apply(float x) => x < Lo ? (float)Lo : x > Hi ? (float)Hi : x;

    public double Apply(double x) => x < Lo ? Lo : x > Hi ? Hi : x;

    public double Lo { get; } = lo;

    public double Hi { get; } = hi;
}
