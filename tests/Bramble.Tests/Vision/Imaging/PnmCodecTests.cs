using System.Text;
using Bramble.Vision.Imaging;

namespace Bramble.Tests.Vision.Imaging;

public class PnmCodecTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(3, false)]
    [InlineData(1, true)]
    [InlineData(3, true)]
    public void RoundTrips(int channels, bool ascii)
    {
        var random = new Random(channels * 10 + (ascii ? 1 : 0));
        for (int i = 0; i < 6; i++)
        {
            var image = ImagingTestData.RandomImage(random, random.Next(1, 40), random.Next(1, 30), channels);
            byte[] bytes = PnmEncoder.Encode(image, ascii);
            Assert.Equal(ascii ? (channels == 1 ? "P2" : "P3") : (channels == 1 ? "P5" : "P6"), Encoding.ASCII.GetString(bytes, 0, 2));
            var decoded = ImageIO.Decode(bytes, "rt.pnm");
            Assert.Equal((image.Width, image.Height, channels), (decoded.Width, decoded.Height, decoded.Channels));
            Assert.Equal(image.Pixels, decoded.Pixels);
        }
    }

    [Fact]
    public void SavesByExtension()
    {
        var image = ImagingTestData.RandomImage(new Random(4), 9, 5, 4);
        string path = Path.Combine(Path.GetTempPath(), $"bramble-{Guid.NewGuid():N}.ppm");
        try
        {
            ImageIO.Save(image, path);
            var loaded = ImageIO.Load(path);
            Assert.Equal(image.DropAlpha().Pixels, loaded.Pixels);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ParsesCommentsAndScalesMaxval()
    {
        var ascii = ImageIO.Decode("P2\n# a comment\n3 1 # trailing\n# another\n15\n0 15 7\n"u8, "c.pgm");
        Assert.Equal(new byte[] { 0, 255, 119 }, ascii.Pixels);
        // 16-bit binary, big-endian: 0, 65535, 32768 of 65535 → 0, 255, 128.
        byte[] header = Encoding.ASCII.GetBytes("P5 3 1 65535\n");
        var decoded = ImageIO.Decode(header.Concat(new byte[] { 0, 0, 0xFF, 0xFF, 0x80, 0x00 }).ToArray(), "w.pgm");
        Assert.Equal(new byte[] { 0, 255, 128 }, decoded.Pixels);
        var colour = ImageIO.Decode("P3 1 1 255 10 20 30"u8, "p3.ppm");
        Assert.Equal(new byte[] { 10, 20, 30 }, colour.Pixels);
    }

    [Theory]
    [InlineData("P6\n4 4\n255\n", "truncated")]
    [InlineData("P6\n4 4", "truncated")]
    [InlineData("P5\n100000 100000\n255\n", "exceeds")]
    [InlineData("P5\n0 5\n255\n", "invalid image size")]
    [InlineData("P5\n5 5\n0\n", "maxval")]
    [InlineData("P5\n5 x\n255\n", "height")]
    [InlineData("P2\n2 2\n255\n1 2 3\n", "truncated")]
    [InlineData("P2\n2 1\n10\n1 11\n", "exceeds maxval")]
    [InlineData("P5\n99999999999 5\n255\n", "too large")]
    [InlineData("P4\n8 1\n\0", "not supported")]
    [InlineData("P7\n", "unrecognised")]
    public void BadFilesFailWithOneLineErrors(string text, string problem)
    {
        var e = Assert.Throws<ImageFormatException>(() => ImageIO.Decode(Encoding.ASCII.GetBytes(text), "bad.pnm"));
        ImagingTestData.AssertOneLine(e, "bad.pnm", problem);
    }

    [Fact]
    public void AsciiSizeIsCheckedBeforeAllocating()
    {
        // Declares 16000 x 16000 (allowed) but holds a handful of samples: must fail without a 256 MB allocation.
        byte[] data = Encoding.ASCII.GetBytes("P2 16000 16000 255 1 2 3 4");
        long before = GC.GetAllocatedBytesForCurrentThread();
        ImagingTestData.AssertOneLine(Assert.Throws<ImageFormatException>(() => ImageIO.Decode(data, "a.pgm")), "truncated");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }
}
