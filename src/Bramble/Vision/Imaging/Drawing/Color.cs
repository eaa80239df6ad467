namespace Bramble.Vision.Imaging;

/// <summary>An 8-bit RGB colour for drawing.</summary>
public readonly record struct Color(byte R, byte G, byte B)
{
    public static Color Black => new(0, 0, 0);
    public static Color White => new(255, 255, 255);

    /// <summary>BT.601 luma, used when drawing on gray images and to pick readable text colours.</summary>
    public byte Luma => Image.Luma(R, G, B);

    /// <summary>
    /// A distinct, saturated colour per class id: hues step by the golden ratio of a turn, so consecutive ids
    /// land far apart on the colour wheel and no two of the first hundreds coincide.
    /// </summary>
    public static Color ForClass(int classId)
    {
        double hue = classId * 0.618033988749895 % 1.0;
        if (hue < 0) hue += 1;
        // Alternate brightness too, so hues that end up close still differ.
        double value = (classId & 1) == 0 ? 0.95 : 0.75;
        return FromHsv(hue, 0.85, value);
    }

    /// <summary>HSV (each 0..1) to RGB.</summary>
    public static Color FromHsv(double h, double s, double v)
    {
        double h6 = h * 6;
        int sector = (int)Math.Floor(h6) % 6;
        double f = h6 - Math.Floor(h6);
        double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        var (r, g, b) = sector switch
        {
            0 => (v, t, p),
            1 => (q, v, p),
            2 => (p, v, t),
            3 => (p, q, v),
            4 => (t, p, v),
            _ => (v, p, q),
        };
        return new Color(ToByte(r), ToByte(g), ToByte(b));
    }

    private static byte ToByte(double x) => (byte)Math.Clamp((int)Math.Round(x * 255), 0, 255);
}
