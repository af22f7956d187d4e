namespace SysNoise.Runtime.Variants;

/// <summary>The pipeline stage a variant belongs to (decode → resize → colour → model → post-processing).</summary>
public enum PipelineStage
{
    Decode,
    Resize,
    Color,
    Model,
    PostProcess,
}

/// <summary>A backend variant: one library's exact numerics for one operation.</summary>
public interface IVariant
{
    /// <summary><c>&lt;library&gt;[version]-&lt;method&gt;</c>, e.g. <c>pillow-bilinear</c>, <c>opencv4.6-cubic</c>.</summary>
    string Name { get; }

    PipelineStage Stage { get; }

    /// <summary>The library and version the variant is proven against, e.g. "Pillow 9.4".</summary>
    string ProvenAgainst { get; }

    /// <summary>One line.</summary>
    string Description { get; }
}
