using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Elementwise;

/// <summary>
/// A per-element binary op. The float overload runs in the ILGPU kernel and the float32 host loop; the double and
/// long overloads serve float64 and integer tensors on the host (integers are widened to long and wrapped back).
/// </summary>
public interface IBinaryOp
{
    float Apply(float a, float b);

    double Apply(double a, double b);

    long Apply(long a, long b);
}

/// <summary>
/// A binary op with a 16-lane form whose every lane has the bits of <see cref="IBinaryOp.Apply(float, float)"/> (IEEE
/// operations are correctly rounded per lane; host loops only).
/// </summary>
public interface IVectorBinaryOp : IBinaryOp
{
    Vector512<float> Apply(Vector512<float> a, Vector512<float> b);
}

/// <summary>A per-element comparison; same lanes as <see cref="IBinaryOp"/>.</summary>
public interface ICompareOp
{
    bool Apply(float a, float b);

    bool Apply(double a, double b);

    bool Apply(long a, long b);
}

public readonly struct AddOp : IVectorBinaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a + b;

    public float Apply(float a, float b) => StrictFloat.Add(a, b);

    public double Apply(double a, double b) => a + b;

    public long Apply(long a, long b) => unchecked(a + b);
}

public readonly struct SubOp : IVectorBinaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a + (-b);

    public float Apply(float a, float b) => StrictFloat.Add(a, -b);

    public double Apply(double a, double b) => a - b;

    public long Apply(long a, long b) => unchecked(a - b);
}

public readonly struct MulOp : IVectorBinaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a * b;

    public float Apply(float a, float b) => StrictFloat.Mul(a, b);

    public double Apply(double a, double b) => a * b;

    public long Apply(long a, long b) => unchecked(a * b);
}

/// <summary>Division; integers truncate toward zero (division by zero is an error).</summary>
public readonly struct DivOp : IVectorBinaryOp
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> a, Vector512<float> b) => a / b;

    public float Apply(float a, float b) => DetMath.Div(a, b);

    public double Apply(double a, double b) => a / b;

    public long Apply(long a, long b) => b == 0 ? throw new InvalidOperationException("integer division by zero") : b == -1 ? unchecked(-a) : a / b;
}

/// <summary>Pow: C pow for floats; integer bases by repeated squaring (negative exponents give 1/x^n truncated).</summary>
public readonly struct PowOp : IBinaryOp
{
    public float Apply(float a, float b) => DetMath.Pow(a, b);

    public double Apply(double a, double b) => Math.Pow(a, b);

    public long Apply(long a, long b) => IntPow(a, b);

    public static long IntPow(long a, long b)
    {
        if (b < 0)
        {
            return a == 1 ? 1 : a == -1 ? ((b & 1) == 0 ? 1 : -1) : 0;
        }

        long r = 1;
        unchecked
        {
            while (b > 0)
            {
                if ((b & 1) != 0)
                {
                    r *= a;
                }

                a *= a;
                b >>= 1;
            }
        }

        return r;
    }
}

/// <summary>Mod with fmod = 1: C fmod / truncated remainder (sign of the dividend).</summary>
public readonly struct FmodOp : IBinaryOp
{
    public float Apply(float a, float b) => DetMath.Fmod(a, b);

    public double Apply(double a, double b) => a % b;

    public long Apply(long a, long b) => b == 0 ? throw new InvalidOperationException("integer modulo by zero") : b == -1 ? 0 : a % b;
}

/// <summary>Mod with fmod = 0 (integers): the result takes the divisor's sign, as Python's %.</summary>
public readonly struct PyModOp : IBinaryOp
{
    public float Apply(float a, float b)
    {
        float r = DetMath.Fmod(a, b);
        return r != 0f && ((r < 0f) != (b < 0f)) ? StrictFloat.Add(r, b) : r;
    }

    public double Apply(double a, double b)
    {
        double r = a % b;
        return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
    }

    public long Apply(long a, long b)
    {
        if (b == 0)
        {
            throw new InvalidOperationException("integer modulo by zero");
        }

        long r = b == -1 ? 0 : a % b;
        return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
    }
}

/// <summary>Max; NaN propagates.</summary>
public readonly struct MaxOp : IBinaryOp
{
    public float Apply(float a, float b) => DetMath.IsNaN(a) || DetMath.IsNaN(b) ? float.NaN : a >= b ? a : b;

    public double Apply(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : a >= b ? a : b;

    public long Apply(long a, long b) => a >= b ? a : b;
}

/// <summary>Min; NaN propagates.</summary>
public readonly struct MinOp : IBinaryOp
{
    public float Apply(float a, float b) => DetMath.IsNaN(a) || DetMath.IsNaN(b) ? float.NaN : a <= b ? a : b;

    public double Apply(double a, double b) => double.IsNaN(a) || double.IsNaN(b) ? double.NaN : a <= b ? a : b;

    public long Apply(long a, long b) => a <= b ? a : b;
}

/// <summary>PRelu: x for x ≥ 0, slope·x otherwise.</summary>
public readonly struct PReluOp : IBinaryOp
{
    public float Apply(float a, float b) => a < 0f ? StrictFloat.Mul(b, a) : a;

    public double Apply(double a, double b) => a < 0 ? b * a : a;

    public long Apply(long a, long b) => a < 0 ? unchecked(b * a) : a;
}

public readonly struct EqualOp : ICompareOp
{
    public bool Apply(float a, float b) => a == b;

    public bool Apply(double a, double b) => a == b;

    public bool Apply(long a, long b) => a == b;
}

public readonly struct LessOp : ICompareOp
{
    public bool Apply(float a, float b) => a < b;

    public bool Apply(double a, double b) => a < b;

    public bool Apply(long a, long b) => a < b;
}

public readonly struct GreaterOp : ICompareOp
{
    public bool Apply(float a, float b) => a > b;

    public bool Apply(double a, double b) => a > b;

    public bool Apply(long a, long b) => a > b;
}

public readonly struct LessOrEqualOp : ICompareOp
{
    public bool Apply(float a, float b) => a <= b;

    public bool Apply(double a, double b) => a <= b;

    public bool Apply(long a, long b) => a <= b;
}

public readonly struct GreaterOrEqualOp : ICompareOp
{
    public bool Apply(float a, float b) => a >= b;

    public bool Apply(double a, double b) => a >= b;

    public bool Apply(long a, long b) => a >= b;
}
