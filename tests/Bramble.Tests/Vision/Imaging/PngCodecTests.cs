using System.Buffers.Binary;
using Bramble.Vision.Imaging;

namespace Bramble.Tests.Vision.Imaging;

public class PngCodecTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void EncodeDecodeRoundTripsRandomImages(int channels)
    {
        var random = new Random(1234 + channels);
        for (int i = 0; i < 12; i++)
        {
            var image = ImagingTestData.RandomImage(random, random.Next(1, 70), random.Next(1, 50), channels);
            // Smooth gradients too, so every filter type is chosen somewhere.
            if (i % 2 == 1)
                for (int p = 0; p < image.Pixels.Length; p++) image.Pixels[p] = (byte)(p / channels % image.Width * 3 + p / image.Stride);
            byte[] png = ImageIO.Encode(image, ImageFormat.Png);
            var decoded = ImageIO.Decode(png, "roundtrip.png");
            Assert.Equal((image.Width, image.Height, image.Channels), (decoded.Width, decoded.Height, decoded.Channels));
            Assert.Equal(image.Pixels, decoded.Pixels);
        }
    }

    [Fact]
    public void SaveAndLoadThroughFiles()
    {
        var image = ImagingTestData.RandomImage(new Random(5), 31, 17, 3);
        string path = Path.Combine(Path.GetTempPath(), $"bramble-{Guid.NewGuid():N}.png");
        try
        {
            ImageIO.Save(image, path);
            Assert.Equal(image.Pixels, ImageIO.Load(path).Pixels);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(0, 1)] [InlineData(0, 2)] [InlineData(0, 4)] [InlineData(0, 8)] [InlineData(0, 16)]
    [InlineData(2, 8)] [InlineData(2, 16)]
    [InlineData(3, 1)] [InlineData(3, 2)] [InlineData(3, 4)] [InlineData(3, 8)]
    [InlineData(4, 8)] [InlineData(4, 16)]
    [InlineData(6, 8)] [InlineData(6, 16)]
    public void DecodesEveryColourTypeAndDepthPlainAndInterlaced(int colorType, int depth)
    {
        foreach (bool interlaced in new[] { false, true })
        {
            foreach (var (w, h) in new[] { (13, 11), (1, 1), (3, 2), (9, 17) })
            {
                var builder = Variant(colorType, depth, w, h, interlaced, withTransparency: false);
                var decoded = ImageIO.Decode(builder.Build(), "variant.png");
                AssertMatches(builder, decoded, $"type {colorType} depth {depth} interlaced {interlaced} {w}x{h}");
            }
        }
    }

    [Theory]
    [InlineData(0, 2)] [InlineData(0, 16)] [InlineData(2, 8)] [InlineData(2, 16)] [InlineData(3, 4)] [InlineData(3, 8)]
    public void TransparencyChunkAddsAlpha(int colorType, int depth)
    {
        var builder = Variant(colorType, depth, 10, 7, interlaced: true, withTransparency: true);
        var decoded = ImageIO.Decode(builder.Build(), "trns.png");
        Assert.True(decoded.HasAlpha);
        AssertMatches(builder, decoded, $"tRNS type {colorType} depth {depth}");
        Assert.Contains(decoded.Pixels.Where((_, i) => i % decoded.Channels == decoded.Channels - 1), a => a == 0);
    }

    [Fact]
    public void KnownSampleScaling()
    {
        // 2-bit gray 0..3 → 0, 85, 170, 255; 16-bit 0x8080 → 128, 0xFFFF → 255, 0x0080 → 0.
        var twoBit = new TestPngBuilder { Width = 4, Height = 1, ColorType = 0, BitDepth = 2, Sample = (x, _, _) => x };
        Assert.Equal(new byte[] { 0, 85, 170, 255 }, ImageIO.Decode(twoBit.Build()).Pixels);
        int[] wide = [0x8080, 0xFFFF, 0x0080];
        var sixteen = new TestPngBuilder { Width = 3, Height = 1, ColorType = 0, BitDepth = 16, Sample = (x, _, _) => wide[x] };
        Assert.Equal(new byte[] { 128, 255, 0 }, ImageIO.Decode(sixteen.Build()).Pixels);
    }

    [Fact]
    public void EveryFilterTypeOnEveryRow()
    {
        for (int filter = 0; filter < 5; filter++)
        {
            var builder = Variant(6, 8, 19, 6, interlaced: false, withTransparency: false);
            builder.Filter = filter;
            builder.IdatChunks = 3;
            AssertMatches(builder, ImageIO.Decode(builder.Build(), "filter.png"), $"filter {filter}");
        }
    }

    [Fact]
    public void TruncatedFilesFailWithOneLineErrors()
    {
        byte[] png = ImageIO.Encode(ImagingTestData.RandomImage(new Random(9), 40, 30, 3), ImageFormat.Png);
        foreach (int length in new[] { 0, 1, 8, 12, 20, 33, 40, png.Length / 2, png.Length - 13, png.Length - 1 })
        {
            var e = Assert.Throws<ImageFormatException>(() => ImageIO.Decode(png.AsSpan(0, length), "cut.png"));
            ImagingTestData.AssertOneLine(e, "cut.png");
        }
    }

    [Fact]
    public void CorruptCrcOfCriticalChunkIsRejectedButAncillaryTolerated()
    {
        var builder = Variant(2, 8, 8, 8, false, false);
        byte[] png = builder.Build();
        int idat = IndexOfChunk(png, "IDAT");
        var bad = (byte[])png.Clone();
        bad[idat + 8] ^= 0x40; // first data byte of IDAT; CRC now wrong
        ImagingTestData.AssertOneLine(Assert.Throws<ImageFormatException>(() => ImageIO.Decode(bad, "crc.png")), "crc.png", "CRC", "IDAT");

        int text = IndexOfChunk(png, "tEXt");
        bad = (byte[])png.Clone();
        bad[text + 9] ^= 0x01;
        AssertMatches(builder, ImageIO.Decode(bad, "text.png"), "bad tEXt CRC");
    }

    [Fact]
    public void CorruptCompressedDataIsRejected()
    {
        byte[] png = Variant(2, 8, 32, 32, false, false).Build();
        int idat = IndexOfChunk(png, "IDAT");
        int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat));
        var body = png.AsSpan(idat + 8, length).ToArray();
        for (int i = 2; i < body.Length - 4; i++) body[i] = 0xFF; // keep the zlib header, scramble the stream
        var rebuilt = png.Take(idat).Concat(TestPngBuilder.Chunk("IDAT", body)).Concat(png.Skip(idat + 12 + length)).ToArray();
        var e = Assert.Throws<ImageFormatException>(() => ImageIO.Decode(rebuilt, "zlib.png"));
        ImagingTestData.AssertOneLine(e, "zlib.png");
    }

    [Fact]
    public void InvalidFilterTypeIsRejected()
    {
        var builder = new TestPngBuilder { Width = 4, Height = 2, ColorType = 0, BitDepth = 8, Filter = 0 };
        byte[] png = builder.Build();
        // Rebuild with a raw stream whose first row claims filter 7.
        byte[] raw = [7, 1, 2, 3, 4, 0, 1, 2, 3, 4];
        var z = new MemoryStream();
        using (var zs = new System.IO.Compression.ZLibStream(z, System.IO.Compression.CompressionLevel.Fastest, true)) zs.Write(raw);
        int idat = IndexOfChunk(png, "IDAT");
        int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(idat));
        var rebuilt = png.Take(idat).Concat(TestPngBuilder.Chunk("IDAT", z.ToArray())).Concat(png.Skip(idat + 12 + length)).ToArray();
        ImagingTestData.AssertOneLine(Assert.Throws<ImageFormatException>(() => ImageIO.Decode(rebuilt, "f.png")), "filter");
    }

    [Theory]
    [InlineData(100000, 100000, "exceeds")]
    [InlineData(0, 10, "invalid image size")]
    [InlineData(10, 0, "invalid image size")]
    [InlineData(16000, 16000, "cannot hold")] // allowed size, but a few bytes of IDAT cannot inflate to 768 MB
    public void HostileHeadersFailBeforeAllocating(int width, int height, string problem)
    {
        byte[] png = new TestPngBuilder { Width = 2, Height = 2, ColorType = 2 }.Build();
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), TestPngBuilder.Crc(png.AsSpan(12, 17)));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageFormatException>(() => ImageIO.Decode(png, "huge.png"));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        ImagingTestData.AssertOneLine(e, "huge.png", problem);
        Assert.True(allocated < 1 << 20, $"decoder allocated {allocated} bytes for a rejected header");
    }

    [Fact]
    public void PaletteWithoutPlteIsRejected()
    {
        var builder = new TestPngBuilder { Width = 2, Height = 2, ColorType = 3, BitDepth = 8 };
        ImagingTestData.AssertOneLine(Assert.Throws<ImageFormatException>(() => ImageIO.Decode(builder.Build(), "p.png")), "PLTE");
    }

    [Fact]
    public void RandomCorruptionNeverEscapesAsAnotherException()
    {
        var random = new Random(77);
        byte[] png = Variant(3, 4, 24, 20, true, true).Build();
        for (int i = 0; i < 300; i++)
        {
            var bad = (byte[])png.Clone();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++) bad[random.Next(8, bad.Length)] = (byte)random.Next(256);
            // Either it still decodes (a flip in an ancillary chunk, or a byte equal to the original) or it is our error.
            try { ImageIO.Decode(bad, "fuzz.png"); }
            catch (ImageFormatException e) { Assert.DoesNotContain('\n', e.Message); }
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static TestPngBuilder Variant(int colorType, int depth, int w, int h, bool interlaced, bool withTransparency)
    {
        int max = (1 << depth) - 1;
        var b = new TestPngBuilder
        {
            Width = w, Height = h, ColorType = colorType, BitDepth = depth, Interlaced = interlaced,
            Sample = (x, y, s) => (int)((uint)((x * 73856093) ^ (y * 19349663) ^ (s * 83492791) ^ depth) % (uint)(max + 1)),
        };
        if (colorType == 3)
        {
            var random = new Random(depth);
            b.Palette = new byte[3 * (max + 1)];
            random.NextBytes(b.Palette);
            if (withTransparency) { b.Transparency = new byte[Math.Min(max + 1, 3)]; random.NextBytes(b.Transparency); b.Transparency[0] = 0; }
        }
        else if (withTransparency)
        {
            // Key on the colour of pixel (0, 0) so at least one pixel is transparent.
            int spp = colorType == 0 ? 1 : 3;
            b.Transparency = new byte[2 * spp];
            for (int s = 0; s < spp; s++) BinaryPrimitives.WriteUInt16BigEndian(b.Transparency.AsSpan(2 * s), (ushort)b.Sample(0, 0, s));
        }
        return b;
    }

    /// <summary>Expected 8-bit output from the builder's raw samples, computed independently of the decoder.</summary>
    private static void AssertMatches(TestPngBuilder b, Image decoded, string what)
    {
        bool key = b.Transparency != null && b.ColorType is 0 or 2;
        int expectedChannels = b.ColorType switch
        {
            0 => key ? 2 : 1,
            2 => key ? 4 : 3,
            3 => b.Transparency != null ? 4 : 3,
            4 => 2,
            _ => 4,
        };
        Assert.True(decoded.Width == b.Width && decoded.Height == b.Height && decoded.Channels == expectedChannels, $"{what}: shape {decoded}");
        double max = (1 << b.BitDepth) - 1;
        for (int y = 0; y < b.Height; y++)
        {
            for (int x = 0; x < b.Width; x++)
            {
                var expected = new List<byte>();
                if (b.ColorType == 3)
                {
                    int index = b.Sample(x, y, 0);
                    for (int c = 0; c < 3; c++) expected.Add(b.Palette![index * 3 + c]);
                    if (b.Transparency != null) expected.Add(index < b.Transparency.Length ? b.Transparency[index] : (byte)255);
                }
                else
                {
                    bool allMatchKey = key;
                    for (int s = 0; s < b.SamplesPerPixel; s++)
                    {
                        int raw = b.Sample(x, y, s);
                        expected.Add((byte)Math.Round(raw * 255.0 / max, MidpointRounding.AwayFromZero));
                        if (key && BinaryPrimitives.ReadUInt16BigEndian(b.Transparency.AsSpan(2 * s)) != raw) allMatchKey = false;
                    }
                    if (key) expected.Add(allMatchKey ? (byte)0 : (byte)255);
                }
                for (int c = 0; c < expectedChannels; c++)
                    Assert.True(expected[c] == decoded[x, y, c], $"{what}: pixel ({x},{y}) channel {c} expected {expected[c]} got {decoded[x, y, c]}");
            }
        }
    }

    private static int IndexOfChunk(byte[] png, string type)
    {
        for (int pos = 8; pos + 8 <= png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(pos));
            if (System.Text.Encoding.ASCII.GetString(png, pos + 4, 4) == type) return pos;
            pos += 12 + length;
        }
        throw new InvalidOperationException($"no {type} chunk");
    }
}
