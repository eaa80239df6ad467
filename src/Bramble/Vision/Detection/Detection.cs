namespace Bramble.Vision.Detection;

/// <summary>A box as Darknet keeps it: centre x, y and width, height, relative to the image (0..1).</summary>
public readonly record struct DarknetBox(float X, float Y, float W, float H)
{
    /// <summary>Darknet's box_iou: intersection over union of two centre/size boxes (0 when they do not overlap).</summary>
    public static float Iou(DarknetBox a, DarknetBox b)
    {
        float i = Intersection(a, b);
        float u = a.W * a.H + b.W * b.H - i;
        return i / u;
    }

    private static float Overlap(float x1, float w1, float x2, float w2)
    {
        float left = Math.Max(x1 - w1 / 2, x2 - w2 / 2);
        float right = Math.Min(x1 + w1 / 2, x2 + w2 / 2);
        return right - left;
    }

    private static float Intersection(DarknetBox a, DarknetBox b)
    {
        float w = Overlap(a.X, a.W, b.X, b.W);
        float h = Overlap(a.Y, a.H, b.Y, b.H);
        if (w < 0 || h < 0) return 0;
        return w * h;
    }
}

/// <summary>
/// One detected object: class, confidence (objectness · class probability) and its box, both in pixels of
/// the original image (corners, clamped to the image) and Darknet-style relative centre/size.
/// </summary>
public sealed record Detection(int ClassId, float Confidence, float X0, float Y0, float X1, float Y1, DarknetBox Box)
{
    /// <summary>Builds a detection from a relative box, converting it to pixels as Darknet's draw_detections does (without rounding).</summary>
    public static Detection FromRelative(int classId, float confidence, DarknetBox box, int imageWidth, int imageHeight)
    {
        float x0 = Math.Clamp((box.X - box.W / 2) * imageWidth, 0, imageWidth);
        float x1 = Math.Clamp((box.X + box.W / 2) * imageWidth, 0, imageWidth);
        float y0 = Math.Clamp((box.Y - box.H / 2) * imageHeight, 0, imageHeight);
        float y1 = Math.Clamp((box.Y + box.H / 2) * imageHeight, 0, imageHeight);
        return new Detection(classId, confidence, x0, y0, x1, y1, box);
    }

    public override string ToString() =>
        FormattableString.Invariant($"class {ClassId} {Confidence:P1} [{X0:F1}, {Y0:F1}, {X1:F1}, {Y1:F1}]");
}

/// <summary>
/// Darknet's struct detection before NMS: one box with its objectness and a probability per class
/// (objectness · class score, zeroed when not above the threshold).
/// </summary>
public sealed class BoxCandidate
{
    public BoxCandidate(DarknetBox box, float objectness, float[] probabilities)
    {
        Box = box;
        Objectness = objectness;
        Probabilities = probabilities;
    }

    public DarknetBox Box { get; set; }
    public float Objectness { get; set; }
    public float[] Probabilities { get; }
}
