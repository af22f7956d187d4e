using SysNoise.Kernels.Numerics;

namespace SysNoise.Kernels.Model.Reduce;

/// <summary>
/// A reduction: Init, then Step over the reduced elements in row-major index order, then Finish. The float
/// overloads run in the ILGPU kernel and the float32 host loop (accumulation in float32, each step rounded once);
/// double and long overloads serve float64 and integer tensors on the host. <see cref="NeedsMax"/> ops
/// (LogSumExp) get a first pass that finds the maximum, passed as <c>shift</c>.
/// </summary>
public interface IReduceOp
{
    bool NeedsMax { get; }

    float Init();

    float Step(float acc, float x, float shift);

    float Finish(float acc, int count, float shift);

    double Init64();

    double Step(double acc, double x, double shift);

    double Finish(double acc, int count, double shift);

    long InitInt();

    long Step(long acc, long x);

    long Finish(long acc, int count);
}

public readonly struct ReduceSumOp : IReduceOp
{
    public bool NeedsMax => false;

    public float Init() => 0f;

    public float Step(float acc, float x, float shift) => StrictFloat.Add(acc, x);

    public float Finish(float acc, int count, float shift) => acc;

    public double Init64() => 0;

    public double Step(double acc, double x, double shift) => acc + x;

    public double Finish(double acc, int count, double shift) => acc;

    public long InitInt() => 0;

    public long Step(long acc, long x) => unchecked(acc + x);

    public long Finish(long acc, int count) => acc;
}

/// <summary>Sum / count (integers: truncating division).</summary>
public readonly struct ReduceMeanOp : IReduceOp
{
    public bool NeedsMax => false;

    public float Init() => 0f;

    public float Step(float acc, float x, float shift) => StrictFloat.Add(acc, x);

    public float Finish(float acc, int count, float shift) => DetMath.Div(acc, (float)count);

    public double Init64() => 0;

    public double Step(double acc, double x, double shift) => acc + x;

    public double Finish(double acc, int count, double shift) => acc / count;

    public long InitInt() => 0;

    public long Step(long acc, long x) => unchecked(acc + x);

    public long Finish(long acc, int count) => count == 0 ? 0 : acc / count;
}

/// <summary>Maximum; NaN propagates; an empty reduction gives −inf (the lowest value for integers).</summary>
public readonly struct ReduceMaxOp : IReduceOp
{
    public bool NeedsMax => false;

    public float Init() => float.NegativeInfinity;

    public float Step(float acc, float x, float shift) => DetMath.IsNaN(acc) || DetMath.IsNaN(x) ? float.NaN : x > acc ? x : acc;

    public float Finish(float acc, int count, float shift) => acc;

    public double Init64() => double.NegativeInfinity;

    public double Step(double acc, double x, double shift) => double.IsNaN(acc) || double.IsNaN(x) ? double.NaN : x > acc ? x : acc;

    public double Finish(double acc, int count, double shift) => acc;

    public long InitInt() => long.MinValue;

    public long Step(long acc, long x) => x > acc ? x : acc;

    public long Finish(long acc, int count) => acc;
}

public readonly struct ReduceMinOp : IReduceOp
{
    public bool NeedsMax => false;

    public float Init() => float.PositiveInfinity;

    public float Step(float acc, float x, float shift) => DetMath.IsNaN(acc) || DetMath.IsNaN(x) ? float.NaN : x < acc ? x : acc;

    public float Finish(float acc, int count, float shift) => acc;

    public double Init64() => double.PositiveInfinity;

    public double Step(double acc, double x, double shift) => double.IsNaN(acc) || double.IsNaN(x) ? double.NaN : x < acc ? x : acc;

    public double Finish(double acc, int count, double shift) => acc;

    public long InitInt() => long.MaxValue;

    public long Step(long acc, long x) => x < acc ? x : acc;

    public long Finish(long acc, int count) => acc;
}

public readonly struct ReduceProdOp : IReduceOp
{
    public bool NeedsMax => false;

    public float Init() => 1f;

    public float Step(float acc, float x, float shift) => StrictFloat.Mul(acc, x);

    public float Finish(float acc, int count, float shift) => acc;

    public double Init64() => 1;

    public double Step(double acc, double x, double shift) => acc * x;

    public double Finish(double acc, int count, double shift) => acc;

    public long InitInt() => 1;

    public long Step(long acc, long x) => unchecked(acc * x);

    public long Finish(long acc, int count) => acc;
}

public readonly struct ReduceL1Op : IReduceOp
{
    public bool NeedsMax => false;

    public float Init() => 0f;

    public float Step(float acc, float x, float shift) => StrictFloat.Add(acc, DetMath.Abs(x));

    public float Finish(float acc, int count, float shift) => acc;

    public double Init64() => 0;

    public double Step(double acc, double x, double shift) => acc + Math.Abs(x);

    public double Finish(double acc, int count, double shift) => acc;

    public long InitInt() => 0;

    public long Step(long acc, long x) => unchecked(acc + (x < 0 ? -x : x));

    public long Finish(long acc, int count) => acc;
}

public readonly struct ReduceSumSquareOp : IReduceOp
{
    public bool NeedsMax => false;

    public float Init() => 0f;

    public float Step(float acc, float x, float shift) => StrictFloat.Add(acc, StrictFloat.Mul(x, x));

    public float Finish(float acc, int count, float shift) => acc;

    public double Init64() => 0;

    public double Step(double acc, double x, double shift) => acc + (x * x);

    public double Finish(double acc, int count, double shift) => acc;

    public long InitInt() => 0;

    public long Step(long acc, long x) => unchecked(acc + (x * x));

    public long Finish(long acc, int count) => acc;
}

/// <summary>√(Σx²); integers: the square root truncated.</summary>
public readonly struct ReduceL2Op : IReduceOp
{
    public bool NeedsMax => false;

    public float Init() => 0f;

    public float Step(float acc, float x, float shift) => StrictFloat.Add(acc, StrictFloat.Mul(x, x));

    public float Finish(float acc, int count, float shift) => DetMath.Sqrt(acc);

    public double Init64() => 0;

    public double Step(double acc, double x, double shift) => acc + (x * x);

    public double Finish(double acc, int count, double shift) => Math.Sqrt(acc);

    public long InitInt() => 0;

    public long Step(long acc, long x) => unchecked(acc + (x * x));

    public long Finish(long acc, int count) => (long)Math.Sqrt(acc);
}

/// <summary>log(Σx).</summary>
public readonly struct ReduceLogSumOp : IReduceOp
{
    public bool NeedsMax => false;

    public float Init() => 0f;

    public float Step(float acc, float x, float shift) => StrictFloat.Add(acc, x);

    public float Finish(float acc, int count, float shift) => DetMath.Log(acc);

    public double Init64() => 0;

    public double Step(double acc, double x, double shift) => acc + x;

    public double Finish(double acc, int count, double shift) => Math.Log(acc);

    public long InitInt() => 0;

    public long Step(long acc, long x) => unchecked(acc + x);

    public long Finish(long acc, int count) => (long)Math.Log(acc);
}

/// <summary>log(Σ e^(x − m)) + m with m the maximum (0 when the maximum is not finite).</summary>
public readonly struct ReduceLogSumExpOp : IReduceOp
{
    public bool NeedsMax => true;

    public float Init() => 0f;

    public float Step(float acc, float x, float shift) => StrictFloat.Add(acc, DetMath.Exp(StrictFloat.Add(x, -shift)));

    public float Finish(float acc, int count, float shift) => StrictFloat.Add(DetMath.Log(acc), shift);

    public double Init64() => 0;

    public double Step(double acc, double x, double shift) => acc + Math.Exp(x - shift);

    public double Finish(double acc, int count, double shift) => Math.Log(acc) + shift;

    public long InitInt() => 0;

    public long Step(long acc, long x) => unchecked(acc + (long)Math.Exp(x));

    public long Finish(long acc, int count) => (long)Math.Log(acc);
}
