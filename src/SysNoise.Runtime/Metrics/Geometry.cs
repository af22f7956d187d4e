namespace SysNoise.Runtime.Metrics;

/// <summary>An axis-aligned box by corners (x1, y1, x2, y2), continuous coordinates (no +1).</summary>
public readonly record struct RectBox(double X1, double Y1, double X2, double Y2)
{
    public double Area => Math.Max(0, X2 - X1) * Math.Max(0, Y2 - Y1);

    public static RectBox FromXywh(double x, double y, double width, double height) => new(x, y, x + width, y + height);

    /// <summary>Intersection over union; 0 when the union is empty (two degenerate boxes).</summary>
    public static double Iou(RectBox a, RectBox b)
    {
        double w = Math.Min(a.X2, b.X2) - Math.Max(a.X1, b.X1);
        double h = Math.Min(a.Y2, b.Y2) - Math.Max(a.Y1, b.Y1);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        double inter = w * h;
        double union = a.Area + b.Area - inter;
        return union > 0 ? inter / union : 0;
    }
}

public readonly record struct PointD(double X, double Y);

/// <summary>
/// A simple polygon (OCR text boxes: quadrilaterals, possibly rotated), either orientation. Intersections use
/// Sutherland–Hodgman clipping against a convex polygon, so at least one of the two polygons must be convex; the other
/// may be concave (clipping a simple polygon by a half-plane keeps its area exactly; the seams it adds along the clip
/// line enclose nothing). Self-intersecting polygons (a "bow-tie" quadrilateral) are rejected: their area is ambiguous.
/// </summary>
public sealed class Polygon
{
    private readonly PointD[] points;

    public Polygon(IEnumerable<PointD> vertices)
    {
        var list = new List<PointD>();
        foreach (PointD p in vertices)
        {
            if (!double.IsFinite(p.X) || !double.IsFinite(p.Y))
            {
                throw new ArgumentException("polygon vertices must be finite numbers", nameof(vertices));
            }

            // Repeated consecutive vertices (and a closing copy of the first) add no edge.
            if (list.Count == 0 || list[^1] != p)
            {
                list.Add(p);
            }
        }

        while (list.Count > 1 && list[^1] == list[0])
        {
            list.RemoveAt(list.Count - 1);
        }

        points = [.. list];
        SignedArea = PolygonMath.SignedArea(points);
        // A polygon whose vertices all lie on one line (a collapsed box) is allowed: area 0, IoU 0 with anything.
        if (!PolygonMath.AllCollinear(points) && !PolygonMath.IsSimple(points))
        {
            throw new ArgumentException($"polygon ({Describe()}) intersects itself: its area is ambiguous", nameof(vertices));
        }

        IsConvex = PolygonMath.IsConvex(points);
    }

    /// <summary>Four corners in order (x1, y1, …, x4, y4), as OCR detectors emit them.</summary>
    public static Polygon FromQuad(ReadOnlySpan<double> xy)
    {
        if (xy.Length != 8)
        {
            throw new ArgumentException($"a quadrilateral has 8 coordinates, not {xy.Length}");
        }

        return new Polygon([new(xy[0], xy[1]), new(xy[2], xy[3]), new(xy[4], xy[5]), new(xy[6], xy[7])]);
    }

    public static Polygon FromRect(RectBox box) => new([new(box.X1, box.Y1), new(box.X2, box.Y1), new(box.X2, box.Y2), new(box.X1, box.Y2)]);

    public IReadOnlyList<PointD> Points => points;

    /// <summary>Shoelace area: positive for counter-clockwise (y up) vertex order.</summary>
    public double SignedArea { get; }

    public double Area => Math.Abs(SignedArea);

    public bool IsConvex { get; }

    /// <summary>Area of the intersection of two polygons (at least one convex).</summary>
    public static double IntersectionArea(Polygon a, Polygon b)
    {
        if (a.Area == 0 || b.Area == 0)
        {
            return 0;
        }

        (Polygon clip, Polygon subject) = a.IsConvex ? (a, b) : b.IsConvex ? (b, a) : throw new NotSupportedException(
            $"polygon intersection needs at least one convex polygon; neither ({a.Describe()}) nor ({b.Describe()}) is");
        return Math.Abs(PolygonMath.SignedArea(PolygonMath.Clip(subject.points, clip.points, clip.SignedArea > 0)));
    }

    /// <summary>Intersection over union; 0 when the union is empty.</summary>
    public static double Iou(Polygon a, Polygon b)
    {
        double inter = IntersectionArea(a, b);
        double union = a.Area + b.Area - inter;
        return union > 0 ? inter / union : 0;
    }

    private string Describe() => string.Join(" ", points.Select(p => FormattableString.Invariant($"({p.X}, {p.Y})")));
}

internal static class PolygonMath
{
    public static double SignedArea(IReadOnlyList<PointD> p)
    {
        if (p.Count < 3)
        {
            return 0;
        }

        // Shoelace relative to the first vertex: the same area with less cancellation far from the origin.
        double sum = 0;
        PointD o = p[0];
        for (int i = 1; i + 1 < p.Count; i++)
        {
            sum += Cross(p[i].X - o.X, p[i].Y - o.Y, p[i + 1].X - o.X, p[i + 1].Y - o.Y);
        }

        return sum / 2;
    }

    public static bool AllCollinear(PointD[] p)
    {
        for (int i = 2; i < p.Length; i++)
        {
            if (Orientation(p[0], p[1], p[i]) != 0)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Every turn has the same sign (collinear vertices allowed) and the polygon winds once.</summary>
    public static bool IsConvex(PointD[] p)
    {
        int n = p.Length;
        if (n < 3)
        {
            return true; // degenerate: area 0, never clipped
        }

        int sign = 0;
        for (int i = 0; i < n; i++)
        {
            PointD a = p[i], b = p[(i + 1) % n], c = p[(i + 2) % n];
            double turn = Cross(b.X - a.X, b.Y - a.Y, c.X - b.X, c.Y - b.Y);
            int s = turn > 0 ? 1 : turn < 0 ? -1 : 0;
            if (s != 0)
            {
                if (sign != 0 && s != sign)
                {
                    return false;
                }

                sign = s;
            }
        }

        return true; // with IsSimple already checked, same-sign turns mean convex (a star polygon would intersect itself)
    }

    /// <summary>No two non-adjacent edges touch (O(n²), fine for OCR boxes).</summary>
    public static bool IsSimple(PointD[] p)
    {
        int n = p.Length;
        if (n < 4)
        {
            return true;
        }

        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                bool adjacent = j == i + 1 || (i == 0 && j == n - 1);
                if (!adjacent && SegmentsTouch(p[i], p[(i + 1) % n], p[j], p[(j + 1) % n]))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Sutherland–Hodgman: <paramref name="subject"/> clipped by each edge of the convex <paramref name="clip"/>.</summary>
    public static List<PointD> Clip(PointD[] subject, PointD[] clip, bool clipCounterClockwise)
    {
        var output = new List<PointD>(subject);
        var input = new List<PointD>();
        int n = clip.Length;
        for (int e = 0; e < n && output.Count > 0; e++)
        {
            PointD c1 = clip[e], c2 = clip[(e + 1) % n];
            double ex = c2.X - c1.X, ey = c2.Y - c1.Y;
            if (ex == 0 && ey == 0)
            {
                continue;
            }

            (input, output) = (output, input);
            output.Clear();
            PointD prev = input[^1];
            double prevSide = Side(prev);
            foreach (PointD cur in input)
            {
                double curSide = Side(cur);
                if (curSide >= 0)
                {
                    if (prevSide < 0)
                    {
                        output.Add(Crossing(prev, cur, prevSide, curSide));
                    }

                    output.Add(cur);
                }
                else if (prevSide >= 0)
                {
                    output.Add(Crossing(prev, cur, prevSide, curSide));
                }

                prev = cur;
                prevSide = curSide;
            }

            // Positive: left of the edge for a counter-clockwise clip polygon, right of it for a clockwise one.
            double Side(PointD q)
            {
                double s = Cross(ex, ey, q.X - c1.X, q.Y - c1.Y);
                return clipCounterClockwise ? s : -s;
            }
        }

        return output;
    }

    private static PointD Crossing(PointD a, PointD b, double sideA, double sideB)
    {
        // Where the segment a→b meets the clip line, from the same side values that decided in/out.
        double t = sideA / (sideA - sideB);
        return new PointD(a.X + (t * (b.X - a.X)), a.Y + (t * (b.Y - a.Y)));
    }

    private static double Cross(double ax, double ay, double bx, double by) => (ax * by) - (ay * bx);

    private static bool SegmentsTouch(PointD a, PointD b, PointD c, PointD d)
    {
        double d1 = Orientation(c, d, a), d2 = Orientation(c, d, b), d3 = Orientation(a, b, c), d4 = Orientation(a, b, d);
        if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)))
        {
            return true;
        }

        return (d1 == 0 && OnSegment(c, d, a)) || (d2 == 0 && OnSegment(c, d, b)) || (d3 == 0 && OnSegment(a, b, c)) || (d4 == 0 && OnSegment(a, b, d));
    }

    private static double Orientation(PointD a, PointD b, PointD c) => Cross(b.X - a.X, b.Y - a.Y, c.X - a.X, c.Y - a.Y);

    private static bool OnSegment(PointD a, PointD b, PointD q) =>
        Math.Min(a.X, b.X) <= q.X && q.X <= Math.Max(a.X, b.X) && Math.Min(a.Y, b.Y) <= q.Y && q.Y <= Math.Max(a.Y, b.Y);
}
