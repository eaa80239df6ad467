using Bramble.Vision.Imaging;

namespace Bramble.Tests.Vision.Imaging;

public class ImageTests
{
    [Fact]
    public void ConversionsBetweenChannelCounts()
    {
        var rgba = new Image(2, 1, 4, [255, 0, 0, 7, 10, 200, 30, 9]);
        Assert.Equal(new byte[] { 255, 0, 0, 10, 200, 30 }, rgba.DropAlpha().Pixels);
        Assert.Equal(new byte[] { 255, 0, 0, 10, 200, 30 }, rgba.ToRgb().Pixels);
        // BT.601: 0.299*255 = 76.2 → 76; 0.299*10 + 0.587*200 + 0.114*30 = 123.8 → 124.
        Assert.Equal(new byte[] { 76, 124 }, rgba.ToGray().Pixels);
        var gray = new Image(2, 1, 1, [5, 250]);
        Assert.Equal(new byte[] { 5, 5, 5, 250, 250, 250 }, gray.ToRgb().Pixels);
        Assert.Equal(new byte[] { 5, 255, 250, 255 }, gray.ToChannels(2).Pixels);
        Assert.Equal(new byte[] { 5, 5, 5, 255, 250, 250, 250, 255 }, gray.ToChannels(4).Pixels);
        Assert.Same(gray, gray.ToGray());
        Assert.Equal(new byte[] { 5, 250 }, gray.ToChannels(2).DropAlpha().Pixels);
    }

    [Fact]
    public void InvalidSizesAreRejected()
    {
        Assert.Throws<ImageFormatException>(() => new Image(0, 5, 3));
        Assert.Throws<ImageFormatException>(() => new Image(5, 5, 5));
        Assert.Throws<ImageFormatException>(() => new Image(100000, 100000, 1));
        Assert.Throws<BrambleException>(() => new Image(2, 2, 3, new byte[11]));
    }

    [Fact]
    public void FormatIsChosenBySignatureNotName()
    {
        byte[] png = ImageIO.Encode(new Image(3, 3, 3), ImageFormat.Png);
        string path = Path.Combine(Path.GetTempPath(), $"bramble-{Guid.NewGuid():N}.jpg");
        try
        {
            File.WriteAllBytes(path, png);
            Assert.Equal((3, 3, 3), (ImageIO.Load(path).Width, ImageIO.Load(path).Height, ImageIO.Load(path).Channels));
        }
        finally
        {
            File.Delete(path);
        }
        ImagingTestData.AssertOneLine(Assert.Throws<ImageFormatException>(() => ImageIO.Decode("GIF89a......"u8, "x.gif")), "x.gif", "unrecognised");
        ImagingTestData.AssertOneLine(Assert.Throws<ImageFormatException>(() => ImageIO.Decode([], "e.png")), "e.png", "empty");
        ImagingTestData.AssertOneLine(Assert.Throws<ImageFormatException>(() => ImageIO.Load("/nonexistent/dir/a.png")), "not found");
        ImagingTestData.AssertOneLine(Assert.Throws<BrambleException>(() => ImageIO.Save(new Image(1, 1, 1), "out.bmp")), "extension");
    }
}
