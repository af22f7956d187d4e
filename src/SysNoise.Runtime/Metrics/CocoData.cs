using System.Globalization;
using System.Text.Json;

namespace SysNoise.Runtime.Metrics;

/// <summary>A COCO box <c>[x, y, width, height]</c> in pixels (continuous coordinates, no +1 anywhere).</summary>
public readonly record struct CocoBox(double X, double Y, double Width, double Height)
{
    /// <summary>Width · height, as pycocotools' <c>loadRes</c> sets a detection's area.</summary>
    public double Area => Width * Height;
}

/// <summary>A ground-truth annotation. <see cref="Area"/> is the file's <c>area</c> field (the segment's area in COCO), not the box's.</summary>
public sealed record CocoAnnotation(long Id, long ImageId, long CategoryId, CocoBox Box, double Area, bool IsCrowd);

/// <summary>One detection: <c>{image_id, category_id, bbox, score}</c>.</summary>
public sealed record CocoDetection(long ImageId, long CategoryId, CocoBox Box, double Score);

/// <summary>A category of the ground-truth file.</summary>
public sealed record CocoCategory(long Id, string Name);

/// <summary>
/// A COCO ground-truth file: <c>{"images": [{"id"}...], "annotations": [{"id", "image_id", "category_id", "bbox",
/// "area", "iscrowd"}...], "categories": [{"id", "name"}...]}</c>. Every image and category listed is evaluated, as
/// pycocotools evaluates <c>getImgIds()</c> and <c>getCatIds()</c>.
/// </summary>
public sealed class CocoGroundTruth
{
    public CocoGroundTruth(IReadOnlyList<long> imageIds, IReadOnlyList<CocoCategory> categories, IReadOnlyList<CocoAnnotation> annotations)
    {
        ImageIds = imageIds;
        Categories = categories;
        Annotations = annotations;
        var seen = new HashSet<long>();
        foreach (CocoAnnotation a in annotations)
        {
            // pycocotools indexes annotations by id: a repeated id would silently evaluate the last one twice.
            if (!seen.Add(a.Id))
            {
                throw new ArgumentException($"annotation id {a.Id} appears more than once", nameof(annotations));
            }
        }
    }

    public IReadOnlyList<long> ImageIds { get; }

    public IReadOnlyList<CocoCategory> Categories { get; }

    public IReadOnlyList<CocoAnnotation> Annotations { get; }

    public static CocoGroundTruth Load(string path)
    {
        using JsonDocument doc = CocoJson.Open(path);
        return Parse(doc.RootElement, path);
    }

    /// <summary>Reads a ground-truth document; errors name <paramref name="source"/> and the offending entry.</summary>
    public static CocoGroundTruth Parse(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{source}: a COCO ground-truth file is a JSON object with images, annotations and categories");
        }

        var images = new List<long>();
        foreach ((JsonElement image, int i) in CocoJson.Array(root, "images", source))
        {
            images.Add(CocoJson.Id(image, "id", source, $"images[{i}]"));
        }

        var categories = new List<CocoCategory>();
        foreach ((JsonElement category, int i) in CocoJson.Array(root, "categories", source))
        {
            string where = $"categories[{i}]";
            long id = CocoJson.Id(category, "id", source, where);
            string name = category.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String ? n.GetString()! : id.ToString(CultureInfo.InvariantCulture);
            categories.Add(new CocoCategory(id, name));
        }

        var annotations = new List<CocoAnnotation>();
        var ids = new HashSet<long>();
        foreach ((JsonElement a, int i) in CocoJson.Array(root, "annotations", source))
        {
            string where = $"annotations[{i}]";
            long id = CocoJson.Id(a, "id", source, where);
            if (!ids.Add(id))
            {
                throw new InvalidDataException($"{source}: {where}: annotation id {id} appears more than once (pycocotools would evaluate the last one in place of both)");
            }

            if (!a.TryGetProperty("area", out JsonElement area) || area.ValueKind != JsonValueKind.Number)
            {
                // No fallback to the box area: COCO's area is the segment's, and a guess would move objects between small/medium/large.
                throw new InvalidDataException($"{source}: {where}: missing numeric \"area\" (COCO evaluation assigns small/medium/large by it)");
            }

            annotations.Add(new CocoAnnotation(
                id,
                CocoJson.Id(a, "image_id", source, where),
                CocoJson.Id(a, "category_id", source, where),
                CocoJson.Box(a, source, where),
                area.GetDouble(),
                CocoJson.Crowd(a, source, where)));
        }

        return new CocoGroundTruth(images, categories, annotations);
    }
}

/// <summary>A COCO results file: a JSON array of <c>{image_id, category_id, bbox, score}</c> (other fields are ignored).</summary>
public static class CocoDetections
{
    public static IReadOnlyList<CocoDetection> Load(string path)
    {
        using JsonDocument doc = CocoJson.Open(path);
        return Parse(doc.RootElement, path);
    }

    public static IReadOnlyList<CocoDetection> Parse(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{source}: a COCO detections file is a JSON array of {{image_id, category_id, bbox, score}}");
        }

        var detections = new List<CocoDetection>(root.GetArrayLength());
        int i = 0;
        foreach (JsonElement d in root.EnumerateArray())
        {
            string where = $"[{i++}]";
            if (d.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: {where}: a detection is a JSON object");
            }

            if (!d.TryGetProperty("score", out JsonElement score) || score.ValueKind != JsonValueKind.Number || !double.IsFinite(score.GetDouble()))
            {
                throw new InvalidDataException($"{source}: {where}: missing finite numeric \"score\"");
            }

            detections.Add(new CocoDetection(CocoJson.Id(d, "image_id", source, where), CocoJson.Id(d, "category_id", source, where), CocoJson.Box(d, source, where), score.GetDouble()));
        }

        return detections;
    }
}

internal static class CocoJson
{
    public static JsonDocument Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file", path);
        }

        try
        {
            using FileStream stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = false, MaxDepth = 256 });
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({ex.Message.Split('\n')[0]})", ex);
        }
    }

    public static IEnumerable<(JsonElement Item, int Index)> Array(JsonElement root, string name, string source)
    {
        if (!root.TryGetProperty(name, out JsonElement array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{source}: missing \"{name}\" array");
        }

        int i = 0;
        foreach (JsonElement item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{source}: {name}[{i}] is not a JSON object");
            }

            yield return (item, i++);
        }
    }

    public static long Id(JsonElement obj, string name, string source, string where)
    {
        if (obj.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number)
        {
            if (v.TryGetInt64(out long id))
            {
                return id;
            }

            // 3.0 is the integer 3 to Python's dict lookups too (hash(3.0) == hash(3)).
            if (double.TryParse(v.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) < 9e15)
            {
                return (long)d;
            }
        }

        throw new InvalidDataException($"{source}: {where}: missing integer \"{name}\"");
    }

    public static CocoBox Box(JsonElement obj, string source, string where)
    {
        if (obj.TryGetProperty("bbox", out JsonElement b) && b.ValueKind == JsonValueKind.Array && b.GetArrayLength() == 4
            && b.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number))
        {
            var box = new CocoBox(b[0].GetDouble(), b[1].GetDouble(), b[2].GetDouble(), b[3].GetDouble());
            if (double.IsFinite(box.X) && double.IsFinite(box.Y) && double.IsFinite(box.Width) && double.IsFinite(box.Height))
            {
                return box;
            }
        }

        throw new InvalidDataException($"{source}: {where}: \"bbox\" must be [x, y, width, height] (4 finite numbers)");
    }

    public static bool Crowd(JsonElement obj, string source, string where)
    {
        if (!obj.TryGetProperty("iscrowd", out JsonElement c))
        {
            return false; // pycocotools would raise KeyError; a file without crowd regions has none
        }

        return c.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when c.TryGetInt64(out long v) && v is 0 or 1 => v == 1,
            _ => throw new InvalidDataException($"{source}: {where}: \"iscrowd\" must be 0 or 1"),
        };
    }
}
