namespace Bramble.Vision.Imaging;

/// <summary>
/// An 8-bit image with interleaved channels, rows top to bottom without padding:
/// 1 = gray, 2 = gray + alpha, 3 = RGB, 4 = RGBA. Pixel (x, y) channel c is at <c>(y * Width + x) * Channels + c</c>.
/// </summary>
public sealed class Image
{
    /// <summary>
    /// Largest pixel count Bramble will allocate for one image (2^28, e.g. 16384 x 16384). Decoders check a file's
    /// declared size against it before allocating, so a hostile header cannot request gigabytes.
    /// </summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>A zeroed image.</summary>
    public Image(int width, int height, int channels)
    {
        CheckSize(width, height, channels, "image");
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = new byte[(long)width * height * channels];
    }

    /// <summary>Wraps <paramref name="pixels"/> (not copied); its length must be width * height * channels.</summary>
    public Image(int width, int height, int channels, byte[] pixels)
    {
        CheckSize(width, height, channels, "image");
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != (long)width * height * channels)
            throw new BrambleException($"image {width}x{height}x{channels} needs {(long)width * height * channels} bytes, got {pixels.Length}");
        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.</summary>
    public int Channels { get; }

    /// <summary>Interleaved pixel bytes, <see cref="Stride"/> bytes per row.</summary>
    public byte[] Pixels { get; }

    /// <summary>Bytes per row.</summary>
    public int Stride => Width * Channels;

    public bool HasAlpha => Channels == 2 || Channels == 4;

    public Span<byte> Row(int y) => Pixels.AsSpan(y * Stride, Stride);

    public byte this[int x, int y, int channel]
    {
        get => Pixels[(y * Width + x) * Channels + channel];
        set => Pixels[(y * Width + x) * Channels + channel] = value;
    }

    /// <summary>
    /// Throws an <see cref="ImageFormatException"/> naming <paramref name="source"/> if the size is empty, has an
    /// unsupported channel count, or exceeds <see cref="MaxPixels"/>. Decoders call this before allocating.
    /// </summary>
    public static void CheckSize(long width, long height, int channels, string source)
    {
        if (width <= 0 || height <= 0)
            throw new ImageFormatException($"{source}: invalid image size {width}x{height}");
        if (channels < 1 || channels > 4)
            throw new ImageFormatException($"{source}: unsupported channel count {channels}");
        if (width > int.MaxValue || height > int.MaxValue || width * height > MaxPixels)
            throw new ImageFormatException($"{source}: image size {width}x{height} exceeds the limit of {MaxPixels} pixels");
    }

    public Image Clone() => new(Width, Height, Channels, (byte[])Pixels.Clone());

    /// <summary>This image with <paramref name="channels"/> channels (1-4); returns this instance if it already has them.</summary>
    public Image ToChannels(int channels) => channels switch
    {
        1 => ToGray(),
        2 => Convert(2),
        3 => ToRgb(),
        4 => Convert(4),
        _ => throw new BrambleException($"unsupported channel count {channels}"),
    };

    /// <summary>RGB: gray is replicated, alpha is dropped (not composited, as Darknet's loader does).</summary>
    public Image ToRgb() => Channels == 3 ? this : Convert(3);

    /// <summary>Gray: RGB becomes BT.601 luma (0.299 R + 0.587 G + 0.114 B, rounded); alpha is dropped.</summary>
    public Image ToGray() => Channels == 1 ? this : Convert(1);

    /// <summary>The image without its alpha channel (gray + alpha → gray, RGBA → RGB).</summary>
    public Image DropAlpha() => Channels switch
    {
        2 => Convert(1),
        4 => Convert(3),
        _ => this,
    };

    private Image Convert(int target)
    {
        if (target == Channels) return this;
        var result = new Image(Width, Height, target);
        byte[] src = Pixels, dst = result.Pixels;
        int n = Width * Height, sc = Channels;
        bool srcColor = sc >= 3, srcAlpha = sc == 2 || sc == 4;
        for (int i = 0; i < n; i++)
        {
            int s = i * sc, d = i * target;
            byte r, g, b;
            if (srcColor) { r = src[s]; g = src[s + 1]; b = src[s + 2]; }
            else { r = g = b = src[s]; }
            byte a = srcAlpha ? src[s + sc - 1] : (byte)255;
            switch (target)
            {
                case 1:
                    dst[d] = srcColor ? Luma(r, g, b) : r;
                    break;
                case 2:
                    dst[d] = srcColor ? Luma(r, g, b) : r;
                    dst[d + 1] = a;
                    break;
                case 3:
                    dst[d] = r; dst[d + 1] = g; dst[d + 2] = b;
                    break;
                default:
                    dst[d] = r; dst[d + 1] = g; dst[d + 2] = b; dst[d + 3] = a;
                    break;
            }
        }
        return result;
    }

    /// <summary>BT.601 luma in integer arithmetic, rounded to nearest.</summary>
    internal static byte Luma(byte r, byte g, byte b) => (byte)((299 * r + 587 * g + 114 * b + 500) / 1000);

    public override string ToString() => $"Image {Width}x{Height}x{Channels}";
}
