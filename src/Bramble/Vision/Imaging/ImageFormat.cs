namespace Bramble.Vision.Imaging;

/// <summary>Image file formats Bramble reads and writes.</summary>
public enum ImageFormat
{
    Unknown,
    Png,
    Jpeg,
    /// <summary>Netpbm PGM/PPM (P2, P3, P5, P6).</summary>
    Pnm,
}

/// <summary>Chooses a format from a file's first bytes (decoding) or from a file name's extension (encoding).</summary>
public static class ImageFormats
{
    /// <summary>The format whose signature starts <paramref name="data"/>; <see cref="ImageFormat.Unknown"/> if none.</summary>
    public static ImageFormat Detect(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 8 && data[..8].SequenceEqual(PngSignature)) return ImageFormat.Png;
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return ImageFormat.Jpeg;
        if (data.Length >= 2 && data[0] == (byte)'P' && data[1] is (byte)'2' or (byte)'3' or (byte)'5' or (byte)'6'
            || data.Length >= 2 && data[0] == (byte)'P' && data[1] is (byte)'1' or (byte)'4')
            return ImageFormat.Pnm;
        return ImageFormat.Unknown;
    }

    /// <summary>The format a file name's extension asks for (.png, .jpg/.jpeg, .ppm/.pgm/.pnm).</summary>
    public static ImageFormat FromExtension(string path)
    {
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".png" => ImageFormat.Png,
            ".jpg" or ".jpeg" or ".jpe" or ".jfif" => ImageFormat.Jpeg,
            ".ppm" or ".pgm" or ".pnm" => ImageFormat.Pnm,
            _ => ImageFormat.Unknown,
        };
    }

    internal static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
}
