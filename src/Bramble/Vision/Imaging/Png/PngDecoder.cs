using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Bramble.Vision.Imaging;

/// <summary>
/// Decodes PNG: every colour type and bit depth (to 8 bits per sample), palettes with tRNS transparency,
/// all five filters, Adam7 interlacing. CRCs of critical chunks are verified; a bad CRC on an ancillary chunk
/// only drops that chunk (as libpng does). Output channels: gray 1 (2 with tRNS), gray+alpha 2, RGB 3
/// (4 with tRNS), palette 3 (4 with tRNS), RGBA 4.
/// </summary>
internal static class PngDecoder
{
    // Deflate cannot expand input by more than about 1032:1 (a 258-byte match coded in 2 bits), so a file whose
    // compressed data is too short for its declared size is corrupt: rejecting it up front means a tiny hostile
    // file cannot make us allocate a huge image before the truncation is noticed.
    private const long MaxDeflateRatio = 1032;

    public static Image Decode(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < 8 || !data[..8].SequenceEqual(ImageFormats.PngSignature))
            throw Error(source, "not a PNG file (bad signature)");

        PngHeader? header = null;
        byte[]? palette = null, paletteAlpha = null;
        int[]? transparentColor = null;
        var compressed = new MemoryStream();
        bool sawEnd = false;
        int pos = 8;
        while (pos < data.Length)
        {
            if (data.Length - pos < 12) throw Error(source, $"truncated chunk header at offset {pos}");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var typeBytes = data.Slice(pos + 4, 4);
            foreach (byte b in typeBytes)
                if (!char.IsAsciiLetter((char)b)) throw Error(source, $"invalid chunk type at offset {pos} (corrupt file)");
            string type = Encoding.ASCII.GetString(typeBytes);
            if (length > int.MaxValue || length > (uint)(data.Length - pos - 12))
                throw Error(source, $"chunk {type} at offset {pos} declares {length} bytes but only {Math.Max(0, data.Length - pos - 12)} remain (file truncated?)");
            var body = data.Slice(pos + 8, (int)length);
            uint storedCrc = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
            bool critical = (typeBytes[0] & 0x20) == 0;
            bool crcOk = PngCrc.Compute(data.Slice(pos + 4, 4 + (int)length)) == storedCrc;
            if (!crcOk && critical) throw Error(source, $"CRC mismatch in chunk {type} at offset {pos} (corrupt file)");
            if (header == null && type != "IHDR") throw Error(source, $"first chunk is {type}, expected IHDR");

            if (crcOk)
            {
                switch (type)
                {
                    case "IHDR":
                        if (header != null) throw Error(source, "duplicate IHDR chunk");
                        header = ParseHeader(body, source);
                        break;
                    case "PLTE":
                        if (length % 3 != 0 || length == 0 || length > 768)
                            throw Error(source, $"invalid PLTE chunk length {length} at offset {pos}");
                        palette = body.ToArray();
                        break;
                    case "tRNS":
                        ParseTransparency(body, header!.Value, ref paletteAlpha, ref transparentColor);
                        break;
                    case "IDAT":
                        compressed.Write(body);
                        break;
                    case "IEND":
                        sawEnd = true;
                        break;
                    default:
                        if (critical) throw Error(source, $"unknown critical chunk {type} at offset {pos}");
                        break;
                }
            }
            pos += 12 + (int)length;
            if (sawEnd) break;
        }

        if (header == null) throw Error(source, "missing IHDR chunk");
        var h = header.Value;
        if (!sawEnd) throw Error(source, "missing IEND chunk (file truncated?)");
        if (compressed.Length == 0) throw Error(source, "no image data (IDAT chunk)");
        if (h.ColorType == PngHeader.Palette && palette == null) throw Error(source, "palette image without a PLTE chunk");

        long rawSize = h.RawSize();
        if (rawSize > compressed.Length * MaxDeflateRatio + 1024)
            throw Error(source, $"{compressed.Length} bytes of compressed data cannot hold a {h.Width}x{h.Height} image (file truncated or corrupt?)");

        int outChannels = h.ColorType switch
        {
            PngHeader.Gray => transparentColor != null ? 2 : 1,
            PngHeader.Rgb => transparentColor != null ? 4 : 3,
            PngHeader.Palette => paletteAlpha != null ? 4 : 3,
            PngHeader.GrayAlpha => 2,
            _ => 4,
        };
        var image = new Image(h.Width, h.Height, outChannels);
        var expander = new PngRowExpander(h, outChannels, palette, paletteAlpha, transparentColor);
        compressed.Position = 0;
        try
        {
            using var inflater = new ZLibStream(compressed, CompressionMode.Decompress);
            if (h.Interlaced)
            {
                for (int p = 0; p < 7; p++)
                {
                    var (pw, ph) = h.PassSize(p);
                    if (pw == 0 || ph == 0) continue;
                    var a = PngHeader.Adam7.Slice(p * 4, 4);
                    DecodePass(inflater, image, expander, h, pw, ph, a[0], a[1], a[2], a[3], source);
                }
            }
            else
            {
                DecodePass(inflater, image, expander, h, h.Width, h.Height, 0, 0, 1, 1, source);
            }
        }
        catch (EndOfStreamException)
        {
            throw Error(source, "image data ends early (file truncated?)");
        }
        catch (InvalidDataException e)
        {
            throw Error(source, $"corrupt compressed image data ({e.Message.TrimEnd('.')})");
        }
        return image;
    }

    private static void DecodePass(Stream inflater, Image image, PngRowExpander expander, PngHeader h,
        int width, int height, int x0, int y0, int dx, int dy, string source)
    {
        int rowBytes = (int)h.RowBytes(width);
        int bpp = h.FilterStride;
        // One spare leading byte holds the filter type; prior starts as the all-zero row PNG defines.
        var current = new byte[rowBytes + 1];
        var prior = new byte[rowBytes];
        var expanded = new byte[width * image.Channels];
        int channels = image.Channels;
        for (int r = 0; r < height; r++)
        {
            inflater.ReadExactly(current);
            var row = current.AsSpan(1);
            if (!PngFilters.Unfilter(current[0], row, prior, bpp))
                throw Error(source, $"unknown filter type {current[0]} in row {r} (corrupt file)");
            expander.Expand(row, width, expanded);
            var target = image.Row(y0 + r * dy);
            if (dx == 1)
            {
                expanded.AsSpan().CopyTo(target);
            }
            else
            {
                for (int i = 0; i < width; i++)
                    expanded.AsSpan(i * channels, channels).CopyTo(target[((x0 + i * dx) * channels)..]);
            }
            row.CopyTo(prior);
        }
    }

    private static PngHeader ParseHeader(ReadOnlySpan<byte> body, string source)
    {
        if (body.Length != 13) throw Error(source, $"IHDR chunk has {body.Length} bytes, expected 13");
        uint width = BinaryPrimitives.ReadUInt32BigEndian(body);
        uint height = BinaryPrimitives.ReadUInt32BigEndian(body[4..]);
        int depth = body[8], colorType = body[9], compression = body[10], filter = body[11], interlace = body[12];
        var h = new PngHeader((int)Math.Min(width, int.MaxValue), (int)Math.Min(height, int.MaxValue), depth, colorType, interlace == 1);
        if (!h.IsValidDepth) throw Error(source, $"invalid colour type {colorType} with bit depth {depth}");
        if (compression != 0 || filter != 0 || interlace > 1)
            throw Error(source, $"unsupported compression/filter/interlace method {compression}/{filter}/{interlace}");
        Image.CheckSize(width, height, 1, source);
        return h;
    }

    private static void ParseTransparency(ReadOnlySpan<byte> body, PngHeader h, ref byte[]? paletteAlpha, ref int[]? color)
    {
        // A malformed tRNS is ancillary: ignore it rather than reject the image, as viewers do.
        switch (h.ColorType)
        {
            case PngHeader.Palette:
                if (body.Length is > 0 and <= 256) paletteAlpha = body.ToArray();
                break;
            case PngHeader.Gray:
                if (body.Length == 2) color = [BinaryPrimitives.ReadUInt16BigEndian(body)];
                break;
            case PngHeader.Rgb:
                if (body.Length == 6)
                    color = [BinaryPrimitives.ReadUInt16BigEndian(body), BinaryPrimitives.ReadUInt16BigEndian(body[2..]), BinaryPrimitives.ReadUInt16BigEndian(body[4..])];
                break;
        }
    }

    private static ImageFormatException Error(string source, string problem) => new($"{source}: PNG {problem}");
}
