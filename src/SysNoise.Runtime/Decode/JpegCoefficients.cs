using SysNoise.Runtime.Native;

namespace SysNoise.Runtime.Decode;

/// <summary>libjpeg's colour space of the stored components (J_COLOR_SPACE values).</summary>
public enum JpegColorSpace
{
    Unknown = 0,
    Grayscale = 1,
    Rgb = 2,
    YCbCr = 3,
    Cmyk = 4,
    Ycck = 5,
}

/// <summary>One component's geometry, quant table and quantized coefficients (natural order, block-major).</summary>
public sealed class JpegComponent
{
    public required int Id { get; init; }

    public required int HorizontalSampling { get; init; }

    public required int VerticalSampling { get; init; }

    public required int WidthInBlocks { get; init; }

    public required int HeightInBlocks { get; init; }

    /// <summary>libjpeg's downsampled_width: ceil(image_width · h / h_max).</summary>
    public required int DownsampledWidth { get; init; }

    public required int DownsampledHeight { get; init; }

    public required int QuantTableIndex { get; init; }

    /// <summary>64 quantization steps in natural (row-major) order.</summary>
    public required ushort[] Quant { get; init; }

    /// <summary>Progressive files: libjpeg's coef_bits[0..9] after the last scan (-1 never sent, &gt;0 bits still unknown).</summary>
    public required int[] CoefBits { get; init; }

    /// <summary>Progressive files: coef_bits[0..9] before the last scan that covered the component.</summary>
    public required int[] PrevCoefBits { get; init; }

    /// <summary>HeightInBlocks × WidthInBlocks blocks of 64 int16 coefficients, natural order.</summary>
    public required short[] Blocks { get; init; }
}

/// <summary>A JPEG entropy-decoded by libjpeg-turbo (through the native shim) into its quantized DCT coefficients.</summary>
public sealed class JpegCoefficients
{
    public required int Width { get; init; }

    public required int Height { get; init; }

    public required JpegColorSpace ColorSpace { get; init; }

    public required int MaxHorizontalSampling { get; init; }

    public required int MaxVerticalSampling { get; init; }

    public required bool Progressive { get; init; }

    public required bool Arithmetic { get; init; }

    public required int RestartInterval { get; init; }

    /// <summary>Number of scans libjpeg read.</summary>
    public required int InputScanNumber { get; init; }

    public required int TotalImcuRows { get; init; }

    /// <summary>The last iMCU row libjpeg decoded before the data ran out (progressive smoothing uses it).</summary>
    public required int LastGoodImcuRow { get; init; }

    public required IReadOnlyList<JpegComponent> Components { get; init; }

    /// <summary>What libjpeg-turbo recovered from while reading the file.</summary>
    public required JpegWarnings Warnings { get; init; }

    /// <summary>Sampling in the usual J:a:b notation when it is one of the common layouts, else "HxV,...".</summary>
    public string SamplingName
    {
        get
        {
            if (Components.Count == 1)
            {
                return "gray";
            }

            string factors = string.Join(",", Components.Select(c => $"{c.HorizontalSampling}x{c.VerticalSampling}"));
            return factors switch
            {
                "1x1,1x1,1x1" => "4:4:4",
                "2x1,1x1,1x1" => "4:2:2",
                "2x2,1x1,1x1" => "4:2:0",
                "1x2,1x1,1x1" => "4:4:0",
                "4x1,1x1,1x1" => "4:1:1",
                _ => factors,
            };
        }
    }

    public static JpegCoefficients Read(ReadOnlySpan<byte> file, string name) => Read(file, name, JpegLimits.Default);

    public static JpegCoefficients Read(ReadOnlySpan<byte> file, string name, JpegLimits limits) => Read(file, name, limits, null);

    /// <param name="allocate">Where each component's blocks go (given the number of coefficients; the array may be longer,
    /// e.g. rented from a pool, and the caller then owns it); by default a new array of exactly that length.</param>
    public static unsafe JpegCoefficients Read(ReadOnlySpan<byte> file, string name, JpegLimits limits, Func<int, short[]>? allocate)
    {
        NativeJpegCoefficients header;
        var n = &header;
        JpegComponent[] components;
        fixed (byte* data = file)
        {
            using JpegReaderHandle reader = NativeMethods.OpenJpegCoefficients(data, file.Length, limits, n, name);
            components = new JpegComponent[n->NumComponents];
            NativeJpegComponent* first = &n->Component0;
            for (int ci = 0; ci < components.Length; ci++)
            {
                NativeJpegComponent* c = first + ci;
                // Uninitialised: the shim overwrites every element.
                int count = checked(c->WidthInBlocks * c->HeightInBlocks * 64);
                short[] blocks = allocate is null ? GC.AllocateUninitializedArray<short>(count) : allocate(count);
                NativeMethods.CopyJpegCoefficients(reader, ci, blocks.AsSpan(0, count), name);
                components[ci] = new JpegComponent
                {
                    Id = c->Id,
                    HorizontalSampling = c->HSamp,
                    VerticalSampling = c->VSamp,
                    WidthInBlocks = c->WidthInBlocks,
                    HeightInBlocks = c->HeightInBlocks,
                    DownsampledWidth = c->DownsampledWidth,
                    DownsampledHeight = c->DownsampledHeight,
                    QuantTableIndex = c->QuantTable,
                    Quant = new ReadOnlySpan<ushort>(c->Quant, 64).ToArray(),
                    CoefBits = new ReadOnlySpan<int>(c->CoefBits, 10).ToArray(),
                    PrevCoefBits = new ReadOnlySpan<int>(c->PrevCoefBits, 10).ToArray(),
                    Blocks = blocks,
                };
            }
        }

        return new JpegCoefficients
        {
            Width = n->Width,
            Height = n->Height,
            ColorSpace = (JpegColorSpace)n->ColorSpace,
            MaxHorizontalSampling = n->MaxHSamp,
            MaxVerticalSampling = n->MaxVSamp,
            Progressive = n->Progressive != 0,
            Arithmetic = n->Arithmetic != 0,
            RestartInterval = n->RestartInterval,
            InputScanNumber = n->InputScanNumber,
            TotalImcuRows = n->TotalImcuRows,
            LastGoodImcuRow = n->LastGoodImcuRow,
            Components = components,
            Warnings = JpegWarnings.From(&n->Report),
        };
    }

    /// <summary>
    /// The coefficients libjpeg-turbo's IDCT sees: progressive block smoothing applied when libjpeg would apply it
    /// (<see cref="NeedsBlockSmoothing"/>), else this object.
    /// </summary>
    public JpegCoefficients ForIdct()
    {
        if (!NeedsBlockSmoothing)
        {
            return this;
        }

        var smoothed = Components.Select(c => new JpegComponent
        {
            Id = c.Id,
            HorizontalSampling = c.HorizontalSampling,
            VerticalSampling = c.VerticalSampling,
            WidthInBlocks = c.WidthInBlocks,
            HeightInBlocks = c.HeightInBlocks,
            DownsampledWidth = c.DownsampledWidth,
            DownsampledHeight = c.DownsampledHeight,
            QuantTableIndex = c.QuantTableIndex,
            Quant = c.Quant,
            CoefBits = c.CoefBits,
            PrevCoefBits = c.PrevCoefBits,
            Blocks = Kernels.Decode.BlockSmoothing.Apply(
                new(c.Blocks, c.WidthInBlocks, c.HeightInBlocks, c.VerticalSampling, c.Quant, c.CoefBits,
                    InputScanNumber > 1 ? c.PrevCoefBits : [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1]),
                TotalImcuRows,
                LastGoodImcuRow),
        }).ToArray();
        return new JpegCoefficients
        {
            Width = Width,
            Height = Height,
            ColorSpace = ColorSpace,
            MaxHorizontalSampling = MaxHorizontalSampling,
            MaxVerticalSampling = MaxVerticalSampling,
            Progressive = Progressive,
            Arithmetic = Arithmetic,
            RestartInterval = RestartInterval,
            InputScanNumber = InputScanNumber,
            TotalImcuRows = TotalImcuRows,
            LastGoodImcuRow = LastGoodImcuRow,
            Components = smoothed,
            Warnings = Warnings,
        };
    }

    // Natural-order positions of the quant values libjpeg's smoothing_ok checks (Q01, Q10, Q20, Q11, Q02, Q03, Q12, Q21, Q30).
    private static readonly int[] SmoothingQuantPositions = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24];

    /// <summary>
    /// True when libjpeg-turbo 2.1.5 would apply progressive block smoothing (<c>jdcoefct.c smoothing_ok</c>):
    /// a progressive file in which some of the first AC coefficients were never fully sent (typically truncated).
    /// </summary>
    public bool NeedsBlockSmoothing
    {
        get
        {
            if (!Progressive)
            {
                return false;
            }

            bool useful = false;
            foreach (JpegComponent c in Components)
            {
                foreach (int pos in SmoothingQuantPositions)
                {
                    if (c.Quant[pos] == 0)
                    {
                        return false;
                    }
                }

                if (c.CoefBits[0] < 0)
                {
                    return false;
                }

                for (int k = 1; k < 10; k++)
                {
                    useful |= c.CoefBits[k] != 0;
                }
            }

            return useful;
        }
    }
}
