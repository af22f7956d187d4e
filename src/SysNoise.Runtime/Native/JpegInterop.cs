using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace SysNoise.Runtime.Native;

/// <summary>Mirrors <c>sn_jpeg_limits</c>: bounds on what a hostile file can make the decoder do.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct JpegLimits
{
    public const long DefaultMaxPixels = 100_000_000;
    public const int DefaultMaxScans = 1000;

    public long MaxPixels;
    public int MaxScans;
    private readonly int reserved;

    public static JpegLimits Default => new() { MaxPixels = DefaultMaxPixels, MaxScans = DefaultMaxScans };

    public static JpegLimits WithMaxPixels(long maxPixels) => new() { MaxPixels = maxPixels, MaxScans = DefaultMaxScans };
}

/// <summary>The warnings libjpeg-turbo recovered from while decoding one file (corrupt data, premature end, ...).</summary>
public sealed record JpegWarnings(int Count, IReadOnlyList<string> Messages)
{
    public static readonly JpegWarnings None = new(0, []);

    public override string ToString() => Count == 0 ? "no warnings" : $"{Count} warning(s): {string.Join("; ", Messages)}";

    internal static unsafe JpegWarnings From(NativeJpegReport* report)
    {
        if (report->WarningCount == 0)
        {
            return None;
        }

        string text = Marshal.PtrToStringUTF8((nint)report->Warnings) ?? string.Empty;
        return new JpegWarnings(report->WarningCount, text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeJpegReport
{
    public const int WarningsCapacity = 512;
    public int WarningCount;
    public fixed byte Warnings[WarningsCapacity];
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeJpegComponent
{
    public int Id;
    public int HSamp;
    public int VSamp;
    public int WidthInBlocks;
    public int HeightInBlocks;
    public int DownsampledWidth;
    public int DownsampledHeight;
    public int QuantTable;
    public fixed ushort Quant[64];
    public fixed int CoefBits[10];
    public fixed int PrevCoefBits[10];
    public short* Blocks;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeJpegCoefficients
{
    public int Width;
    public int Height;
    public int NumComponents;
    public int ColorSpace;
    public int MaxHSamp;
    public int MaxVSamp;
    public int Progressive;
    public int Arithmetic;
    public int RestartInterval;
    public int DataPrecision;
    public int InputScanNumber;
    public int TotalImcuRows;
    public int LastGoodImcuRow;
    private readonly int reserved;
    public NativeJpegReport Report;
    public NativeJpegComponent Component0;
    public NativeJpegComponent Component1;
    public NativeJpegComponent Component2;
    public NativeJpegComponent Component3;
}

/// <summary>Owns an <c>sn_jpeg_reader</c> (libjpeg's decompressor holding the coefficient arrays); closed on release.</summary>
public sealed class JpegReaderHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public JpegReaderHandle()
        : base(ownsHandle: true)
    {
    }

    internal JpegReaderHandle(nint pointer)
        : base(ownsHandle: true) => SetHandle(pointer);

    protected override bool ReleaseHandle()
    {
        NativeMethods.JpegCoefficientsClose(handle);
        return true;
    }
}
