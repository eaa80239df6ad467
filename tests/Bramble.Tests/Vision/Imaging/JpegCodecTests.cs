using Bramble.Vision.Imaging;

namespace Bramble.Tests.Vision.Imaging;

public class JpegCodecTests
{
    [Fact]
    public void DecodesDarknetDog()
    {
        if (!ImagingTestData.Require(ImagingTestData.DogJpeg)) return;
        var dog = ImageIO.Load(ImagingTestData.DogJpeg);
        Assert.Equal((768, 576, 3), (dog.Width, dog.Height, dog.Channels));
        // A photo, not a blank: channels vary and the mean is mid-range.
        double mean = dog.Pixels.Average(b => (double)b);
        Assert.InRange(mean, 60, 200);
        Assert.True(dog.Pixels.Distinct().Count() > 200);
    }

    [Fact]
    public void DecodeMatchesDarknetsOwnLoader()
    {
        // Debian's darknet loads through OpenCV, i.e. the same libjpeg-turbo with the same (accurate IDCT, fancy
        // upsampling) settings, so pixels agree exactly.
        if (!ImagingTestData.Require(ImagingTestData.DogJpeg) || !ImagingTestData.Require(ImagingTestData.DarknetLibrary)) return;
        var dog = ImageIO.Load(ImagingTestData.DogJpeg);
        var reference = DarknetReference.LoadImageColor(ImagingTestData.DogJpeg);
        try
        {
            Assert.Equal((768, 576, 3), (reference.W, reference.H, reference.C));
            var expected = DarknetReference.ToArray(reference);
            int maxDiff = 0;
            long total = 0;
            for (int k = 0; k < 3; k++)
                for (int i = 0; i < 768 * 576; i++)
                {
                    int d = Math.Abs((int)Math.Round(expected[k * 768 * 576 + i] * 255) - dog.Pixels[i * 3 + k]);
                    maxDiff = Math.Max(maxDiff, d);
                    total += d;
                }
            Assert.True(maxDiff == 0, $"max diff {maxDiff}");
        }
        finally
        {
            DarknetReference.FreeImage(reference);
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(1)]
    public void EncodeDecodeRoundTripHasSmallError(int channels)
    {
        // Smooth content (JPEG's use case): gradients plus a soft blob.
        var image = new Image(97, 61, channels);
        for (int y = 0; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                for (int c = 0; c < channels; c++)
                    image[x, y, c] = (byte)Math.Min(255, x + y + c * 40 + 60 * Math.Exp(-((x - 40) * (x - 40) + (y - 30) * (y - 30)) / 200.0));
        byte[] jpeg = ImageIO.Encode(image, ImageFormat.Jpeg, jpegQuality: 95);
        Assert.Equal(ImageFormat.Jpeg, ImageFormats.Detect(jpeg));
        var decoded = ImageIO.Decode(jpeg, "roundtrip.jpg");
        Assert.Equal((image.Width, image.Height, channels), (decoded.Width, decoded.Height, decoded.Channels));
        double meanError = image.Pixels.Zip(decoded.Pixels, (a, b) => Math.Abs(a - b)).Average();
        int maxError = image.Pixels.Zip(decoded.Pixels, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(meanError < 1.5 && maxError < 24, $"mean error {meanError}, max {maxError}");
    }

    [Fact]
    public void AlphaIsDroppedWhenEncoding()
    {
        var rgba = ImagingTestData.RandomImage(new Random(3), 16, 16, 4);
        var decoded = ImageIO.Decode(ImageIO.Encode(rgba, ImageFormat.Jpeg), "a.jpg");
        Assert.Equal(3, decoded.Channels);
    }

    [Fact]
    public void TruncatedAndCorruptFilesFail()
    {
        var image = ImagingTestData.RandomImage(new Random(8), 64, 48, 3);
        byte[] jpeg = ImageIO.Encode(image, ImageFormat.Jpeg);
        foreach (int length in new[] { 3, 10, 100, jpeg.Length / 2, jpeg.Length - 2 })
        {
            var e = Assert.Throws<ImageFormatException>(() => ImageIO.Decode(jpeg.AsSpan(0, length), "cut.jpg"));
            ImagingTestData.AssertOneLine(e, "cut.jpg");
        }
        var random = new Random(11);
        for (int i = 0; i < 100; i++)
        {
            var bad = (byte[])jpeg.Clone();
            for (int f = 0; f < 4; f++) bad[random.Next(3, bad.Length)] = (byte)random.Next(256);
            try { ImageIO.Decode(bad, "fuzz.jpg"); }
            catch (ImageFormatException e) { Assert.DoesNotContain('\n', e.Message); }
        }
    }

    [Fact]
    public void HugeDeclaredSizeIsRejectedBeforeDecoding()
    {
        byte[] jpeg = ImageIO.Encode(ImagingTestData.RandomImage(new Random(2), 16, 16, 3), ImageFormat.Jpeg);
        // Patch the SOF0 frame header's height and width to 65000 x 65000 (4.2 gigapixels).
        int sof = Enumerable.Range(2, jpeg.Length - 10).First(i => jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0);
        jpeg[sof + 5] = jpeg[sof + 7] = 0xFD;
        jpeg[sof + 6] = jpeg[sof + 8] = 0xE8;
        var e = Assert.Throws<ImageFormatException>(() => ImageIO.Decode(jpeg, "huge.jpg"));
        ImagingTestData.AssertOneLine(e, "huge.jpg", "exceeds");
    }
}
