using SysNoise.Kernels.Resize;
using System.Collections.Concurrent;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Runtime.Resize;

/// <summary>How closely a variant's float32 path matches its library.</summary>
/// <param name="BitExact">True when proven bit-exact.</param>
/// <param name="MaxUlps">Otherwise, the measured bound in units in the last place.</param>
/// <param name="Note">Why, in one line.</param>
public sealed record FloatExactness(bool BitExact, int MaxUlps, string Note);

/// <summary>
/// A uint8 variant that is not bit-exact: the measured residue against its library, which the oracle
/// tests hold it to. Bit-exact variants have none. The residue is confined to rounding ties: a byte may
/// differ (by at most <paramref name="MaxAbsDiff"/>) only where the variant's value before rounding
/// (<see cref="ITieResidueVariant.Unrounded"/>) lies within <paramref name="TieDistance"/> of x.5.
/// </summary>
/// <param name="MaxAbsDiff">Largest |ours − library| allowed.</param>
/// <param name="TieDistance">Largest |frac(v) − 0.5| at which a byte may differ (the measured worst, with margin, is in the note).</param>
/// <param name="Note">What was measured and why the residue exists.</param>
public sealed record ByteResidue(int MaxAbsDiff, double TieDistance, string Note);

/// <summary>A variant with a <see cref="ByteResidue"/>: it can show the values it rounds.</summary>
public interface ITieResidueVariant
{
    /// <summary>The uint8 resize's values just before the final rounding.</summary>
    Tensor<float> Unrounded(Device device, Tensor<byte> image, int width, int height);
}

/// <summary>A resize variant: H×W×C (C ∈ {1, 3, 4}) to outH×outW×C.</summary>
public interface IResizeVariant : IVariant
{
    /// <summary>Null when the uint8 path is proven bit-exact.</summary>
    ByteResidue? UInt8Residue { get; }

    /// <summary>Null when the library has no float32 path for this method.</summary>
    FloatExactness? Float32 { get; }

    Tensor<byte> Resize(Device device, Tensor<byte> image, int width, int height);

    Tensor<float> Resize(Device device, Tensor<float> image, int width, int height);
}

/// <summary>
/// Base for resize variants that compile to a <see cref="ResizePlan"/> per geometry.
/// Plans (and the weight maps in them) are cached, so repeated calls do no precomputation.
/// </summary>
public abstract class PlannedResizeVariant : IResizeVariant
{
    private readonly ConcurrentDictionary<PlanKey, ResizePlan> plans = new();

    // Built once: a lambda at the call site would allocate a delegate on every resize.
    private readonly Func<PlanKey, ResizePlan> buildPlan;

    protected PlannedResizeVariant(string name, string provenAgainst, string description)
    {
        Name = name;
        ProvenAgainst = provenAgainst;
        Description = description;
        buildPlan = k => k.IsFloat ? BuildFloatPlan(k.Geometry) : BuildBytePlan(k.Geometry);
    }

    public string Name { get; }

    public PipelineStage Stage => PipelineStage.Resize;

    public string ProvenAgainst { get; }

    public string Description { get; }

    public virtual FloatExactness? Float32 => null;

    public virtual ByteResidue? UInt8Residue => null;

    /// <summary>Why there is no float32 path, for the error a float input gets.</summary>
    protected virtual string NoFloat32Reason => $"{ProvenAgainst} has no float path for this method";

    public Tensor<byte> Resize(Device device, Tensor<byte> image, int width, int height)
        => Run(device, image, width, height, isFloat: false);

    public Tensor<float> Resize(Device device, Tensor<float> image, int width, int height)
    {
        if (Float32 is null)
        {
            throw new NotSupportedException($"{Name} has no float32 path: {NoFloat32Reason}.");
        }

        return Run(device, image, width, height, isFloat: true);
    }

    public override string ToString() => Name;

    /// <summary>The (cached) plan for one geometry.</summary>
    public ResizePlan PlanFor(ResizeGeometry geometry, bool isFloat)
        => plans.GetOrAdd(new PlanKey(geometry, isFloat), buildPlan);

    /// <summary>Builds the uint8 plan for one geometry.</summary>
    protected abstract ResizePlan BuildBytePlan(ResizeGeometry geometry);

    /// <summary>Builds the float32 plan for one geometry (only called when <see cref="Float32"/> is set).</summary>
    protected virtual ResizePlan BuildFloatPlan(ResizeGeometry geometry)
        => throw new NotSupportedException($"{Name} has no float32 path.");

    private Tensor<T> Run<T>(Device device, Tensor<T> image, int width, int height, bool isFloat)
        where T : unmanaged
    {
        var geometry = ResizeGeometry.Of(image, width, height);
        ResizePlan plan = PlanFor(geometry, isFloat);
        T[] output = plan.Execute(device, image.Data);
        return new Tensor<T>(output, plan.OutHeight, plan.OutWidth, plan.Channels);
    }

    private readonly record struct PlanKey(ResizeGeometry Geometry, bool IsFloat);
}

/// <summary>Input and output sizes of one resize.</summary>
public readonly record struct ResizeGeometry(int InHeight, int InWidth, int Channels, int OutHeight, int OutWidth)
{
    public static ResizeGeometry Of(Tensor image, int width, int height)
    {
        if (image.Rank != 3)
        {
            throw new ArgumentException($"Expected an H×W×C image, got shape {image.ShapeText}.");
        }

        int c = image.Shape[2];
        if (c is not (1 or 3 or 4))
        {
            throw new ArgumentException($"Expected 1, 3 or 4 channels, got {c}.");
        }

        if (image.Shape[0] < 1 || image.Shape[1] < 1)
        {
            throw new ArgumentException($"The input image is empty ({image.ShapeText}).");
        }

        if (width < 1 || height < 1)
        {
            throw new ArgumentException($"Output size must be at least 1×1, got {width}×{height}.");
        }

        return new ResizeGeometry(image.Shape[0], image.Shape[1], c, height, width);
    }

    /// <summary>Geometry of a horizontal pass over <paramref name="rows"/> rows starting at <paramref name="firstRow"/>.</summary>
    public PassGeometry Horizontal(int firstRow, int rows) => new(rows, firstRow, InWidth, OutWidth, Channels);

    /// <summary>Geometry of a vertical pass over an image <paramref name="width"/> wide with <paramref name="inRows"/> rows.</summary>
    public PassGeometry Vertical(int inRows, int width) => new(1, 0, inRows, OutHeight, width * Channels);
}
