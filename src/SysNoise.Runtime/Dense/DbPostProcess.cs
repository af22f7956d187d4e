using OpenCvSharp;
using SysNoise.Runtime.Native;

namespace SysNoise.Runtime.Dense;

/// <summary>How a DB box is scored: the mean probability inside its minimum-area rectangle, or inside its contour.</summary>
public enum DbScoreMode
{
    /// <summary>PaddleOCR's <c>box_score_fast</c> (the default): the rectangle's corners truncated to integers, filled.</summary>
    Fast,

    /// <summary>PaddleOCR's <c>box_score_slow</c> (<c>--det_db_score_mode slow</c>): the contour polygon, filled.</summary>
    Slow,
}

/// <summary>How the probability map becomes the text bitmap.</summary>
public enum DbBinarize
{
    /// <summary>PaddleOCR (Python): <c>prob &gt; thresh</c> on the float map.</summary>
    Float,

    /// <summary>PaddleOCR's C++ deployment (deploy/cpp_infer): <c>(unsigned char)(prob·255) &gt; thresh·255</c> (cv::threshold on a uint8 copy).</summary>
    Uint8,
}

/// <summary>How boxes go from map coordinates to the original image.</summary>
public enum DbRescale
{
    /// <summary>PaddleOCR (Python): <c>clip(round(x / map_w · src_w))</c> in float32 (round half to even), then <c>filter_tag_det_res</c> (drops a side ≤ 3).</summary>
    Python,

    /// <summary>
    /// PaddleOCR's C++ deployment (deploy/cpp_infer postprocess_op.cpp): corners rounded in map coordinates (<c>roundf</c>, half
    /// away from zero), then <c>FilterTagDetRes</c> divides each integer by the resize ratio with truncation
    /// (<c>int /= float</c>), clips to the image and drops a side ≤ 4.
    /// </summary>
    Cpp,
}

/// <summary>DB post-processing settings; the defaults are PaddleOCR's text detector inference (tools/infer/utility.py).</summary>
public sealed record DbSettings
{
    public float Thresh { get; init; } = 0.3f;

    public double BoxThresh { get; init; } = 0.6;

    public int MaxCandidates { get; init; } = 1000;

    public double UnclipRatio { get; init; } = 1.5;

    public DbScoreMode ScoreMode { get; init; } = DbScoreMode.Fast;

    /// <summary><c>use_dilation</c>: the bitmap is dilated with a 2×2 kernel before the contours are found.</summary>
    public bool Dilation { get; init; }

    public DbBinarize Binarize { get; init; } = DbBinarize.Float;

    public DbRescale Rescale { get; init; } = DbRescale.Python;

    public override string ToString() =>
        FormattableString.Invariant($"thresh={Thresh} box_thresh={BoxThresh} max_candidates={MaxCandidates} unclip_ratio={UnclipRatio} score={ScoreMode} dilation={Dilation} binarize={Binarize} rescale={Rescale}");
}

/// <summary>One detected text quadrilateral in original-image pixels: corners clockwise from the top-left, and its score.</summary>
public sealed record TextBox(int[] Quad, double Score)
{
    public Metrics.Polygon ToPolygon() => Metrics.Polygon.FromQuad([.. Quad.Select(v => (double)v)]);
}

/// <summary>The post-processing of one probability map: the boxes and the bitmap they came from (map size).</summary>
public sealed record DbResult(IReadOnlyList<TextBox> Boxes, byte[] Bitmap, int Height, int Width);

/// <summary>
/// DB (Differentiable Binarization) post-processing as PaddleOCR computes it for PP-OCR detectors
/// (ppocr/postprocess/db_postprocess.py <c>DBPostProcess</c> with <c>box_type='quad'</c>, then
/// tools/infer/predict_det.py <c>filter_tag_det_res</c>): binarise, <c>cv2.findContours(RETR_LIST, CHAIN_APPROX_SIMPLE)</c>,
/// per contour (at most max_candidates) <c>get_mini_boxes</c> (minAreaRect, boxPoints, corner order), drop a short side &lt; 3,
/// score, drop below box_thresh, unclip (Clipper round offset by area·ratio/perimeter, <see cref="RoundOffset"/>),
/// <c>get_mini_boxes</c> again, drop a short side &lt; 5, scale to the original image, order clockwise, clip, drop a side ≤ 3.
/// OpenCV's own findContours/minAreaRect/boxPoints/fillPoly/mean/dilate run through OpenCvSharp; the arithmetic between them
/// keeps NumPy's dtypes (float32 box corners, float32 rescaling, int truncation). Checked against the Python code run live on
/// the detector's maps of real text photographs (tests/SysNoise.Tests/Dense/DbPostProcessTests.cs).
/// </summary>
public static class DbPostProcess
{
    private const int MinSize = 3;

    static DbPostProcess() => SysNoiseNative.EnsureLoaded(); // before OpenCvSharp loads its own libjpeg/libpng

    /// <summary>The text bitmap (0/1) the settings' binarisation and dilation give.</summary>
    public static byte[] Bitmap(ReadOnlySpan<float> prob, int height, int width, DbSettings settings)
    {
        CheckMap(prob.Length, height, width);
        var bitmap = new byte[prob.Length];
        if (settings.Binarize == DbBinarize.Float)
        {
            for (int i = 0; i < prob.Length; i++)
            {
                bitmap[i] = prob[i] > settings.Thresh ? (byte)1 : (byte)0;
            }
        }
        else
        {
            // C++: cbuf[i] = (unsigned char)(out_data[i] * 255); cv::threshold(cbuf, thresh * 255 (double), THRESH_BINARY).
            double t = (double)settings.Thresh * 255;
            for (int i = 0; i < prob.Length; i++)
            {
                float scaled = prob[i] * 255f;
                byte u = scaled >= 0 && scaled < 256 ? (byte)scaled : scaled >= 256 ? (byte)255 : (byte)0;
                bitmap[i] = u > t ? (byte)1 : (byte)0;
            }
        }

        if (!settings.Dilation)
        {
            return bitmap;
        }

        using Mat src = Mat.FromPixelData(height, width, MatType.CV_8UC1, bitmap);
        using Mat kernel = new(2, 2, MatType.CV_8UC1, Scalar.All(1));
        using Mat dst = new();
        Cv2.Dilate(src, dst, kernel);
        var dilated = new byte[prob.Length];
        dst.GetArray(out byte[] data);
        data.CopyTo(dilated, 0);
        return dilated;
    }

    /// <summary>Boxes of one probability map (<paramref name="height"/>×<paramref name="width"/>) for an original image of srcHeight×srcWidth.</summary>
    public static DbResult Run(float[] prob, int height, int width, int srcHeight, int srcWidth, DbSettings settings)
    {
        byte[] bitmap = Bitmap(prob, height, width, settings);
        var found = new List<(float[] Quad, double Score)>();
        using (Mat pred = Mat.FromPixelData(height, width, MatType.CV_32FC1, prob))
        using (Mat bits = Mat.FromPixelData(height, width, MatType.CV_8UC1, bitmap))
        {
            Cv2.FindContours(bits, out Point[][] contours, out _, RetrievalModes.List, ContourApproximationModes.ApproxSimple);
            int count = Math.Min(contours.Length, settings.MaxCandidates);
            for (int c = 0; c < count; c++)
            {
                Point[] contour = contours[c];
                (Point2f[] box, float shortSide) = MiniBox(Cv2.MinAreaRect(contour));
                if (shortSide < MinSize)
                {
                    continue;
                }

                double score = settings.ScoreMode == DbScoreMode.Fast ? ScoreFast(pred, box) : ScoreSlow(pred, contour);
                if (settings.BoxThresh > score)
                {
                    continue;
                }

                List<IntPoint> expanded = Unclip(box, settings.UnclipRatio);
                if (expanded.Count == 0)
                {
                    continue;
                }

                (Point2f[] grown, float grownShort) = MiniBox(Cv2.MinAreaRect(expanded.Select(p => new Point((int)p.X, (int)p.Y))));
                if (grownShort < MinSize + 2)
                {
                    continue;
                }

                var quad = new float[8];
                for (int k = 0; k < 4; k++)
                {
                    quad[2 * k] = grown[k].X;
                    quad[(2 * k) + 1] = grown[k].Y;
                }

                found.Add((quad, score));
            }
        }

        var boxes = new List<TextBox>();
        foreach ((float[] q, double score) in found)
        {
            int[]? quad = settings.Rescale == DbRescale.Python
                ? RescalePython(q, height, width, srcHeight, srcWidth)
                : RescaleCpp(q, height, width, srcHeight, srcWidth);
            if (quad is not null)
            {
                boxes.Add(new TextBox(quad, score));
            }
        }

        return new DbResult(boxes, bitmap, height, width);
    }

    /// <summary>
    /// <c>get_mini_boxes</c>: cv2.boxPoints of the rectangle, stably sorted by x, then [top-left, top-right, bottom-right,
    /// bottom-left] by comparing y within the left pair and the right pair; and the rectangle's shorter side.
    /// </summary>
    public static (Point2f[] Box, float ShortSide) MiniBox(RotatedRect rect)
    {
        Point2f[] p = [.. Cv2.BoxPoints(rect).OrderBy(q => q.X)];
        (int i1, int i4) = p[1].Y > p[0].Y ? (0, 1) : (1, 0);
        (int i2, int i3) = p[3].Y > p[2].Y ? (2, 3) : (3, 2);
        return ([p[i1], p[i2], p[i3], p[i4]], Math.Min(rect.Size.Width, rect.Size.Height));
    }

    /// <summary>
    /// PaddleOCR's <c>unclip</c>: distance = area · ratio / perimeter (shapely, i.e. GEOS, on the float32 corners), then
    /// pyclipper's round offset of the corners truncated to integers (pyclipper converts coordinates with int()).
    /// </summary>
    public static List<IntPoint> Unclip(Point2f[] box, double ratio)
    {
        double distance = GeosArea(box) * ratio / GeosLength(box);
        return RoundOffset.ClosedPolygon([.. box.Select(p => new IntPoint((long)p.X, (long)p.Y))], distance);
    }

    /// <summary>GEOS <c>Area::ofRingSigned</c> (shoelace with the first x subtracted) on the closed ring, absolute value.</summary>
    public static double GeosArea(IReadOnlyList<Point2f> box)
    {
        int n = box.Count + 1;
        double X(int i) => box[i % box.Count].X;
        double Y(int i) => box[i % box.Count].Y;
        double x0 = X(0);
        double sum = 0;
        for (int i = 1; i < n - 1; i++)
        {
            sum += (X(i) - x0) * (Y(i - 1) - Y(i + 1));
        }

        return Math.Abs(sum / 2.0);
    }

    /// <summary>GEOS <c>Length::ofLine</c> of the closed ring.</summary>
    public static double GeosLength(IReadOnlyList<Point2f> box)
    {
        double len = 0;
        double x0 = box[0].X, y0 = box[0].Y;
        for (int i = 1; i <= box.Count; i++)
        {
            double x1 = box[i % box.Count].X, y1 = box[i % box.Count].Y;
            double dx = x1 - x0, dy = y1 - y0;
            len += Math.Sqrt((dx * dx) + (dy * dy));
            (x0, y0) = (x1, y1);
        }

        return len;
    }

    /// <summary><c>box_score_fast</c>: mean of the map over the filled rectangle (corners relative to the crop, truncated).</summary>
    public static double ScoreFast(Mat pred, Point2f[] box)
    {
        int h = pred.Rows, w = pred.Cols;
        int xmin = Math.Clamp((int)MathF.Floor(box.Min(p => p.X)), 0, w - 1);
        int xmax = Math.Clamp((int)MathF.Ceiling(box.Max(p => p.X)), 0, w - 1);
        int ymin = Math.Clamp((int)MathF.Floor(box.Min(p => p.Y)), 0, h - 1);
        int ymax = Math.Clamp((int)MathF.Ceiling(box.Max(p => p.Y)), 0, h - 1);
        Point[] local = [.. box.Select(p => new Point((int)(p.X - xmin), (int)(p.Y - ymin)))];
        return MaskedMean(pred, xmin, xmax, ymin, ymax, local);
    }

    /// <summary><c>box_score_slow</c>: mean of the map over the filled contour.</summary>
    public static double ScoreSlow(Mat pred, Point[] contour)
    {
        int h = pred.Rows, w = pred.Cols;
        int xmin = Math.Clamp(contour.Min(p => p.X), 0, w - 1);
        int xmax = Math.Clamp(contour.Max(p => p.X), 0, w - 1);
        int ymin = Math.Clamp(contour.Min(p => p.Y), 0, h - 1);
        int ymax = Math.Clamp(contour.Max(p => p.Y), 0, h - 1);
        Point[] local = [.. contour.Select(p => new Point(p.X - xmin, p.Y - ymin))];
        return MaskedMean(pred, xmin, xmax, ymin, ymax, local);
    }

    private static double MaskedMean(Mat pred, int xmin, int xmax, int ymin, int ymax, Point[] polygon)
    {
        using Mat mask = new(ymax - ymin + 1, xmax - xmin + 1, MatType.CV_8UC1, Scalar.All(0));
        Cv2.FillPoly(mask, [polygon], Scalar.All(1));
        using Mat crop = new(pred, new Rect(xmin, ymin, xmax - xmin + 1, ymax - ymin + 1));
        return Cv2.Mean(crop, mask).Val0;
    }

    /// <summary>
    /// NumPy's float32 rescaling (<c>clip(round(x / width · dest_width), 0, dest_width)</c>, int16), then predict_det.py's
    /// <c>filter_tag_det_res</c>: order_points_clockwise (x+y smallest first, largest third; of the other two, y−x smallest
    /// second), clip to [0, size−1], drop a box whose first or last side is ≤ 3 pixels (float32 norm truncated).
    /// </summary>
    private static int[]? RescalePython(float[] q, int height, int width, int srcHeight, int srcWidth)
    {
        var pts = new (int X, int Y)[4];
        for (int k = 0; k < 4; k++)
        {
            pts[k] = (ScaleHalfEven(q[2 * k], width, srcWidth), ScaleHalfEven(q[(2 * k) + 1], height, srcHeight));
        }

        int first = ArgBy(pts, p => p.X + p.Y, min: true), third = ArgBy(pts, p => p.X + p.Y, min: false);
        (int X, int Y)[] rest = [.. Enumerable.Range(0, 4).Where(i => i != first && i != third).Select(i => pts[i])];
        (int X, int Y)[] rect = [pts[first], rest[ArgBy(rest, p => p.Y - p.X, min: true)], pts[third], rest[ArgBy(rest, p => p.Y - p.X, min: false)]];
        int[] quad = new int[8];
        for (int k = 0; k < 4; k++)
        {
            quad[2 * k] = Math.Min(Math.Max(rect[k].X, 0), srcWidth - 1);
            quad[(2 * k) + 1] = Math.Min(Math.Max(rect[k].Y, 0), srcHeight - 1);
        }

        return Side(quad, 1) <= 3 || Side(quad, 3) <= 3 ? null : quad;

        static int Side(int[] q, int other)
        {
            float dx = q[0] - q[2 * other], dy = q[1] - q[(2 * other) + 1];
            return (int)MathF.Sqrt((dx * dx) + (dy * dy));
        }
    }

    private static int ScaleHalfEven(float v, int mapSize, int destSize)
    {
        float scaled = MathF.Round(v / mapSize * destSize, MidpointRounding.ToEven);
        return (short)Math.Clamp(scaled, 0f, destSize);
    }

    // np.argmin / np.argmax: the first index of the extreme value.
    private static int ArgBy((int X, int Y)[] pts, Func<(int X, int Y), int> key, bool min)
    {
        int best = 0;
        for (int i = 1; i < pts.Length; i++)
        {
            if (min ? key(pts[i]) < key(pts[best]) : key(pts[i]) > key(pts[best]))
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>
    /// The C++ deployment: <c>int(clampf(roundf(x / float(w) · float(w)), 0, w))</c> in map pixels, OrderPointsClockwise (sorted by
    /// x; within the left and right pairs the smaller y first), <c>x /= ratio_w</c> on the int (float32 ratio resize/src,
    /// truncated), clip to [0, size−1], drop a side ≤ 4 (<c>int(sqrt(pow(dx, 2) + pow(dy, 2)))</c>).
    /// </summary>
    private static int[]? RescaleCpp(float[] q, int height, int width, int srcHeight, int srcWidth)
    {
        var pts = new (int X, int Y)[4];
        for (int k = 0; k < 4; k++)
        {
            pts[k] = ((int)Math.Clamp(MathF.Round(q[2 * k] / width * width, MidpointRounding.AwayFromZero), 0f, width),
                (int)Math.Clamp(MathF.Round(q[(2 * k) + 1] / height * height, MidpointRounding.AwayFromZero), 0f, height));
        }

        (int X, int Y)[] byX = [.. pts.OrderBy(p => p.X)];
        (int X, int Y) l0 = byX[0], l1 = byX[1], r0 = byX[2], r1 = byX[3];
        if (l0.Y > l1.Y)
        {
            (l0, l1) = (l1, l0);
        }

        if (r0.Y > r1.Y)
        {
            (r0, r1) = (r1, r0);
        }

        float ratioW = (float)width / srcWidth, ratioH = (float)height / srcHeight;
        (int X, int Y)[] rect = [l0, r0, r1, l1];
        int[] quad = new int[8];
        for (int k = 0; k < 4; k++)
        {
            int x = (int)(rect[k].X / ratioW), y = (int)(rect[k].Y / ratioH);
            quad[2 * k] = Math.Min(Math.Max(x, 0), srcWidth - 1);
            quad[(2 * k) + 1] = Math.Min(Math.Max(y, 0), srcHeight - 1);
        }

        int side1 = (int)Math.Sqrt(Math.Pow(quad[0] - quad[2], 2) + Math.Pow(quad[1] - quad[3], 2));
        int side3 = (int)Math.Sqrt(Math.Pow(quad[0] - quad[6], 2) + Math.Pow(quad[1] - quad[7], 2));
        return side1 <= 4 || side3 <= 4 ? null : quad;
    }

    private static void CheckMap(int length, int height, int width)
    {
        if (height <= 0 || width <= 0 || (long)height * width != length)
        {
            throw new ArgumentException($"a {height}×{width} map needs {(long)height * width} values, got {length}");
        }
    }
}
