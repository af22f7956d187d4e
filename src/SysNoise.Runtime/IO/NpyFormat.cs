using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Runtime.IO;

/// <summary>
/// NumPy <c>.npy</c> files, format versions 1.0 and 2.0, C order, little-endian; dtypes uint8, int8,
/// int16, int32, int64, float16, float32 and float64. Anything else is refused with an error that names
/// the file and the problem.
/// </summary>
public static partial class NpyFormat
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static Tensor Read(string path)
    {
        FileStream stream;
        try
        {
            stream = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SysNoiseIOException(path, "no such file", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SysNoiseIOException(path, ex.Message, ex);
        }

        using (stream)
        {
            return Read(stream, path);
        }
    }

    public static Tensor Read(Stream stream, string name)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (ReadFully(stream, prefix) < 8 || !prefix[..6].SequenceEqual(Magic))
        {
            throw new SysNoiseIOException(name, "not a .npy file (bad magic string)");
        }

        int major = prefix[6];
        int headerLength;
        if (major == 1)
        {
            Span<byte> len = stackalloc byte[2];
            if (ReadFully(stream, len) < 2)
            {
                throw new SysNoiseIOException(name, "truncated .npy header");
            }

            headerLength = len[0] | (len[1] << 8);
        }
        else if (major is 2 or 3)
        {
            Span<byte> len = stackalloc byte[4];
            if (ReadFully(stream, len) < 4)
            {
                throw new SysNoiseIOException(name, "truncated .npy header");
            }

            uint n = BitConverter.ToUInt32(len);
            if (n > 64 * 1024 * 1024)
            {
                throw new SysNoiseIOException(name, $"implausible .npy header length {n}");
            }

            headerLength = (int)n;
        }
        else
        {
            throw new SysNoiseIOException(name, $"unsupported .npy format version {major}.{prefix[7]}");
        }

        var headerBytes = new byte[headerLength];
        if (ReadFully(stream, headerBytes) < headerLength)
        {
            throw new SysNoiseIOException(name, "truncated .npy header");
        }

        string header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        (DType dtype, bool fortran, int[] shape) = ParseHeader(header, name);
        if (fortran)
        {
            throw new SysNoiseIOException(name, "Fortran-order arrays are not supported; save with np.ascontiguousarray(a)");
        }

        long count = Tensor.ElementCount(shape);
        long bytes = count * Tensor.SizeOf(dtype);
        if (stream.CanSeek)
        {
            long available = stream.Length - stream.Position;
            if (available != bytes)
            {
                throw new SysNoiseIOException(name, available < bytes
                    ? $"truncated: the header says {bytes} bytes of data (shape ({string.Join(", ", shape)}), {dtype.ToString().ToLowerInvariant()}) but the file has {available}"
                    : $"the header says {bytes} bytes of data (shape ({string.Join(", ", shape)}), {dtype.ToString().ToLowerInvariant()}) but the file has {available}");
            }
        }

        if (count > Array.MaxLength)
        {
            throw new SysNoiseIOException(name, $"array of {count} elements is too large");
        }

        Tensor tensor = Tensor.Create(dtype, shape);
        Span<byte> data = MemoryMarshal.AsBytes(RawSpan(tensor));
        int got = ReadFully(stream, data);
        if (got < data.Length)
        {
            throw new SysNoiseIOException(name, $"truncated: the header says {bytes} bytes of data but the file has {got}");
        }

        if (!stream.CanSeek && stream.ReadByte() >= 0)
        {
            throw new SysNoiseIOException(name, $"the header says {bytes} bytes of data but the file has more");
        }

        return tensor;
    }

    public static void Write(string path, Tensor tensor)
    {
        try
        {
            using FileStream stream = File.Create(path);
            Write(stream, tensor);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException && ex is not SysNoiseIOException)
        {
            throw new SysNoiseIOException(path, ex.Message, ex);
        }
    }

    public static void Write(Stream stream, Tensor tensor)
    {
        string shape = tensor.Rank == 1 ? $"({tensor.Shape[0]},)" : "(" + string.Join(", ", tensor.Shape) + ")";
        string dict = $"{{'descr': '{Descr(tensor.DType)}', 'fortran_order': False, 'shape': {shape}, }}";

        // Header: magic, version, length, dict padded with spaces and ending in '\n' to a multiple of 64 bytes.
        int version = dict.Length + 1 + 10 > ushort.MaxValue ? 2 : 1;
        int preamble = version == 1 ? 10 : 12;
        int total = preamble + dict.Length + 1;
        int padded = (total + 63) / 64 * 64;
        string text = dict + new string(' ', padded - total) + "\n";
        stream.Write(Magic);
        stream.WriteByte((byte)version);
        stream.WriteByte(0);
        if (version == 1)
        {
            stream.Write(BitConverter.GetBytes((ushort)text.Length));
        }
        else
        {
            stream.Write(BitConverter.GetBytes((uint)text.Length));
        }

        stream.Write(Encoding.Latin1.GetBytes(text));
        stream.Write(MemoryMarshal.AsBytes(RawSpan(tensor)));
    }

    public static string Descr(DType dtype) => dtype switch
    {
        DType.UInt8 => "|u1",
        DType.Int8 => "|i1",
        DType.Int16 => "<i2",
        DType.Int32 => "<i4",
        DType.Int64 => "<i8",
        DType.Float16 => "<f2",
        DType.Float32 => "<f4",
        DType.Float64 => "<f8",
        DType.Bool => "|b1",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    private static (DType DType, bool Fortran, int[] Shape) ParseHeader(string header, string name)
    {
        Match descr = DescrPattern().Match(header);
        Match fortran = FortranPattern().Match(header);
        Match shape = ShapePattern().Match(header);
        if (!descr.Success || !fortran.Success || !shape.Success)
        {
            throw new SysNoiseIOException(name, $"malformed .npy header: {header.Trim()}");
        }

        string d = descr.Groups[1].Value;
        DType dtype = d switch
        {
            "|u1" or "<u1" or "=u1" or "u1" => DType.UInt8,
            "|i1" or "<i1" or "=i1" or "i1" => DType.Int8,
            "<i2" => DType.Int16,
            "<i4" => DType.Int32,
            "<i8" => DType.Int64,
            "<f2" => DType.Float16,
            "<f4" => DType.Float32,
            "<f8" => DType.Float64,
            "|b1" => DType.Bool,
            _ when d.StartsWith('>') => throw new SysNoiseIOException(name, $"big-endian dtype '{d}' is not supported; convert with a.astype(a.dtype.newbyteorder('<'))"),
            _ => throw new SysNoiseIOException(name, $"unsupported dtype '{d}' (supported: uint8, int8, int16, int32, int64, float16, float32, float64, bool)"),
        };
        var dims = new List<int>();
        foreach (string part in shape.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part.TrimEnd('L'), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                throw new SysNoiseIOException(name, $"malformed shape in .npy header: ({shape.Groups[1].Value})");
            }

            dims.Add(n);
        }

        return (dtype, fortran.Groups[1].Value == "True", dims.ToArray());
    }

    private static Span<T> RawSpanOf<T>(Tensor<T> t)
        where T : unmanaged => t.Data;

    private static Span<byte> RawSpan(Tensor t) => t switch
    {
        Tensor<byte> x => RawSpanOf(x),
        Tensor<sbyte> x => MemoryMarshal.AsBytes(RawSpanOf(x)),
        Tensor<short> x => MemoryMarshal.AsBytes(RawSpanOf(x)),
        Tensor<int> x => MemoryMarshal.AsBytes(RawSpanOf(x)),
        Tensor<long> x => MemoryMarshal.AsBytes(RawSpanOf(x)),
        Tensor<Half> x => MemoryMarshal.AsBytes(RawSpanOf(x)),
        Tensor<float> x => MemoryMarshal.AsBytes(RawSpanOf(x)),
        Tensor<double> x => MemoryMarshal.AsBytes(RawSpanOf(x)),
        Tensor<bool> x => MemoryMarshal.AsBytes(RawSpanOf(x)),
        _ => throw new NotSupportedException(t.GetType().Name),
    };

    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    [GeneratedRegex(@"['""]descr['""]\s*:\s*['""]([^'""]+)['""]")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"['""]fortran_order['""]\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"['""]shape['""]\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
