using System.Reflection;
using SysNoise.Kernels.Color;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Runtime.Color;

/// <summary>A colour variant: an H×W×3 uint8 RGB image through one library's RGB → YUV → RGB, back as H×W×3 RGB.</summary>
public interface IColorVariant : IVariant
{
    /// <summary>True when the library refuses odd widths or heights (OpenCV's planar 4:2:0).</summary>
    bool RequiresEvenSize { get; }

    /// <summary>The round trip; throws <see cref="ArgumentException"/> for input it cannot take, saying why.</summary>
    Tensor<byte> Convert(Device device, Tensor<byte> rgb);
}

/// <summary>Shared checks and the device round trip; subclasses launch their layout's kernel.</summary>
public abstract class ColorVariant : IColorVariant
{
    protected ColorVariant(string name, string provenAgainst, string description, bool requiresEvenSize = false)
    {
        Name = name;
        ProvenAgainst = provenAgainst;
        Description = description;
        RequiresEvenSize = requiresEvenSize;
    }

    public string Name { get; }

    public PipelineStage Stage => PipelineStage.Color;

    public string ProvenAgainst { get; }

    public string Description { get; }

    public bool RequiresEvenSize { get; }

    /// <summary>The ILGPU kernel this variant launches, instantiated for its op (for ahead-of-time compile checks).</summary>
    public abstract MethodInfo KernelMethod { get; }

    public Tensor<byte> Convert(Device device, Tensor<byte> rgb)
    {
        (int height, int width) = CheckImage(rgb);
        DeviceBuffer<byte> input = device.Upload(rgb.Data);
        DeviceBuffer<byte>? output = null;
        try
        {
            output = device.Allocate<byte>(rgb.Data.LongLength);
            Launch(device, input, output, height, width);
            byte[] result = device.Download(output);
            return new Tensor<byte>(result, height, width, 3);
        }
        finally
        {
            output?.Dispose();
            input.Dispose();
        }
    }

    public override string ToString() => Name;

    protected abstract void Launch(Device device, DeviceBuffer<byte> input, DeviceBuffer<byte> output, int height, int width);

    private (int Height, int Width) CheckImage(Tensor<byte> rgb)
    {
        if (rgb.Rank != 3 || rgb.Shape[2] != 3)
        {
            throw new ArgumentException($"{Name} needs an H×W×3 RGB image, got shape {rgb.ShapeText}.");
        }

        int height = rgb.Shape[0], width = rgb.Shape[1];
        if (height < 1 || width < 1)
        {
            throw new ArgumentException($"{Name}: the input image is empty ({rgb.ShapeText}).");
        }

        if (RequiresEvenSize && (height % 2 != 0 || width % 2 != 0))
        {
            throw new ArgumentException($"{Name} needs an even width and height ({ProvenAgainst} refuses odd sizes for planar 4:2:0), got {width}×{height}.");
        }

        return (height, width);
    }
}

/// <summary>A 4:4:4 round trip: every pixel through <typeparamref name="TOp"/> on its own.</summary>
public sealed class PixelColorVariant<TOp>(string name, string provenAgainst, string description) : ColorVariant(name, provenAgainst, description)
    where TOp : struct, IPixelRoundTripOp
{
    public override MethodInfo KernelMethod
        => typeof(ColorKernels).GetMethod(nameof(ColorKernels.PixelRoundTrip))!.MakeGenericMethod(typeof(TOp));

    protected override void Launch(Device device, DeviceBuffer<byte> input, DeviceBuffer<byte> output, int height, int width)
        => device.PixelRoundTrip(input, output, height, width, default(TOp));
}

/// <summary>A 4:2:0 round trip: one chroma pair per 2×2 block through <typeparamref name="TOp"/>.</summary>
public sealed class Block420ColorVariant<TOp>(string name, string provenAgainst, string description, bool requiresEvenSize)
    : ColorVariant(name, provenAgainst, description, requiresEvenSize)
    where TOp : struct, IBlock420RoundTripOp
{
    public override MethodInfo KernelMethod
        => typeof(ColorKernels).GetMethod(nameof(ColorKernels.Block420RoundTrip))!.MakeGenericMethod(typeof(TOp));

    protected override void Launch(Device device, DeviceBuffer<byte> input, DeviceBuffer<byte> output, int height, int width)
        => device.Block420RoundTrip(input, output, new Block420Geometry(height, width), default(TOp));
}
