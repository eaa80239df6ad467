using System.Runtime.InteropServices;

namespace Bramble.Vision.Imaging;

/// <summary>
/// JPEG decoding and encoding through libjpeg-turbo (TurboJPEG API). Gray files decode to 1 channel, all others
/// to RGB (CMYK/YCCK via the library's CMYK output, converted here). Warnings such as "premature end of data"
/// are treated as errors, so a truncated file fails instead of decoding to a gray-filled bottom.
/// </summary>
internal static unsafe class JpegCodec
{
    private const string MissingLibrary = "JPEG support needs libturbojpeg (apt-get install libturbojpeg0)";

    public static Image Decode(ReadOnlySpan<byte> data, string source)
    {
        nint handle = 0;
        try
        {
            handle = TurboJpegNative.InitDecompress();
            if (handle == 0) throw new ImageFormatException($"{source}: JPEG decoder could not be created");
            fixed (byte* jpeg = data)
            {
                var size = new CULong((nuint)data.Length);
                if (TurboJpegNative.DecompressHeader3(handle, jpeg, size, out int width, out int height, out _, out int colorspace) != 0)
                    throw Error(source, $"bad header ({TurboJpegNative.LastError(handle)})");
                // libjpeg pads a cut-off header with a fake end marker, so truncation can show up as a zero size.
                if (width <= 0 || height <= 0) throw Error(source, "has no frame header (file truncated?)");
                bool cmyk = colorspace is TurboJpegNative.ColorspaceCmyk or TurboJpegNative.ColorspaceYcck;
                int channels = colorspace == TurboJpegNative.ColorspaceGray ? 1 : 3;
                Image.CheckSize(width, height, cmyk ? 4 : channels, source);
                int decodedChannels = cmyk ? 4 : channels;
                var pixels = new byte[(long)width * height * decodedChannels];
                int format = cmyk ? TurboJpegNative.PixelCmyk : channels == 1 ? TurboJpegNative.PixelGray : TurboJpegNative.PixelRgb;
                fixed (byte* dst = pixels)
                {
                    if (TurboJpegNative.Decompress2(handle, jpeg, size, dst, width, 0, height, format,
                            TurboJpegNative.FlagAccurateDct | TurboJpegNative.FlagLimitScans) != 0)
                        throw Error(source, TurboJpegNative.LastError(handle));
                }
                return cmyk ? FromCmyk(width, height, pixels) : new Image(width, height, channels, pixels);
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new ImageFormatException($"{source}: {MissingLibrary}", e);
        }
        finally
        {
            if (handle != 0) TurboJpegNative.Destroy(handle);
        }
    }

    /// <summary>Encodes gray as a gray JPEG and colour as 4:2:0 YCbCr; alpha is dropped.</summary>
    public static byte[] Encode(Image image, int quality, string destination)
    {
        if (quality < 1 || quality > 100) throw new BrambleException($"{destination}: JPEG quality {quality} is outside 1..100");
        image = image.DropAlpha();
        nint handle = 0;
        byte* output = null;
        try
        {
            handle = TurboJpegNative.InitCompress();
            if (handle == 0) throw new ImageFormatException($"{destination}: JPEG encoder could not be created");
            bool gray = image.Channels == 1;
            var size = new CULong(0);
            fixed (byte* src = image.Pixels)
            {
                if (TurboJpegNative.Compress2(handle, src, image.Width, 0, image.Height,
                        gray ? TurboJpegNative.PixelGray : TurboJpegNative.PixelRgb, &output, &size,
                        gray ? TurboJpegNative.SubsampleGray : TurboJpegNative.Subsample420, quality,
                        TurboJpegNative.FlagAccurateDct) != 0)
                    throw new ImageFormatException($"{destination}: JPEG encoding failed ({TurboJpegNative.LastError(handle)})");
            }
            return new ReadOnlySpan<byte>(output, checked((int)size.Value)).ToArray();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new ImageFormatException($"{destination}: {MissingLibrary}", e);
        }
        finally
        {
            if (output != null) TurboJpegNative.Free(output);
            if (handle != 0) TurboJpegNative.Destroy(handle);
        }
    }

    /// <summary>
    /// CMYK as libjpeg hands it over from Adobe files, which store the channels inverted (0 = full ink), so
    /// R = C * K / 255 and so on.
    /// </summary>
    private static Image FromCmyk(int width, int height, byte[] cmyk)
    {
        var image = new Image(width, height, 3);
        var rgb = image.Pixels;
        int n = width * height;
        for (int i = 0; i < n; i++)
        {
            int k = cmyk[i * 4 + 3];
            rgb[i * 3] = (byte)((cmyk[i * 4] * k + 127) / 255);
            rgb[i * 3 + 1] = (byte)((cmyk[i * 4 + 1] * k + 127) / 255);
            rgb[i * 3 + 2] = (byte)((cmyk[i * 4 + 2] * k + 127) / 255);
        }
        return image;
    }

    private static ImageFormatException Error(string source, string problem) => new($"{source}: JPEG {problem}");
}
