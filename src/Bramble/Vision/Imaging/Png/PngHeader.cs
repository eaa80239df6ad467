namespace Bramble.Vision.Imaging;

/// <summary>A PNG's IHDR fields plus the derived layout of its raw (filtered) rows.</summary>
internal readonly record struct PngHeader(int Width, int Height, int BitDepth, int ColorType, bool Interlaced)
{
    public const int Gray = 0, Rgb = 2, Palette = 3, GrayAlpha = 4, Rgba = 6;

    /// <summary>Adam7 passes: x start, y start, x step, y step.</summary>
    public static ReadOnlySpan<byte> Adam7 => [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];

    /// <summary>Samples per pixel in the file.</summary>
    public int SamplesPerPixel => ColorType switch
    {
        Gray or Palette => 1,
        GrayAlpha => 2,
        Rgb => 3,
        _ => 4,
    };

    public int BitsPerPixel => SamplesPerPixel * BitDepth;

    /// <summary>Distance in bytes between a byte and the one the filters treat as its left neighbour.</summary>
    public int FilterStride => Math.Max(1, BitsPerPixel / 8);

    public long RowBytes(long width) => (width * BitsPerPixel + 7) / 8;

    /// <summary>The combination of colour type and bit depth is one the PNG specification allows.</summary>
    public bool IsValidDepth => ColorType switch
    {
        Gray => BitDepth is 1 or 2 or 4 or 8 or 16,
        Palette => BitDepth is 1 or 2 or 4 or 8,
        Rgb or GrayAlpha or Rgba => BitDepth is 8 or 16,
        _ => false,
    };

    /// <summary>Inflated size of all rows including their filter-type bytes (over all Adam7 passes when interlaced).</summary>
    public long RawSize()
    {
        if (!Interlaced) return Height * (1 + RowBytes(Width));
        long total = 0;
        for (int p = 0; p < 7; p++)
        {
            var (w, h) = PassSize(p);
            if (w > 0 && h > 0) total += h * (1 + RowBytes(w));
        }
        return total;
    }

    public (int Width, int Height) PassSize(int pass)
    {
        var a = Adam7.Slice(pass * 4, 4);
        int w = Width > a[0] ? (Width - a[0] + a[2] - 1) / a[2] : 0;
        int h = Height > a[1] ? (Height - a[1] + a[3] - 1) / a[3] : 0;
        return (w, h);
    }
}
