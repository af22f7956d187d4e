using SysNoise.Runtime.Metrics;
using SysNoise.Tests.Support;
using Xunit.Abstractions;

namespace SysNoise.Tests.Metrics;

/// <summary>Label-free agreement: box matching, polygon IoU against analytic areas, mask IoU.</summary>
public sealed class AgreementTests(ITestOutputHelper output)
{
    [Fact]
    public void IdenticalSetsAgreeFullyAndEmptySetsByConvention()
    {
        RectBox[] boxes = [new(0, 0, 10, 10), new(20, 20, 40, 30), new(5, 5, 15, 15)];
        AgreementResult r = Agreement.Boxes(boxes, boxes);
        Assert.Equal(1, r.F1);
        Assert.Equal(1, r.MeanMatchedIou);
        Assert.Equal(3, r.Matched);

        AgreementResult empty = Agreement.Boxes(Array.Empty<RectBox>(), Array.Empty<RectBox>());
        Assert.Equal(1, empty.F1);
        Assert.True(double.IsNaN(empty.MeanMatchedIou));

        AgreementResult oneSided = Agreement.Boxes(boxes, Array.Empty<RectBox>());
        Assert.Equal(0, oneSided.F1);
    }

    [Fact]
    public void ShiftedBoxHasTheKnownIou()
    {
        // 10×10 box shifted by 2 in x: overlap 8×10 = 80, union 120 → 2/3 (matched at 0.5).
        // Shifted by 4: 60 / 140 = 3/7 < 0.5 → not matched: F1 0, mean IoU undefined.
        AgreementResult r = Agreement.Boxes([new RectBox(0, 0, 10, 10)], [new RectBox(2, 0, 12, 10)]);
        Assert.Equal(2.0 / 3, r.MeanMatchedIou);
        Assert.Equal(1, r.F1);
        AgreementResult far = Agreement.Boxes([new RectBox(0, 0, 10, 10)], [new RectBox(4, 0, 14, 10)]);
        Assert.Equal(0, far.F1);
        Assert.True(double.IsNaN(far.MeanMatchedIou));
        Assert.Equal(3.0 / 7, RectBox.Iou(new RectBox(0, 0, 10, 10), new RectBox(4, 0, 14, 10)));
    }

    [Fact]
    public void GreedyMatchingTakesTheBestPairFirstAndIsOneToOne()
    {
        // B0 = [1, 11] overlaps A0 = [0, 10] by 9 (IoU 9/11) and A1 = [1.5, 11.5] by 9.5 (IoU 9.5/10.5); B1 is far away.
        // Greedy by IoU takes (A1, B0) although A0 comes first; A0 is left with nothing: matched 1 of 2 + 2 → F1 = 1/2.
        RectBox[] a = [new(0, 0, 10, 10), new(1.5, 0, 11.5, 10)];
        RectBox[] b = [new(1, 0, 11, 10), new(20, 0, 30, 10)];
        AgreementResult r = Agreement.Boxes(a, b);
        Assert.Equal([new MatchedPair(1, 0, 9.5 / 10.5)], r.Pairs);
        Assert.Equal(0.5, r.F1);

        // Classes: a box of another class never matches.
        AgreementResult classes = Agreement.Boxes([new LabeledBox(a[0], 1)], [new LabeledBox(a[0], 2)]);
        Assert.Equal(0, classes.Matched);

        // Totals pool pairs over images.
        var totals = new AgreementTotals();
        totals.Add(Agreement.Boxes([new RectBox(0, 0, 10, 10)], [new RectBox(2, 0, 12, 10)])); // 1 pair, IoU 2/3
        totals.Add(Agreement.Boxes([new RectBox(0, 0, 10, 10), new RectBox(50, 50, 60, 60)], [new RectBox(0, 0, 10, 10)])); // 1 pair IoU 1, 1 unmatched
        Assert.Equal(2.0 * 2 / 5, totals.F1);
        Assert.Equal((2.0 / 3 + 1) / 2, totals.MeanMatchedIou);
    }

    [Fact]
    public void PolygonIouOfUnitSquaresOffsetByHalfIsOneThird()
    {
        Polygon a = Polygon.FromQuad([0, 0, 1, 0, 1, 1, 0, 1]);
        Polygon b = Polygon.FromQuad([0.5, 0, 1.5, 0, 1.5, 1, 0.5, 1]);
        Assert.Equal(1.0 / 3, Polygon.Iou(a, b), 15);

        // Orientation does not matter: the same squares clockwise.
        Polygon bClockwise = Polygon.FromQuad([0.5, 0, 0.5, 1, 1.5, 1, 1.5, 0]);
        Assert.Equal(1.0 / 3, Polygon.Iou(a, bClockwise), 15);
        Assert.Equal(1.0 / 3, Polygon.Iou(bClockwise, a), 15);
    }

    [Theory]
    [InlineData(45)]
    [InlineData(30)]
    [InlineData(10)]
    [InlineData(1)]
    [InlineData(89)]
    public void RotatedSquareMatchesTheAnalyticOverlap(double degrees)
    {
        // A unit square and the same square turned by θ about its centre. The parts of one outside the other are 8
        // congruent right triangles with hypotenuse h and legs h·cosθ, h·sinθ; along a side h·cosθ + h + h·sinθ = 1, so
        // h = 1 / (1 + sinθ + cosθ) and the overlap is 1 − 4 · ½h² sinθ cosθ. At 45° that is the regular octagon
        // 2(√2 − 1) and the IoU is exactly 1/√2.
        double theta = degrees * Math.PI / 180;
        double h = 1 / (1 + Math.Sin(theta) + Math.Cos(theta));
        double overlap = 1 - (2 * h * h * Math.Sin(theta) * Math.Cos(theta));
        Polygon square = Polygon.FromQuad([-0.5, -0.5, 0.5, -0.5, 0.5, 0.5, -0.5, 0.5]);
        Polygon turned = Rotate(square, theta, 0, 0);
        Assert.Equal(overlap, Polygon.IntersectionArea(square, turned), 14);
        Assert.Equal(overlap / (2 - overlap), Polygon.Iou(square, turned), 14);
        if (degrees == 45)
        {
            Assert.Equal(1 / Math.Sqrt(2), Polygon.Iou(square, turned), 14);
        }
    }

    [Fact]
    public void RotatedRectanglesAndTheirBoundingBoxes()
    {
        // A 2×1 rectangle and the same turned by 90° about its centre: they share a 1×1 square, union 3 → 1/3.
        Polygon wide = Polygon.FromQuad([-1, -0.5, 1, -0.5, 1, 0.5, -1, 0.5]);
        Assert.Equal(1.0 / 3, Polygon.Iou(wide, Rotate(wide, Math.PI / 2, 0, 0)), 14);

        // A diamond |x| + |y| ≤ 1 (area 2) inside the square [-1, 1]² (area 4): IoU 2/4.
        Polygon diamond = Polygon.FromQuad([1, 0, 0, 1, -1, 0, 0, -1]);
        Polygon box = Polygon.FromRect(new RectBox(-1, -1, 1, 1));
        Assert.Equal(0.5, Polygon.Iou(diamond, box), 15);

        // The square [0, 1]² against the diamond: the diamond's part in the first quadrant, the triangle x + y ≤ 1
        // (area ½). IoU = ½ / (1 + 2 − ½) = 1/5.
        Assert.Equal(0.2, Polygon.Iou(Polygon.FromRect(new RectBox(0, 0, 1, 1)), diamond), 15);
    }

    [Fact]
    public void ConcaveSubjectClippedByConvexPolygon()
    {
        // L-shape: [0,2]² minus [1,2]×[1,2] (area 3); the square [0.5, 1.5]² overlaps it in 3/4 of its area (all but
        // the quarter [1,1.5]² in the notch). IoU = 0.75 / (3 + 1 − 0.75) = 3/13.
        var l = new Polygon([new(0, 0), new(2, 0), new(2, 1), new(1, 1), new(1, 2), new(0, 2)]);
        Assert.False(l.IsConvex);
        Polygon square = Polygon.FromRect(new RectBox(0.5, 0.5, 1.5, 1.5));
        Assert.Equal(3.0 / 13, Polygon.Iou(l, square), 15);
        Assert.Equal(3.0 / 13, Polygon.Iou(square, l), 15);

        // Two concave polygons cannot be clipped this way; a bow-tie is refused outright.
        Assert.Throws<NotSupportedException>(() => Polygon.Iou(l, l));
        Assert.Throws<ArgumentException>(() => Polygon.FromQuad([0, 0, 1, 1, 1, 0, 0, 1]));

        // A collapsed box is allowed and overlaps nothing.
        Polygon flat = Polygon.FromQuad([0, 0, 1, 0, 2, 0, 3, 0]);
        Assert.Equal(0, Polygon.Iou(flat, square));
    }

    [Fact]
    public void PolygonIouAgreesWithBoxIouAndIsInvariantUnderRigidMotion()
    {
        int seed = RandomImages.RunSeed;
        output.WriteLine($"seed {seed}");
        var rng = new Random(seed);
        for (int trial = 0; trial < 500; trial++)
        {
            var a = new RectBox(rng.NextDouble() * 50, rng.NextDouble() * 50, 0, 0);
            a = a with { X2 = a.X1 + 0.5 + (rng.NextDouble() * 40), Y2 = a.Y1 + 0.5 + (rng.NextDouble() * 40) };
            var b = new RectBox(rng.NextDouble() * 50, rng.NextDouble() * 50, 0, 0);
            b = b with { X2 = b.X1 + 0.5 + (rng.NextDouble() * 40), Y2 = b.Y1 + 0.5 + (rng.NextDouble() * 40) };
            double boxIou = RectBox.Iou(a, b);
            Polygon pa = Polygon.FromRect(a), pb = Polygon.FromRect(b);
            Assert.True(Math.Abs(Polygon.Iou(pa, pb) - boxIou) <= 1e-12, $"trial {trial} (seed {seed}): {a} {b}: polygon {Polygon.Iou(pa, pb):R}, box {boxIou:R}");

            // The same pair turned and moved together keeps its IoU (to rounding of the rotated coordinates).
            double theta = rng.NextDouble() * 2 * Math.PI, dx = (rng.NextDouble() - 0.5) * 100, dy = (rng.NextDouble() - 0.5) * 100;
            double moved = Polygon.Iou(Rotate(pa, theta, dx, dy), Rotate(pb, theta, dx, dy));
            Assert.True(Math.Abs(moved - boxIou) <= 1e-9, $"trial {trial} (seed {seed}): rotated by {theta:R}: {moved:R} vs {boxIou:R}");
        }
    }

    [Fact]
    public void PolygonAgreementMatchesQuadrilaterals()
    {
        Polygon[] a = [Polygon.FromQuad([0, 0, 1, 0, 1, 1, 0, 1]), Polygon.FromQuad([10, 10, 12, 10, 12, 11, 10, 11])];
        Polygon[] b = [Polygon.FromQuad([10, 10, 12, 10, 12, 11, 10, 11]), Polygon.FromQuad([0.5, 0, 1.5, 0, 1.5, 1, 0.5, 1])];
        AgreementResult r = Agreement.Polygons(a, b);
        Assert.Equal(1, r.Matched); // the offset squares (1/3) do not reach 0.5
        Assert.Equal(new MatchedPair(1, 0, 1), r.Pairs[0]);
        Assert.Equal(2.0 * 1 / 4, r.F1);
        Assert.Equal(2, Agreement.Polygons(a, b, iouThreshold: 0.3).Matched);
    }

    [Fact]
    public void MaskIouCountsPixels()
    {
        bool[] a = [true, true, false, false, true];
        bool[] b = [true, false, false, true, true];
        Assert.Equal(2.0 / 4, Agreement.MaskIou(a, b));
        Assert.Equal(1, Agreement.MaskIou(new bool[4], new bool[4])); // both empty
        Assert.Equal(0, Agreement.MaskIou(new bool[] { true, false }, new bool[] { false, false }));
        Assert.Equal(2.0 / 4, Agreement.MaskIou(new byte[] { 1, 255, 0, 0, 7 }, new byte[] { 3, 0, 0, 1, 1 }));
        Assert.Equal(1.0 / 2, Agreement.MaskIou(new float[] { 0.9f, 0.31f, 0.3f }, new float[] { 0.5f, 0.1f, 0.29f }, 0.3f));
        Assert.Throws<ArgumentException>(() => Agreement.MaskIou(new bool[3], new bool[4]));
    }

    private static Polygon Rotate(Polygon p, double theta, double dx, double dy)
    {
        double c = Math.Cos(theta), s = Math.Sin(theta);
        return new Polygon(p.Points.Select(q => new PointD((c * q.X) - (s * q.Y) + dx, (s * q.X) + (c * q.Y) + dy)));
    }
}
