namespace SysNoise.Runtime.Dense;

/// <summary>An integer point, as Clipper's <c>IntPoint</c> (cInt = 64-bit).</summary>
public readonly record struct IntPoint(long X, long Y);

/// <summary>
/// Clipper 6.4.2's <c>ClipperOffset</c> (what pyclipper 1.2.1 wraps and PaddleOCR's <c>unclip</c> calls) for one closed
/// convex polygon (DB's truncated minimum-area rectangles; a concave one is refused) with round joins (<c>JT_ROUND</c>, <c>ET_CLOSEDPOLYGON</c>), miter limit 2 and arc tolerance 0.25 (pyclipper's
/// defaults), and a positive delta: the same doubles, operations and <c>Round</c> (half away from zero) as
/// <c>ClipperOffset::DoOffset</c>/<c>OffsetPoint</c>/<c>DoRound</c>. Clipper then unions the raw offset polygon with
/// itself (<c>ctUnion</c>, <c>pftPositive</c>); for the offset of a simple convex polygon that union only drops repeated
/// and collinear vertices (no edge crosses another), which <see cref="Clean"/> does. Not modelled: Clipper's union also
/// drops some slivers (e.g. the triangle (481,785) (480,768) (480,766), area 1), which DB never offsets (its rectangles
/// have a short side of at least 3 pixels). Proven vertex for vertex against
/// pyclipper live (tests/SysNoise.Tests/Dense/RoundOffsetTests.cs); the output's starting vertex may differ from
/// Clipper's, which no caller depends on (they take its minimum-area rectangle).
/// </summary>
public static class RoundOffset
{
    private const double DefaultArcTolerance = 0.25;
    private const double TwoPi = Math.PI * 2;

    /// <summary>The offset polygon (outward for a positive <paramref name="delta"/>); empty when the path has fewer than 3 distinct vertices.</summary>
    public static List<IntPoint> ClosedPolygon(IReadOnlyList<IntPoint> path, double delta, double arcTolerance = DefaultArcTolerance)
    {
        if (!(delta > 0) || !double.IsFinite(delta))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "only outward (positive, finite) offsets are modelled");
        }

        // AddPath: drop a closing copy of the first vertex and consecutive repeats; fewer than 3 vertices is no polygon.
        int high = path.Count - 1;
        while (high > 0 && path[0] == path[high])
        {
            high--;
        }

        if (high < 0)
        {
            return [];
        }

        var src = new List<IntPoint>(high + 1) { path[0] };
        for (int i = 1; i <= high; i++)
        {
            if (src[^1] != path[i])
            {
                src.Add(path[i]);
            }
        }

        if (src.Count < 3)
        {
            return [];
        }

        if (!IsConvex(src))
        {
            // The offset of a concave polygon can cross itself, and Clipper's union then changes it: not modelled.
            throw new ArgumentException($"the round offset is modelled for convex polygons only: [{string.Join(", ", src.Select(p => $"({p.X}, {p.Y})"))}]", nameof(path));
        }

        // FixOrientations: a closed polygon whose orientation is negative is reversed.
        if (!(Area(src) >= 0))
        {
            src.Reverse();
        }

        // DoOffset: step count per radian from the arc tolerance.
        double y = arcTolerance <= 0 ? DefaultArcTolerance : arcTolerance > Math.Abs(delta) * DefaultArcTolerance ? Math.Abs(delta) * DefaultArcTolerance : arcTolerance;
        double steps = Math.PI / Math.Acos(1 - (y / Math.Abs(delta)));
        if (steps > Math.Abs(delta) * Math.PI)
        {
            steps = Math.Abs(delta) * Math.PI;
        }

        double sin = Math.Sin(TwoPi / steps), cos = Math.Cos(TwoPi / steps), stepsPerRad = steps / TwoPi;
        int len = src.Count;
        var normals = new (double X, double Y)[len];
        for (int j = 0; j < len; j++)
        {
            normals[j] = UnitNormal(src[j], src[(j + 1) % len]);
        }

        var dest = new List<IntPoint>(len * 8);
        int k = len - 1;
        for (int j = 0; j < len; j++)
        {
            // OffsetPoint(j, k, jtRound)
            double sinA = (normals[k].X * normals[j].Y) - (normals[j].X * normals[k].Y);
            if (Math.Abs(sinA * delta) < 1.0)
            {
                double cosA = (normals[k].X * normals[j].X) + (normals[j].Y * normals[k].Y);
                if (cosA > 0)
                {
                    dest.Add(new IntPoint(Round(src[j].X + (normals[k].X * delta)), Round(src[j].Y + (normals[k].Y * delta))));
                    continue; // Clipper returns here without advancing k
                }
            }
            else if (sinA > 1.0)
            {
                sinA = 1.0;
            }
            else if (sinA < -1.0)
            {
                sinA = -1.0;
            }

            if (sinA * delta < 0)
            {
                dest.Add(new IntPoint(Round(src[j].X + (normals[k].X * delta)), Round(src[j].Y + (normals[k].Y * delta))));
                dest.Add(src[j]);
                dest.Add(new IntPoint(Round(src[j].X + (normals[j].X * delta)), Round(src[j].Y + (normals[j].Y * delta))));
            }
            else
            {
                // DoRound(j, k)
                double a = Math.Atan2(sinA, (normals[k].X * normals[j].X) + (normals[k].Y * normals[j].Y));
                int count = Math.Max((int)Round(stepsPerRad * Math.Abs(a)), 1);
                double x = normals[k].X, yy = normals[k].Y;
                for (int i = 0; i < count; i++)
                {
                    dest.Add(new IntPoint(Round(src[j].X + (x * delta)), Round(src[j].Y + (yy * delta))));
                    double x2 = x;
                    x = (x * cos) - (sin * yy);
                    yy = (x2 * sin) + (yy * cos);
                }

                dest.Add(new IntPoint(Round(src[j].X + (normals[j].X * delta)), Round(src[j].Y + (normals[j].Y * delta))));
            }

            k = j;
        }

        return Clean(dest);
    }

    /// <summary>True when every turn has the same sign or none (collinear and repeated vertices allowed).</summary>
    public static bool IsConvex(IReadOnlyList<IntPoint> p)
    {
        int sign = 0;
        for (int i = 0; i < p.Count; i++)
        {
            IntPoint a = p[i], b = p[(i + 1) % p.Count], c = p[(i + 2) % p.Count];
            Int128 cross = ((Int128)(b.X - a.X) * (c.Y - b.Y)) - ((Int128)(b.Y - a.Y) * (c.X - b.X));
            int s = cross.CompareTo(Int128.Zero);
            if (s != 0)
            {
                if (sign != 0 && s != sign)
                {
                    return false;
                }

                sign = s;
            }
        }

        return true;
    }

    /// <summary>Clipper's signed area (positive: the orientation Clipper calls true).</summary>
    public static double Area(IReadOnlyList<IntPoint> poly)
    {
        int size = poly.Count;
        if (size < 3)
        {
            return 0;
        }

        double a = 0;
        for (int i = 0, j = size - 1; i < size; ++i)
        {
            a += ((double)poly[j].X + poly[i].X) * ((double)poly[j].Y - poly[i].Y);
            j = i;
        }

        return -a * 0.5;
    }

    /// <summary>
    /// The union's clean-up of a polygon that does not cross itself: drops repeated vertices and vertices on the line through
    /// their neighbours (exact integer test) until none is left; empty when what remains has no positive area.
    /// </summary>
    public static List<IntPoint> Clean(List<IntPoint> poly)
    {
        var p = new List<IntPoint>(poly);
        bool changed = true;
        while (changed && p.Count >= 3)
        {
            changed = false;
            for (int i = 0; i < p.Count && p.Count >= 3; i++)
            {
                IntPoint prev = p[(i + p.Count - 1) % p.Count], cur = p[i], next = p[(i + 1) % p.Count];
                Int128 cross = ((Int128)(cur.X - prev.X) * (next.Y - cur.Y)) - ((Int128)(cur.Y - prev.Y) * (next.X - cur.X));
                if (cur == prev || cross == 0)
                {
                    p.RemoveAt(i);
                    changed = true;
                    i--;
                }
            }
        }

        // pftPositive keeps regions of positive winding only: a (tiny) polygon whose rounding reversed it is nothing.
        return p.Count < 3 || !(Area(p) > 0) ? [] : p;
    }

    private static (double X, double Y) UnitNormal(IntPoint a, IntPoint b)
    {
        if (a == b)
        {
            return (0, 0);
        }

        double dx = b.X - a.X;
        double dy = b.Y - a.Y;
        double f = 1 * 1.0 / Math.Sqrt((dx * dx) + (dy * dy));
        dx *= f;
        dy *= f;
        return (dy, -dx);
    }

    /// <summary>Clipper's <c>Round</c>: half away from zero by a truncating cast.</summary>
    private static long Round(double v) => v < 0 ? (long)(v - 0.5) : (long)(v + 0.5);
}
