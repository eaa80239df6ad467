namespace Bramble.Vision.Imaging;

/// <summary>
/// Where the source image landed in the network input: content of <see cref="ContentWidth"/> x
/// <see cref="ContentHeight"/> pixels placed at (<see cref="OffsetX"/>, <see cref="OffsetY"/>) in a
/// <see cref="TargetWidth"/> x <see cref="TargetHeight"/> input. Maps detections back to source pixels.
/// </summary>
public sealed record ImageTransform(
    int SourceWidth, int SourceHeight,
    int TargetWidth, int TargetHeight,
    int ContentWidth, int ContentHeight,
    int OffsetX, int OffsetY)
{
    /// <summary>Network-input pixels per source pixel, horizontally.</summary>
    public double ScaleX => (double)ContentWidth / SourceWidth;

    /// <summary>Network-input pixels per source pixel, vertically.</summary>
    public double ScaleY => (double)ContentHeight / SourceHeight;

    /// <summary>A point in network-input pixel coordinates mapped to source pixel coordinates (not clamped).</summary>
    public (float X, float Y) ToSource(float x, float y)
        => ((float)((x - OffsetX) / ScaleX), (float)((y - OffsetY) / ScaleY));

    /// <summary>A box (corners, network-input pixels) mapped to source pixels and clamped to the source image.</summary>
    public (float X0, float Y0, float X1, float Y1) BoxToSource(float x0, float y0, float x1, float y1)
    {
        var (a, b) = ToSource(x0, y0);
        var (c, d) = ToSource(x1, y1);
        return (Math.Clamp(a, 0, SourceWidth), Math.Clamp(b, 0, SourceHeight), Math.Clamp(c, 0, SourceWidth), Math.Clamp(d, 0, SourceHeight));
    }

    /// <summary>
    /// Darknet's <c>correct_yolo_boxes</c> for one box (centre x, y and size w, h, all relative 0..1 to the network
    /// input) giving relative coordinates in the source image. Darknet uses the un-floored offset
    /// (netw - new_w) / 2.0 here even though it embeds at the floored one; replicated for identical output.
    /// </summary>
    public (float X, float Y, float W, float H) DarknetCorrectBox(float x, float y, float w, float h)
    {
        int netw = TargetWidth, neth = TargetHeight, neww = ContentWidth, newh = ContentHeight;
        float bx = (float)((x - (netw - neww) / 2.0 / netw) / ((float)neww / netw));
        float by = (float)((y - (neth - newh) / 2.0 / neth) / ((float)newh / neth));
        float bw = w * ((float)netw / neww);
        float bh = h * ((float)neth / newh);
        return (bx, by, bw, bh);
    }
}
