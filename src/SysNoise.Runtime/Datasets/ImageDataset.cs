using System.Globalization;

namespace SysNoise.Runtime.Datasets;

/// <summary>One labelled image of a dataset.</summary>
public sealed record DatasetItem(int Index, string Path, string RelativePath, int Label);

/// <summary>
/// A labelled image set: an ImageFolder tree (one folder per class, class index by sorted folder name, as
/// torchvision does) or a meta file of <c>relative/path.jpg label</c> lines (the released SysNoise code's format).
/// Items are in a fixed order (sorted paths), so every run sees the same sequence.
/// </summary>
public sealed class ImageDataset
{
    private static readonly string[] JpegExtensions = [".jpg", ".jpeg", ".JPG", ".JPEG"];

    private ImageDataset(string root, IReadOnlyList<string> classes, IReadOnlyList<DatasetItem> items, string layout)
    {
        Root = root;
        Classes = classes;
        Items = items;
        Layout = layout;
    }

    public string Root { get; }

    /// <summary>Class names by index (ImageFolder) or the label numbers as text (meta file).</summary>
    public IReadOnlyList<string> Classes { get; }

    public IReadOnlyList<DatasetItem> Items { get; }

    /// <summary>"imagefolder", "meta" or "flat" (a folder of JPEGs, all label 0).</summary>
    public string Layout { get; }

    /// <summary>A folder is read as ImageFolder; a file as a meta file (paths relative to its folder).</summary>
    public static ImageDataset Open(string path)
    {
        if (File.Exists(path))
        {
            return OpenMeta(path);
        }

        if (!Directory.Exists(path))
        {
            throw new IO.SysNoiseIOException(path, "no such dataset folder or meta file");
        }

        string[] classDirs = Directory.GetDirectories(path).Order(StringComparer.Ordinal).ToArray();
        if (classDirs.Length == 0)
        {
            string? meta = new[] { "meta.txt", "test_meta.txt", "val.txt" }.Select(m => System.IO.Path.Combine(path, m)).FirstOrDefault(File.Exists);
            if (meta is not null)
            {
                return OpenMeta(meta);
            }

            // A flat folder of JPEGs: one unlabelled set (label 0), e.g. the text-detection images.
            string[] flat = Directory.EnumerateFiles(path).Where(f => JpegExtensions.Contains(System.IO.Path.GetExtension(f))).Order(StringComparer.Ordinal).ToArray();
            return flat.Length > 0
                ? new ImageDataset(path, [string.Empty], flat.Select((f, i) => new DatasetItem(i, f, System.IO.Path.GetFileName(f), 0)).ToArray(), "flat")
                : throw new IO.SysNoiseIOException(path, "neither class sub-folders (ImageFolder), a meta file (meta.txt) nor JPEG files found");
        }

        var items = new List<DatasetItem>();
        var classes = new List<string>();
        for (int label = 0; label < classDirs.Length; label++)
        {
            classes.Add(System.IO.Path.GetFileName(classDirs[label]));
            foreach (string file in Directory.EnumerateFiles(classDirs[label], "*", SearchOption.AllDirectories)
                .Where(f => JpegExtensions.Contains(System.IO.Path.GetExtension(f)))
                .Order(StringComparer.Ordinal))
            {
                items.Add(new DatasetItem(items.Count, file, System.IO.Path.GetRelativePath(path, file), label));
            }
        }

        return new ImageDataset(path, classes, items, "imagefolder");
    }

    private static ImageDataset OpenMeta(string metaPath)
    {
        string root = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(metaPath))!;
        var items = new List<DatasetItem>();
        int maxLabel = -1;
        int lineNumber = 0;
        foreach (string raw in File.ReadLines(metaPath))
        {
            lineNumber++;
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            int space = line.LastIndexOfAny([' ', '\t']);
            if (space <= 0 || !int.TryParse(line[(space + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out int label) || label < 0)
            {
                throw new IO.SysNoiseIOException(metaPath, $"line {lineNumber}: expected 'relative/path.jpg label', got '{line}'");
            }

            string relative = line[..space].Trim();
            items.Add(new DatasetItem(items.Count, System.IO.Path.Combine(root, relative), relative, label));
            maxLabel = Math.Max(maxLabel, label);
        }

        return new ImageDataset(root, Enumerable.Range(0, maxLabel + 1).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray(), items, "meta");
    }

    /// <summary>
    /// <paramref name="limit"/> items evenly spaced over the sorted list (item ⌊i·count/limit⌋ for i = 0..limit−1), so a
    /// subset of an ImageFolder spans every class instead of the first folders; all items when null.
    /// </summary>
    public IReadOnlyList<DatasetItem> Take(int? limit) => limit is int n && n < Items.Count
        ? Enumerable.Range(0, Math.Max(0, n)).Select(i => Items[(int)((long)i * Items.Count / n)]).ToArray()
        : Items;
}
