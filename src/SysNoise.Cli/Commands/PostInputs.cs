using SysNoise.Runtime.IO;
using SysNoise.Runtime.Tensors;

namespace SysNoise.Cli.Commands;

/// <summary>Reads and checks the .npy inputs of the post-processing verbs; every refusal is one line naming the file.</summary>
internal static class PostInputs
{
    /// <summary>An N×<paramref name="width"/> float32 array (<paramref name="width"/> = 0: any positive multiple of 4).</summary>
    public static Tensor<float> Matrix(string path, string what, int width)
    {
        Tensor t = NpyFormat.Read(path);
        if (t is not Tensor<float> f)
        {
            throw new CliException($"{path}: dtype {t.DType.ToString().ToLowerInvariant()} is not supported; {what} must be float32");
        }

        bool shapeOk = t.Rank == 2 && (width > 0 ? t.Shape[1] == width : t.Shape[1] > 0 && t.Shape[1] % 4 == 0);
        if (!shapeOk)
        {
            string expected = width > 0 ? $"N×{width}" : "N×4K (K ≥ 1)";
            throw new CliException($"{path}: expected {what} as an {expected} float32 array, got shape {t.ShapeText}");
        }

        return f;
    }

    public static Tensor<float> Vector(string path, string what, int n, string countSource)
    {
        Tensor t = NpyFormat.Read(path);
        if (t is not Tensor<float> f)
        {
            throw new CliException($"{path}: dtype {t.DType.ToString().ToLowerInvariant()} is not supported; {what} must be float32");
        }

        if (t.Rank != 1)
        {
            throw new CliException($"{path}: expected {what} as a 1-D float32 array of N values, got shape {t.ShapeText}");
        }

        if (t.Shape[0] != n)
        {
            throw new CliException($"{path}: {t.Shape[0]} {what} for {n} boxes in {countSource}");
        }

        return f;
    }

    public static long[] Classes(string path, int n, string countSource)
    {
        Tensor t = NpyFormat.Read(path);
        long[] classes = t switch
        {
            Tensor<long> l when t.Rank == 1 => l.Data,
            Tensor<int> i when t.Rank == 1 => Array.ConvertAll(i.Data, v => (long)v),
            Tensor<long> or Tensor<int> => throw new CliException($"{path}: expected class indices as a 1-D int64 array of N values, got shape {t.ShapeText}"),
            _ => throw new CliException($"{path}: dtype {t.DType.ToString().ToLowerInvariant()} is not supported; class indices must be int64 (or int32)"),
        };
        if (classes.Length != n)
        {
            throw new CliException($"{path}: {classes.Length} class indices for {n} boxes in {countSource}");
        }

        return classes;
    }
}
