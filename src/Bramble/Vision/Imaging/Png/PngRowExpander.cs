namespace Bramble.Vision.Imaging;

/// <summary>
/// Turns one unfiltered PNG row (any colour type and bit depth) into 8-bit interleaved output pixels:
/// sub-byte gray is scaled to 0..255, 16-bit samples are rounded to 8 bits, palette indices are looked up,
/// and a tRNS colour key becomes an alpha channel.
/// </summary>
internal sealed class PngRowExpander
{
    private readonly PngHeader _h;
    private readonly int _outChannels;
    private readonly byte[] _paletteRgba = new byte[256 * 4];
    private readonly int[]? _key;

    public PngRowExpander(PngHeader header, int outChannels, byte[]? palette, byte[]? paletteAlpha, int[]? transparentColor)
    {
        _h = header;
        _outChannels = outChannels;
        _key = transparentColor;
        // Indices beyond the palette decode as opaque black (libpng's lenient behaviour) instead of failing.
        for (int i = 0; i < 256; i++) _paletteRgba[i * 4 + 3] = 255;
        if (palette != null)
        {
            for (int i = 0; i < palette.Length / 3; i++)
            {
                _paletteRgba[i * 4] = palette[i * 3];
                _paletteRgba[i * 4 + 1] = palette[i * 3 + 1];
                _paletteRgba[i * 4 + 2] = palette[i * 3 + 2];
            }
        }
        if (paletteAlpha != null)
            for (int i = 0; i < paletteAlpha.Length; i++) _paletteRgba[i * 4 + 3] = paletteAlpha[i];
    }

    public void Expand(ReadOnlySpan<byte> row, int width, Span<byte> output)
    {
        int depth = _h.BitDepth, oc = _outChannels;
        switch (_h.ColorType)
        {
            case PngHeader.Palette:
                for (int x = 0; x < width; x++)
                {
                    int index = Sample(row, x, depth);
                    var entry = _paletteRgba.AsSpan(index * 4, oc);
                    entry.CopyTo(output[(x * oc)..]);
                }
                break;
            case PngHeader.Gray:
                for (int x = 0; x < width; x++)
                {
                    int raw = Sample(row, x, depth);
                    output[x * oc] = To8Bit(raw, depth);
                    if (_key != null) output[x * oc + 1] = raw == _key[0] ? (byte)0 : (byte)255;
                }
                break;
            case PngHeader.Rgb:
                for (int x = 0; x < width; x++)
                {
                    int r = Sample(row, x * 3, depth), g = Sample(row, x * 3 + 1, depth), b = Sample(row, x * 3 + 2, depth);
                    int o = x * oc;
                    output[o] = To8Bit(r, depth);
                    output[o + 1] = To8Bit(g, depth);
                    output[o + 2] = To8Bit(b, depth);
                    if (_key != null) output[o + 3] = r == _key[0] && g == _key[1] && b == _key[2] ? (byte)0 : (byte)255;
                }
                break;
            default: // gray + alpha, RGBA: 8 or 16 bits, no key
                int samples = width * _h.SamplesPerPixel;
                for (int i = 0; i < samples; i++) output[i] = To8Bit(Sample(row, i, depth), depth);
                break;
        }
    }

    /// <summary>Sample <paramref name="index"/> of a row packed at <paramref name="depth"/> bits per sample, most significant bits first.</summary>
    private static int Sample(ReadOnlySpan<byte> row, int index, int depth)
    {
        switch (depth)
        {
            case 8: return row[index];
            case 16: return row[index * 2] << 8 | row[index * 2 + 1];
            default:
                int bit = index * depth;
                int shift = 8 - depth - (bit & 7);
                return (row[bit >> 3] >> shift) & ((1 << depth) - 1);
        }
    }

    private static byte To8Bit(int value, int depth) => depth switch
    {
        8 => (byte)value,
        16 => (byte)((value * 255 + 32767) / 65535),
        // 1, 2, 4 bits: replicate to full range (1 → 255, 2-bit 2 → 170, 4-bit 7 → 119).
        _ => (byte)(value * 255 / ((1 << depth) - 1)),
    };
}
