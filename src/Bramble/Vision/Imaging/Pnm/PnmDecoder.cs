namespace Bramble.Vision.Imaging;

/// <summary>
/// Decodes Netpbm gray and colour maps: P5/P6 (binary) and P2/P3 (ASCII), maxval 1..65535. Samples are scaled
/// to 0..255 with rounding (identity for maxval 255); 16-bit binary samples are big-endian, as Netpbm defines.
/// </summary>
internal static class PnmDecoder
{
    public static Image Decode(ReadOnlySpan<byte> data, string source)
    {
        if (data.Length < 2 || data[0] != (byte)'P') throw Error(source, "not a PNM file (bad signature)");
        char kind = (char)data[1];
        if (kind is '1' or '4') throw Error(source, $"P{kind} (bitmap) is not supported; use P2/P3/P5/P6");
        if (kind is not ('2' or '3' or '5' or '6')) throw Error(source, $"unknown PNM type P{kind}");
        int channels = kind is '3' or '6' ? 3 : 1;
        bool binary = kind is '5' or '6';

        int pos = 2;
        long width = ReadHeaderNumber(data, ref pos, "width", source);
        long height = ReadHeaderNumber(data, ref pos, "height", source);
        long maxval = ReadHeaderNumber(data, ref pos, "maxval", source);
        if (maxval < 1 || maxval > 65535) throw Error(source, $"maxval {maxval} out of range 1..65535");
        Image.CheckSize(width, height, channels, source);
        long samples = width * height * channels;

        if (binary)
        {
            // Exactly one whitespace byte separates the header from the samples.
            if (pos >= data.Length || !IsWhitespace(data[pos])) throw Error(source, "header not followed by whitespace (truncated?)");
            pos++;
            int bytesPerSample = maxval > 255 ? 2 : 1;
            long needed = samples * bytesPerSample;
            if (data.Length - pos < needed)
                throw Error(source, $"pixel data has {data.Length - pos} bytes, {width}x{height} needs {needed} (file truncated?)");
            var image = new Image((int)width, (int)height, channels);
            var pixels = image.Pixels;
            var body = data.Slice(pos, (int)needed);
            var scale = ScaleTable(maxval);
            for (long i = 0; i < samples; i++)
            {
                int v = bytesPerSample == 1 ? body[(int)i] : body[(int)(2 * i)] << 8 | body[(int)(2 * i + 1)];
                if (v > maxval) throw Error(source, $"sample {v} exceeds maxval {maxval} at offset {pos + i * bytesPerSample}");
                pixels[i] = scale[v];
            }
            return image;
        }
        else
        {
            // Each ASCII sample takes at least one digit and one separator: refuse before allocating if the
            // file is too short to hold the declared size.
            if (data.Length - pos < 2 * samples - 1)
                throw Error(source, $"{data.Length - pos} bytes of text cannot hold {samples} samples (file truncated?)");
            var image = new Image((int)width, (int)height, channels);
            var pixels = image.Pixels;
            var scale = ScaleTable(maxval);
            for (long i = 0; i < samples; i++)
            {
                long v = ReadNumber(data, ref pos, allowComments: false, source, "sample");
                if (v > maxval) throw Error(source, $"sample {v} exceeds maxval {maxval} near offset {pos}");
                pixels[i] = scale[v];
            }
            return image;
        }
    }

    /// <summary>Maps 0..maxval to 0..255 rounding to nearest.</summary>
    private static byte[] ScaleTable(long maxval)
    {
        var table = new byte[maxval + 1];
        for (long v = 0; v <= maxval; v++) table[v] = (byte)((v * 255 + maxval / 2) / maxval);
        return table;
    }

    private static long ReadHeaderNumber(ReadOnlySpan<byte> data, ref int pos, string what, string source)
        => ReadNumber(data, ref pos, allowComments: true, source, what);

    /// <summary>Skips whitespace (and '#' comments in the header) then reads a decimal number, refusing absurd values.</summary>
    private static long ReadNumber(ReadOnlySpan<byte> data, ref int pos, bool allowComments, string source, string what)
    {
        while (pos < data.Length)
        {
            if (IsWhitespace(data[pos])) pos++;
            else if (allowComments && data[pos] == (byte)'#')
                while (pos < data.Length && data[pos] != (byte)'\n' && data[pos] != (byte)'\r') pos++;
            else break;
        }
        if (pos >= data.Length) throw Error(source, $"file ends before the {what} (truncated?)");
        if (data[pos] < (byte)'0' || data[pos] > (byte)'9')
            throw Error(source, $"expected a number for the {what} at offset {pos}, found '{(char)data[pos]}'");
        long value = 0;
        while (pos < data.Length && data[pos] >= (byte)'0' && data[pos] <= (byte)'9')
        {
            value = value * 10 + (data[pos] - '0');
            if (value > int.MaxValue) throw Error(source, $"{what} at offset {pos} is too large");
            pos++;
        }
        return value;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    private static ImageFormatException Error(string source, string problem) => new($"{source}: PNM {problem}");
}
