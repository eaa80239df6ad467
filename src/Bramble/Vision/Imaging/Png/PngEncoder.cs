using System.Buffers.Binary;
using System.IO.Compression;

namespace Bramble.Vision.Imaging;

/// <summary>
/// Encodes 8-bit PNG (gray, gray + alpha, RGB, RGBA; not interlaced). Each row gets the filter with the smallest
/// sum of absolute signed residuals, the usual cheap heuristic that compresses photos well.
/// </summary>
internal static class PngEncoder
{
    public static byte[] Encode(Image image, CompressionLevel level = CompressionLevel.Optimal)
    {
        int colorType = image.Channels switch
        {
            1 => PngHeader.Gray,
            2 => PngHeader.GrayAlpha,
            3 => PngHeader.Rgb,
            _ => PngHeader.Rgba,
        };
        var output = new MemoryStream();
        output.Write(ImageFormats.PngSignature);

        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], image.Height);
        ihdr[8] = 8;
        ihdr[9] = (byte)colorType;
        ihdr[10] = ihdr[11] = ihdr[12] = 0;
        WriteChunk(output, "IHDR"u8, ihdr);

        var compressed = new MemoryStream();
        using (var deflater = new ZLibStream(compressed, level, leaveOpen: true))
        {
            int stride = image.Stride, bpp = image.Channels;
            var prior = new byte[stride];
            var best = new byte[stride + 1];
            var trial = new byte[stride];
            for (int y = 0; y < image.Height; y++)
            {
                var row = image.Row(y);
                long bestScore = long.MaxValue;
                for (int type = PngFilters.None; type <= PngFilters.Paeth; type++)
                {
                    PngFilters.Filter(type, row, prior, bpp, trial);
                    long score = 0;
                    foreach (byte b in trial) score += b < 128 ? b : 256 - b;
                    if (score < bestScore)
                    {
                        bestScore = score;
                        best[0] = (byte)type;
                        trial.CopyTo(best, 1);
                    }
                }
                deflater.Write(best);
                row.CopyTo(prior);
            }
        }
        WriteChunk(output, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(output, "IEND"u8, ReadOnlySpan<byte>.Empty);
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> body)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, body.Length);
        output.Write(word);
        output.Write(type);
        output.Write(body);
        uint crc = PngCrc.Update(PngCrc.Update(0xFFFFFFFFu, type), body) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        output.Write(word);
    }
}
