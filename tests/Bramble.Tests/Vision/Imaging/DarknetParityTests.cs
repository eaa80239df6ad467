using Bramble.Vision.Imaging;

namespace Bramble.Tests.Vision.Imaging;

/// <summary>Bramble's Darknet-mode preprocessing against Debian's libdarknet.so, compared bit for bit.</summary>
public unsafe class DarknetParityTests
{
    [Theory]
    [InlineData(37, 23, 41, 41)]
    [InlineData(23, 37, 41, 41)]
    [InlineData(100, 100, 64, 64)]
    [InlineData(5, 3, 96, 64)]
    [InlineData(640, 480, 416, 416)]
    [InlineData(300, 20, 32, 32)] // content only 2 rows tall
    public void LetterboxMatchesDarknetExactly(int w, int h, int netW, int netH)
    {
        if (!ImagingTestData.Require(ImagingTestData.DarknetLibrary)) return;
        var image = ImagingTestData.RandomImage(new Random(w * 1000 + h), w, h, 3);
        AssertLetterboxMatches(image, netW, netH);
    }

    [Fact]
    public void DogEndToEndMatchesDarknetExactly()
    {
        // Darknet's detector input: load_image_color(file) then letterbox_image(416, 416), against ImageIO.Load
        // then Preprocessor with PreprocessOptions.Darknet.
        if (!ImagingTestData.Require(ImagingTestData.DarknetLibrary) || !ImagingTestData.Require(ImagingTestData.DogJpeg)) return;
        var loaded = DarknetReference.LoadImageColor(ImagingTestData.DogJpeg);
        var boxed = DarknetReference.LetterboxImage(loaded, 416, 416);
        try
        {
            using var ours = Preprocessor.Run(ImageIO.Load(ImagingTestData.DogJpeg), PreprocessOptions.Darknet(416, 416));
            AssertBitwiseEqual(DarknetReference.ToArray(boxed), ours.Tensor.ToArray<float>());
        }
        finally
        {
            DarknetReference.FreeImage(boxed);
            DarknetReference.FreeImage(loaded);
        }
    }

    [Theory]
    [InlineData(37, 23, 64, 48)]
    [InlineData(64, 48, 37, 23)]
    [InlineData(1, 9, 5, 5)]
    [InlineData(9, 1, 5, 5)]
    [InlineData(500, 375, 608, 608)]
    public void StretchResizeMatchesDarknetExactly(int w, int h, int dw, int dh)
    {
        if (!ImagingTestData.Require(ImagingTestData.DarknetLibrary)) return;
        var image = ImagingTestData.RandomImage(new Random(w + h * 7), w, h, 3);
        var reference = DarknetReference.FromImage(image);
        var resized = DarknetReference.ResizeImage(reference, dw, dh);
        try
        {
            using var ours = Preprocessor.Run(image, new PreprocessOptions { Width = dw, Height = dh, Interpolation = Interpolation.Darknet });
            AssertBitwiseEqual(DarknetReference.ToArray(resized), ours.Tensor.ToArray<float>());
        }
        finally
        {
            DarknetReference.FreeImage(resized);
            DarknetReference.FreeImage(reference);
        }
    }

    private static void AssertLetterboxMatches(Image image, int netW, int netH)
    {
        var reference = DarknetReference.FromImage(image);
        var boxed = DarknetReference.LetterboxImage(reference, netW, netH);
        try
        {
            Assert.Equal((netW, netH, 3), (boxed.W, boxed.H, boxed.C));
            using var ours = Preprocessor.Run(image, PreprocessOptions.Darknet(netW, netH));
            Assert.Equal(new[] { 1, 3, netH, netW }, ours.Tensor.Shape);
            AssertBitwiseEqual(DarknetReference.ToArray(boxed), ours.Tensor.ToArray<float>());
        }
        finally
        {
            DarknetReference.FreeImage(boxed);
            DarknetReference.FreeImage(reference);
        }
    }

    private static void AssertBitwiseEqual(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                Assert.Fail($"element {i}: Darknet {expected[i]:R}, Bramble {actual[i]:R}");
    }
}
