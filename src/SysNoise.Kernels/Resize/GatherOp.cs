namespace SysNoise.Kernels.Resize;

/// <summary>
/// Nearest-neighbour as a resampling op: a one-tap weight map whose tap is the chosen source
/// sample. An output with no tap (count 0) is 0, which is how Pillow fills samples that map
/// outside the image.
/// </summary>
public readonly struct GatherOp<T> : IResampleOp<T, byte, T, T>
    where T : unmanaged
{
    public T Begin(int lane) => default;

    public T Accumulate(T acc, T sample, byte weight) => sample;

    public T Finish(T acc, int lane) => acc;
}
