namespace Bramble.Vision.Imaging;

/// <summary>
/// Reads and writes images. Decoding picks the format from the data's signature (never the file name), so a
/// mislabelled file still loads; encoding picks it from the destination's extension.
/// </summary>
public static class ImageIO
{
    /// <summary>Largest file <see cref="Load"/> reads (1 GiB), so a mistaken path to a huge file fails fast.</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>Loads a PNG, JPEG or PNM file with its own channel count (call <see cref="Image.ToRgb"/> for RGB).</summary>
    public static Image Load(string path)
    {
        byte[] data;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new ImageFormatException($"{path}: image file not found");
            if (info.Length > MaxFileBytes) throw new ImageFormatException($"{path}: file of {info.Length} bytes exceeds the {MaxFileBytes}-byte limit for images");
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFormatException($"{path}: cannot read image file ({e.Message.TrimEnd('.')})", e);
        }
        return Decode(data, path);
    }

    /// <summary>Decodes an image held in memory; <paramref name="sourceName"/> names it in error messages.</summary>
    public static Image Decode(ReadOnlySpan<byte> data, string sourceName = "image")
    {
        if (data.Length == 0) throw new ImageFormatException($"{sourceName}: empty file");
        return ImageFormats.Detect(data) switch
        {
            ImageFormat.Png => PngDecoder.Decode(data, sourceName),
            ImageFormat.Jpeg => JpegCodec.Decode(data, sourceName),
            ImageFormat.Pnm => PnmDecoder.Decode(data, sourceName),
            _ => throw new ImageFormatException($"{sourceName}: unrecognised image format (expected PNG, JPEG or PNM)"),
        };
    }

    /// <summary>Saves in the format of <paramref name="path"/>'s extension (.png, .jpg/.jpeg, .ppm/.pgm/.pnm).</summary>
    public static void Save(Image image, string path, int jpegQuality = 90)
    {
        var format = ImageFormats.FromExtension(path);
        if (format == ImageFormat.Unknown)
            throw new BrambleException($"{path}: unknown image extension '{Path.GetExtension(path)}' (use .png, .jpg or .ppm/.pgm)");
        byte[] bytes = Encode(image, format, jpegQuality, path);
        try
        {
            File.WriteAllBytes(path, bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BrambleException($"{path}: cannot write image file ({e.Message.TrimEnd('.')})", e);
        }
    }

    /// <summary>Encodes to bytes of <paramref name="format"/>. PNM drops alpha; JPEG drops alpha.</summary>
    public static byte[] Encode(Image image, ImageFormat format, int jpegQuality = 90, string destinationName = "image")
    {
        ArgumentNullException.ThrowIfNull(image);
        return format switch
        {
            ImageFormat.Png => PngEncoder.Encode(image),
            ImageFormat.Jpeg => JpegCodec.Encode(image, jpegQuality, destinationName),
            ImageFormat.Pnm => PnmEncoder.Encode(image),
            _ => throw new BrambleException($"{destinationName}: cannot encode format {format}"),
        };
    }
}
