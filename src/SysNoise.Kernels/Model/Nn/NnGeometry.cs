namespace SysNoise.Kernels.Model.Nn;

/// <summary>How pooling output sizes are computed in ceil mode (mirrors the runtime's CeilRule).</summary>
public enum PoolCeilRule
{
    /// <summary>PyTorch ≥ 1.8 / ONNX ≥ 1.16: a last window that would start in the right padding is dropped.</summary>
    Modern,

    /// <summary>Older PyTorch/ONNX Runtime: plain ceil; the last window may start in the right padding (or past the input).</summary>
    Legacy,
}

/// <summary>
/// Geometry of a convolution, pooling or transposed convolution over up to three spatial axes (D, H, W), NCHW layout.
/// 1-D and 2-D ops are 3-D ops with unit leading axes. A value type so the ILGPU kernels can take it.
/// For a convolution Channels/OutChannels are the input/output channels; for pooling they are equal.
/// </summary>
public struct NnGeometry
{
    public int Batch;
    public int Channels;
    public int InD;
    public int InH;
    public int InW;
    public int OutChannels;
    public int OutD;
    public int OutH;
    public int OutW;
    public int Group;
    public int KD;
    public int KH;
    public int KW;
    public int SD;
    public int SH;
    public int SW;

    /// <summary>Begin pads (the window of output o starts at o·stride − pad).</summary>
    public int PD;
    public int PH;
    public int PW;

    /// <summary>End pads (only AveragePool's count_include_pad reads them: the padded region ends at in + end pad).</summary>
    public int PDEnd;
    public int PHEnd;
    public int PWEnd;
    public int DD;
    public int DH;
    public int DW;

    public readonly int InSpatial => InD * InH * InW;

    public readonly int OutSpatial => OutD * OutH * OutW;

    public readonly int KernelSpatial => KD * KH * KW;

    /// <summary>Input channels per group.</summary>
    public readonly int GroupChannels => Channels / Group;

    /// <summary>Output channels per group.</summary>
    public readonly int GroupOutChannels => OutChannels / Group;

    public readonly long OutputElements => (long)Batch * OutChannels * OutD * OutH * OutW;

    /// <summary>The position of flat output element <paramref name="index"/> of [N, OC, OD, OH, OW] (kernels index outputs this way).</summary>
    public readonly OutputPosition Locate(long index)
    {
        int ow = (int)(index % OutW);
        long r = index / OutW;
        int oh = (int)(r % OutH);
        r /= OutH;
        int od = (int)(r % OutD);
        long plane = r / OutD;
        return new OutputPosition(plane, (int)(plane / OutChannels), (int)(plane % OutChannels), od, oh, ow);
    }
}

/// <summary>An output element's coordinates; <see cref="Plane"/> = n·OC + oc.</summary>
public readonly record struct OutputPosition(long Plane, int N, int Oc, int Od, int Oh, int Ow);

/// <summary>Pooling and convolution output sizes (kernels.md §5.1–5.2).</summary>
public static class PoolGeometry
{
    /// <summary>
    /// Output length of one pooling axis. Floor mode: ⌊(in + pads − dil·(k−1) − 1)/s⌋ + 1. Ceil mode: the same with ⌈⌉;
    /// the <see cref="PoolCeilRule.Modern"/> rule then drops a last window that would start at or after in + pad_begin
    /// (PyTorch ≥ 1.8, ONNX ≥ 1.16, recent ONNX Runtime); <see cref="PoolCeilRule.Legacy"/> keeps it.
    /// Returns a value ≤ 0 when the window does not fit.
    /// </summary>
    public static int OutputSize(int input, int kernel, int stride, int padBegin, int padEnd, int dilation, bool ceilMode, PoolCeilRule rule)
    {
        long span = (long)input + padBegin + padEnd - ((long)dilation * (kernel - 1)) - 1;
        if (span < 0)
        {
            return 0;
        }

        long o = ceilMode ? ((span + stride - 1) / stride) + 1 : (span / stride) + 1;
        if (ceilMode && rule == PoolCeilRule.Modern && (o - 1) * stride >= (long)input + padBegin)
        {
            o--;
        }

        return (int)o;
    }

    /// <summary>
    /// Whether the ceil-mode knob changes this axis' output size: floor vs ceil under <paramref name="rule"/>.
    /// Issue 5 asks this per pooling axis to decide whether a model's shapes change with the knob.
    /// </summary>
    public static bool CeilChangesSize(int input, int kernel, int stride, int padBegin, int padEnd, int dilation, PoolCeilRule rule)
        => OutputSize(input, kernel, stride, padBegin, padEnd, dilation, false, rule) != OutputSize(input, kernel, stride, padBegin, padEnd, dilation, true, rule);

    /// <summary>
    /// Pads for auto_pad SAME_UPPER/SAME_LOWER (output = ⌈in/s⌉; the odd pad goes to the end for SAME_UPPER,
    /// to the beginning for SAME_LOWER).
    /// </summary>
    public static (int Begin, int End) SamePads(int input, int kernel, int stride, int dilation, bool upper)
    {
        int output = (input + stride - 1) / stride;
        int total = Math.Max(0, ((output - 1) * stride) + ((kernel - 1) * dilation) + 1 - input);
        int small = total / 2;
        return upper ? (small, total - small) : (total - small, small);
    }
}
