namespace Bramble.Vision.Imaging;

/// <summary>
/// Drawing for annotated detection output: rectangles, filled boxes, text in the built-in <see cref="BitmapFont"/>,
/// and labelled boxes. Everything is clipped to the image; coordinates are pixels with inclusive corners.
/// On gray images colours become their luma; alpha channels are set opaque.
/// </summary>
public static class ImageDrawing
{
    /// <summary>Fills the rectangle with corners (x0, y0) and (x1, y1), inclusive, in any order.</summary>
    public static void FillRectangle(Image image, int x0, int y0, int x1, int y1, Color color)
    {
        if (x0 > x1) (x0, x1) = (x1, x0);
        if (y0 > y1) (y0, y1) = (y1, y0);
        x0 = Math.Max(x0, 0); y0 = Math.Max(y0, 0);
        x1 = Math.Min(x1, image.Width - 1); y1 = Math.Min(y1, image.Height - 1);
        if (x0 > x1 || y0 > y1) return;
        Span<byte> pixel = stackalloc byte[image.Channels];
        Encode(color, pixel);
        int ch = image.Channels;
        for (int y = y0; y <= y1; y++)
        {
            var row = image.Row(y);
            for (int x = x0; x <= x1; x++) pixel.CopyTo(row.Slice(x * ch, ch));
        }
    }

    /// <summary>
    /// Outlines the rectangle with a border <paramref name="thickness"/> pixels wide growing inwards (as Darknet's
    /// draw_box_width), so the box never covers pixels outside the given corners.
    /// </summary>
    public static void DrawRectangle(Image image, int x0, int y0, int x1, int y1, Color color, int thickness = 2)
    {
        if (x0 > x1) (x0, x1) = (x1, x0);
        if (y0 > y1) (y0, y1) = (y1, y0);
        int t = Math.Max(1, thickness);
        if (x1 - x0 + 1 <= 2 * t || y1 - y0 + 1 <= 2 * t)
        {
            FillRectangle(image, x0, y0, x1, y1, color);
            return;
        }
        FillRectangle(image, x0, y0, x1, y0 + t - 1, color);         // top
        FillRectangle(image, x0, y1 - t + 1, x1, y1, color);         // bottom
        FillRectangle(image, x0, y0 + t, x0 + t - 1, y1 - t, color); // left
        FillRectangle(image, x1 - t + 1, y0 + t, x1, y1 - t, color); // right
    }

    /// <summary>Draws <paramref name="text"/> with its top-left corner at (x, y), each font pixel <paramref name="scale"/> pixels square.</summary>
    public static void DrawText(Image image, int x, int y, string text, Color color, int scale = 1)
    {
        scale = Math.Max(1, scale);
        for (int i = 0; i < text.Length; i++)
        {
            int gx = x + i * BitmapFont.Advance * scale;
            for (int row = 0; row < BitmapFont.GlyphHeight; row++)
                for (int col = 0; col < BitmapFont.GlyphWidth; col++)
                    if (BitmapFont.IsSet(text[i], col, row))
                        FillRectangle(image, gx + col * scale, y + row * scale, gx + col * scale + scale - 1, y + row * scale + scale - 1, color);
        }
    }

    /// <summary>
    /// A detection: the box outline plus a filled tag in the same colour holding <paramref name="label"/> in black
    /// or white (whichever reads better). The tag sits on top of the box, or just inside it when the box touches
    /// the image's top. <paramref name="textScale"/> 0 picks a scale from the image height.
    /// </summary>
    public static void DrawLabel(Image image, int x0, int y0, int x1, int y1, string label, Color color, int thickness = 0, int textScale = 0)
    {
        if (x0 > x1) (x0, x1) = (x1, x0);
        if (y0 > y1) (y0, y1) = (y1, y0);
        if (thickness <= 0) thickness = Math.Max(1, image.Height / 250);
        if (textScale <= 0) textScale = Math.Max(1, image.Height / 300);
        DrawRectangle(image, x0, y0, x1, y1, color, thickness);
        if (label.Length == 0) return;

        var (tw, th) = BitmapFont.Measure(label, textScale);
        int pad = textScale + 1;
        int tagW = tw + 2 * pad, tagH = th + 2 * pad;
        int tagY = y0 - tagH >= 0 ? y0 - tagH : y0;
        int tagX = Math.Min(x0, Math.Max(0, image.Width - tagW));
        FillRectangle(image, tagX, tagY, tagX + tagW - 1, tagY + tagH - 1, color);
        var ink = color.Luma >= 128 ? Color.Black : Color.White;
        DrawText(image, tagX + pad, tagY + pad, label, ink, textScale);
    }

    private static void Encode(Color color, Span<byte> pixel)
    {
        switch (pixel.Length)
        {
            case 1: pixel[0] = color.Luma; break;
            case 2: pixel[0] = color.Luma; pixel[1] = 255; break;
            case 3: pixel[0] = color.R; pixel[1] = color.G; pixel[2] = color.B; break;
            default: pixel[0] = color.R; pixel[1] = color.G; pixel[2] = color.B; pixel[3] = 255; break;
        }
    }
}
