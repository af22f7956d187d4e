using SysNoise.Runtime.Color;
using SysNoise.Runtime.Decode;
using SysNoise.Runtime.Devices;
using SysNoise.Runtime.Native;
using SysNoise.Runtime.Profiles;
using SysNoise.Runtime.Resize;
using SysNoise.Runtime.Tensors;
using SysNoise.Runtime.Variants;

namespace SysNoise.Runtime.Pipeline;

/// <summary>
/// A profile's pre-processing, stage by stage: decode → resize (and centre crop) → colour round trip →
/// normalised float tensor. Each stage is exposed so that a bench can cache stage outputs and a parity run can
/// compare them.
/// </summary>
public sealed class Preprocessor
{
    private readonly IDecodeVariant decoder;
    private readonly IResizeVariant resizer;
    private readonly IColorVariant? color;

    public Preprocessor(DeploymentProfile profile, Device? device = null)
    {
        Profile = profile;
        Device = device ?? HostDevice.Shared;
        decoder = VariantRegistry.Get<IDecodeVariant>(profile.Decode);
        resizer = VariantRegistry.Get<IResizeVariant>(profile.Resize);
        color = profile.Color is null ? null : VariantRegistry.Get<IColorVariant>(profile.Color);
    }

    public DeploymentProfile Profile { get; }

    public Device Device { get; }

    /// <summary>Decoded RGB (grayscale JPEGs replicated to three channels, as every RGB pipeline does).</summary>
    public DecodedImage Decode(ReadOnlySpan<byte> file, string name)
    {
        DecodedImage d = decoder.Decode(Device, file, name, JpegLimits.Default);
        return d.Pixels.Shape[2] == 3 ? d : d with { Pixels = GrayToRgb(d.Pixels) };
    }

    /// <summary>The transform's geometry: shorter-side resize and centre crop, or a direct resize.</summary>
    public Tensor<byte> Resize(Tensor<byte> rgb)
    {
        EvalTransform t = Profile.Transform;
        int h = rgb.Shape[0], w = rgb.Shape[1];
        if (t.Mode == ResizeMode.LimitMax)
        {
            return ResizeLimitMax(rgb);
        }

        if (t.Mode == ResizeMode.Direct)
        {
            return resizer.Resize(Device, rgb, t.Crop, t.Crop);
        }

        (int rw, int rh) = ShorterSide(w, h, t.ShorterSideTarget);
        Tensor<byte> resized = resizer.Resize(Device, rgb, rw, rh);
        return CenterCrop(resized, t.Crop, t.Crop);
    }

    /// <summary>The transform's resize without the centre crop (a training pipeline crops at random instead).</summary>
    public Tensor<byte> ResizeOnly(Tensor<byte> rgb)
    {
        EvalTransform t = Profile.Transform;
        int h = rgb.Shape[0], w = rgb.Shape[1];
        if (t.Mode == ResizeMode.LimitMax)
        {
            return ResizeLimitMax(rgb);
        }

        if (t.Mode == ResizeMode.Direct)
        {
            return resizer.Resize(Device, rgb, t.Crop, t.Crop);
        }

        (int rw, int rh) = ShorterSide(w, h, t.ShorterSideTarget);
        return resizer.Resize(Device, rgb, rw, rh);
    }

    /// <summary>
    /// PaddleOCR's <c>DetResizeForTest</c> (limit_type max): an image whose sides add up to less than 64 is first padded with
    /// zeros (bottom and right) to at least 32×32, then resized to <see cref="LimitMaxSize"/>.
    /// </summary>
    private Tensor<byte> ResizeLimitMax(Tensor<byte> rgb)
    {
        int h = rgb.Shape[0], w = rgb.Shape[1];
        if (h + w < 64)
        {
            rgb = PadBottomRight(rgb, Math.Max(32, h), Math.Max(32, w));
            (h, w) = (rgb.Shape[0], rgb.Shape[1]);
        }

        (int rw, int rh) = LimitMaxSize(w, h, Profile.Transform.LimitSide);
        return resizer.Resize(Device, rgb, rw, rh);
    }

    /// <summary>
    /// DetResizeForTest's <c>resize_image_type0</c> with limit_type 'max': ratio = limit / longer side when the longer side
    /// exceeds the limit (h &gt; w picks h, a tie picks w), else 1; sides int(side · ratio) (truncated); a side above 4000
    /// (max_side_limit) rescales both; then max(round(side / 32) · 32, 32) with Python's round (half to even).
    /// </summary>
    public static (int Width, int Height) LimitMaxSize(int w, int h, int limit)
    {
        double ratio = Math.Max(h, w) > limit ? (h > w ? (double)limit / h : (double)limit / w) : 1.0;
        int rh = (int)(h * ratio), rw = (int)(w * ratio);
        const int MaxSideLimit = 4000;
        if (Math.Max(rh, rw) > MaxSideLimit)
        {
            double r = (double)MaxSideLimit / Math.Max(rh, rw);
            (rh, rw) = ((int)(rh * r), (int)(rw * r));
        }

        rh = Math.Max((int)(Math.Round(rh / 32.0, MidpointRounding.ToEven) * 32), 32);
        rw = Math.Max((int)(Math.Round(rw / 32.0, MidpointRounding.ToEven) * 32), 32);
        return (rw, rh);
    }

    private static Tensor<byte> PadBottomRight(Tensor<byte> image, int height, int width)
    {
        int h = image.Shape[0], w = image.Shape[1], c = image.Shape[2];
        var data = new byte[height * width * c];
        for (int y = 0; y < h; y++)
        {
            Array.Copy(image.Data, y * w * c, data, y * width * c, w * c);
        }

        return new Tensor<byte>(data, height, width, c);
    }

    public Tensor<byte> Colour(Tensor<byte> rgb) => color is null ? rgb : color.Convert(Device, rgb);

    /// <summary>float32 (v / scale − mean) / std in the profile's channel order and layout (C×H×W or H×W×C).</summary>
    public Tensor<float> Normalise(Tensor<byte> rgb)
    {
        EvalTransform t = Profile.Transform;
        int h = rgb.Shape[0], w = rgb.Shape[1];
        var data = new float[3 * h * w];
        float scale = t.Scale;
        float reciprocal = (float)(1.0 / t.Scale);
        bool multiply = t.ScaleOp == ScaleOp.Multiply;
        for (int c = 0; c < 3; c++)
        {
            int source = t.ChannelOrder == ChannelOrder.Bgr ? 2 - c : c;
            float mean = t.Mean[c], std = t.Std[c];
            for (int i = 0; i < h * w; i++)
            {
                // torchvision: ToTensor divides in float32, Normalize subtracts then divides, each rounded. PaddleOCR's
                // NormalizeImage multiplies by np.float32(1/255) instead, then subtracts and divides, each rounded.
                byte x = rgb.Data[(i * 3) + source];
                float v = ((multiply ? x * reciprocal : x / scale) - mean) / std;
                int o = t.Layout == TensorLayout.Nchw ? (c * h * w) + i : (i * 3) + c;
                data[o] = v;
            }
        }

        return t.Layout == TensorLayout.Nchw ? new Tensor<float>(data, 3, h, w) : new Tensor<float>(data, h, w, 3);
    }

    /// <summary>All stages: the model input for one file (C×H×W or H×W×C, no batch axis).</summary>
    public Tensor<float> Run(ReadOnlySpan<byte> file, string name) => Normalise(Colour(Resize(Decode(file, name).Pixels)));

    /// <summary>torchvision's Resize(int): the shorter side becomes <paramref name="target"/>, the longer side int(target·long/short).</summary>
    public static (int Width, int Height) ShorterSide(int w, int h, int target)
    {
        if (w <= h)
        {
            return (target, (int)((long)target * h / w));
        }

        return ((int)((long)target * w / h), target);
    }

    /// <summary>torchvision's CenterCrop: offsets int(round((size − crop) / 2)) with Python's round half to even.</summary>
    public static Tensor<byte> CenterCrop(Tensor<byte> image, int cropW, int cropH)
    {
        int h = image.Shape[0], w = image.Shape[1], ch = image.Shape[2];
        if (cropW > w || cropH > h)
        {
            throw new ArgumentException($"crop {cropW}x{cropH} is larger than the resized image {w}x{h}");
        }

        int top = (int)Math.Round((h - cropH) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((w - cropW) / 2.0, MidpointRounding.ToEven);
        var data = new byte[cropH * cropW * ch];
        for (int y = 0; y < cropH; y++)
        {
            Array.Copy(image.Data, (((top + y) * w) + left) * ch, data, y * cropW * ch, cropW * ch);
        }

        return new Tensor<byte>(data, cropH, cropW, ch);
    }

    private static Tensor<byte> GrayToRgb(Tensor<byte> gray)
    {
        var rgb = new byte[gray.Data.Length * 3];
        for (int i = 0; i < gray.Data.Length; i++)
        {
            rgb[3 * i] = rgb[(3 * i) + 1] = rgb[(3 * i) + 2] = gray.Data[i];
        }

        return new Tensor<byte>(rgb, gray.Shape[0], gray.Shape[1], 3);
    }
}
