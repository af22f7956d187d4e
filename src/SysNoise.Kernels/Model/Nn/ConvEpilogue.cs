using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SysNoise.Kernels.Model.Elementwise;

namespace SysNoise.Kernels.Model.Nn;

/// <summary>The activation node a convolution absorbed.</summary>
public enum ConvActivation
{
    None,
    Relu,
    Clip,
}

/// <summary>
/// Elementwise nodes that follow a convolution, run on its output while it is in cache (host path only): an Add of
/// a same-shaped tensor (operands in the node's order), then Relu or Clip. Each step is the same op struct the
/// standalone node runs (<see cref="AddOp"/>, <see cref="ReluOp"/>, <see cref="ClipOp"/>, 16 lanes or one), applied to
/// the stored convolution result, so the bits equal those of the unfused nodes.
/// </summary>
public readonly struct ConvEpilogue
{
    /// <summary>The Add's other operand, laid out as the convolution output; null: no Add.</summary>
    public float[]? Skip { get; init; }

    /// <summary>The Add reads (skip, conv) rather than (conv, skip).</summary>
    public bool SkipFirst { get; init; }

    public ConvActivation Activation { get; init; }

    /// <summary>Clip bounds (as the Clip node resolved them).</summary>
    public float Lo { get; init; }

    public float Hi { get; init; }

    public bool IsEmpty => Skip is null && Activation == ConvActivation.None;

    /// <summary>The steps on 16 outputs held in a register; <paramref name="skip"/> points at their Add operands.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe Vector512<float> Apply(Vector512<float> v, float* skip)
    {
        if (skip != null)
        {
            Vector512<float> s = Vector512.Load(skip);
            v = SkipFirst ? default(AddOp).Apply(s, v) : default(AddOp).Apply(v, s);
        }

        return Activation switch
        {
            ConvActivation.Relu => default(ReluOp).Apply(v),
            ConvActivation.Clip => new ClipOp(Lo, Hi).Apply(v),
            _ => v,
        };
    }

    /// <summary>
    /// As <see cref="Apply(Vector512{float}, float*)"/> for a partial vector: only the lanes set in <paramref name="mask"/>
    /// read their Add operand (the others read 0 and are never stored).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe Vector512<float> ApplyMasked(Vector512<float> v, float* skip, Vector512<float> mask)
    {
        if (skip != null)
        {
            Vector512<float> s = System.Runtime.Intrinsics.X86.Avx512F.MaskLoad(skip, mask, Vector512<float>.Zero);
            v = SkipFirst ? default(AddOp).Apply(s, v) : default(AddOp).Apply(v, s);
        }

        return Activation switch
        {
            ConvActivation.Relu => default(ReluOp).Apply(v),
            ConvActivation.Clip => new ClipOp(Lo, Hi).Apply(v),
            _ => v,
        };
    }

    /// <summary>Applies the steps to <paramref name="count"/> outputs at <paramref name="y"/>; <paramref name="skip"/> points at the same positions of <see cref="Skip"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe void Apply(float* y, float* skip, int count)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= count; i += 16)
            {
                Vector512.Store(Apply(Vector512.Load(y + i), skip == null ? null : skip + i), y + i);
            }
        }

        for (; i < count; i++)
        {
            float v = y[i];
            if (skip != null)
            {
                v = SkipFirst ? default(AddOp).Apply(skip[i], v) : default(AddOp).Apply(v, skip[i]);
            }

            v = Activation switch
            {
                ConvActivation.Relu => default(ReluOp).Apply(v),
                ConvActivation.Clip => new ClipOp(Lo, Hi).Apply(v),
                _ => v,
            };
            y[i] = v;
        }
    }
}

/// <summary>The GEMM tile hook that runs a <see cref="ConvEpilogue"/> (skip addressed by the tile's offset in the output).</summary>
public readonly unsafe struct ConvTileEpilogue(ConvEpilogue epilogue, float* output, float* skip) : ITileEpilogue
{
    private readonly ConvEpilogue epilogue = epilogue;
    private readonly float* output = output;
    private readonly float* skip = skip;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Finish(float* c, long ldc, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            float* row = c + (r * ldc);
            epilogue.Apply(row, skip == null ? null : skip + (row - output), cols);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<float> Apply(Vector512<float> v, float* c) => epilogue.Apply(v, skip == null ? null : skip + (c - output));
}
