using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Bramble.Tests.Vision.Imaging;

/// <summary>
/// Test-side PNG writer for the variants Bramble's own encoder never produces (sub-byte and 16-bit depths,
/// palettes, tRNS, Adam7, every filter). Deliberately independent of the decoder's code: its own filter,
/// packing and CRC implementations, written straight from the PNG specification.
/// </summary>
internal sealed class TestPngBuilder
{
    public int Width, Height, ColorType, BitDepth = 8;
    public bool Interlaced;
    public byte[]? Palette, Transparency;
    /// <summary>Filter per row; -1 cycles through all five by row number.</summary>
    public int Filter = -1;
    /// <summary>Number of IDAT chunks the compressed stream is split into.</summary>
    public int IdatChunks = 1;
    /// <summary>Raw sample value at (x, y, sample index).</summary>
    public Func<int, int, int, int> Sample = (_, _, _) => 0;

    private static readonly int[] Adam7 = [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];

    public int SamplesPerPixel => ColorType switch { 0 or 3 => 1, 4 => 2, 2 => 3, _ => 4 };

    public byte[] Build()
    {
        var raw = new MemoryStream();
        int rowCounter = 0;
        var passes = Interlaced ? Enumerable.Range(0, 7).Select(p => Adam7.Skip(p * 4).Take(4).ToArray()) : [[0, 0, 1, 1]];
        foreach (var p in passes)
        {
            var xs = Enumerable.Range(0, Width).Where(x => x >= p[0] && (x - p[0]) % p[2] == 0).ToArray();
            var ys = Enumerable.Range(0, Height).Where(y => y >= p[1] && (y - p[1]) % p[3] == 0).ToArray();
            if (xs.Length == 0 || ys.Length == 0) continue;
            byte[] prior = new byte[(xs.Length * SamplesPerPixel * BitDepth + 7) / 8];
            foreach (int y in ys)
            {
                byte[] row = PackRow(xs, y);
                int filter = Filter >= 0 ? Filter : rowCounter % 5;
                rowCounter++;
                raw.WriteByte((byte)filter);
                raw.Write(ApplyFilter(filter, row, prior));
                prior = row;
            }
        }
        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true)) z.Write(raw.ToArray());
        byte[] idat = compressed.ToArray();

        var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, Width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), Height);
        ihdr[8] = (byte)BitDepth;
        ihdr[9] = (byte)ColorType;
        ihdr[12] = (byte)(Interlaced ? 1 : 0);
        png.Write(Chunk("IHDR", ihdr));
        if (Palette != null) png.Write(Chunk("PLTE", Palette));
        if (Transparency != null) png.Write(Chunk("tRNS", Transparency));
        png.Write(Chunk("tEXt", Encoding.ASCII.GetBytes("Comment\0made by the test")));
        int per = (idat.Length + IdatChunks - 1) / IdatChunks;
        for (int i = 0; i < idat.Length; i += per) png.Write(Chunk("IDAT", idat.AsSpan(i, Math.Min(per, idat.Length - i)).ToArray()));
        png.Write(Chunk("IEND", []));
        return png.ToArray();
    }

    private byte[] PackRow(int[] xs, int y)
    {
        int spp = SamplesPerPixel;
        var row = new byte[(xs.Length * spp * BitDepth + 7) / 8];
        int bit = 0;
        foreach (int x in xs)
        {
            for (int s = 0; s < spp; s++)
            {
                int v = Sample(x, y, s);
                if (BitDepth == 16) { row[bit / 8] = (byte)(v >> 8); row[bit / 8 + 1] = (byte)v; }
                else if (BitDepth == 8) row[bit / 8] = (byte)v;
                else row[bit / 8] |= (byte)(v << (8 - BitDepth - bit % 8));
                bit += BitDepth;
            }
        }
        return row;
    }

    private byte[] ApplyFilter(int type, byte[] row, byte[] prior)
    {
        int bpp = Math.Max(1, SamplesPerPixel * BitDepth / 8);
        var output = new byte[row.Length];
        for (int i = 0; i < row.Length; i++)
        {
            int a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
            int predicted = type switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                _ => Paeth(a, b, c),
            };
            output[i] = unchecked((byte)(row[i] - predicted));
        }
        return output;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    public static byte[] Chunk(string type, byte[] body)
    {
        var chunk = new byte[12 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(chunk, body.Length);
        Encoding.ASCII.GetBytes(type, chunk.AsSpan(4));
        body.CopyTo(chunk, 8);
        BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + body.Length), Crc(chunk.AsSpan(4, 4 + body.Length)));
        return chunk;
    }

    /// <summary>Bitwise CRC-32 (no table), independent of the decoder's table-driven one.</summary>
    public static uint Crc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }
}
