using Bramble.Tensors;
using Bramble.Vision.Imaging;

namespace Bramble.Tests.Vision.Imaging;

public class PreprocessorTests
{
    [Fact]
    public void PixelScaleMatchesDarknetsConversionForEveryByte()
    {
        var image = new Image(256, 1, 1);
        for (int i = 0; i < 256; i++) image.Pixels[i] = (byte)i;
        using var result = Preprocessor.Run(image, new PreprocessOptions { Resize = ResizeMode.None, Channels = ChannelOrder.Gray });
        var values = result.Tensor.ToArray<float>();
        for (int b = 0; b < 256; b++) Assert.Equal((float)(b / 255.0), values[b]);
    }

    [Fact]
    public void LetterboxShapeBorderAndCentredContent()
    {
        // 80x40 white image into 64x64: content 64x32 centred vertically at y = 16, gray 0.5 above and below.
        var image = new Image(80, 40, 3);
        Array.Fill(image.Pixels, (byte)255);
        using var result = Preprocessor.Run(image, PreprocessOptions.Darknet(64, 64));
        Assert.Equal(new[] { 1, 3, 64, 64 }, result.Tensor.Shape);
        var t = result.Transform;
        Assert.Equal((64, 32, 0, 16), (t.ContentWidth, t.ContentHeight, t.OffsetX, t.OffsetY));
        var v = result.Tensor.AsSpan<float>();
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 64; y++)
                for (int x = 0; x < 64; x++)
                {
                    float expected = y >= 16 && y < 48 ? 1f : 0.5f;
                    Assert.Equal(expected, v[(c * 64 + y) * 64 + x], 6);
                }
    }

    [Fact]
    public void LetterboxPlacesContentWhereTheTransformSays()
    {
        // A red square marker in a 100x50 image must land at the mapped position in a 60x60 input.
        var image = new Image(100, 50, 3);
        ImageDrawing.FillRectangle(image, 70, 20, 79, 29, new Color(255, 0, 0));
        using var result = Preprocessor.Run(image, PreprocessOptions.Yolo(60, 60));
        var t = result.Transform;
        Assert.Equal((60, 30, 0, 15), (t.ContentWidth, t.ContentHeight, t.OffsetX, t.OffsetY));
        var v = result.Tensor.AsSpan<float>();
        // Marker centre (75, 25) source → (45, 15 + 15 = 30) input; check red there and the mapping back.
        Assert.True(v[(0 * 60 + 30) * 60 + 45] > 0.9f && v[(1 * 60 + 30) * 60 + 45] < 0.1f);
        Assert.True(v[(0 * 60 + 30) * 60 + 35] < 0.1f);
        var (sx, sy) = t.ToSource(45f, 30f);
        Assert.Equal(75f, sx, 3);
        Assert.Equal(25f, sy, 3);
        Assert.Equal(114f / 255f, v[0], 6); // padding above the content
        var box = t.BoxToSource(-5, 10, 30, 70);
        Assert.Equal((0f, 0f, 50f, 50f), box);
    }

    [Theory]
    [InlineData(Interpolation.Bilinear)]
    [InlineData(Interpolation.Nearest)]
    [InlineData(Interpolation.Darknet)]
    public void ResizingAConstantImageKeepsItConstant(Interpolation filter)
    {
        var image = new Image(37, 23, 3);
        for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (byte)(i % 3 == 0 ? 200 : i % 3 == 1 ? 77 : 13);
        foreach (var (w, h) in new[] { (64, 48), (10, 7), (37, 23), (1, 1), (100, 3) })
        {
            using var result = Preprocessor.Run(image, new PreprocessOptions { Width = w, Height = h, Interpolation = filter });
            var v = result.Tensor.AsSpan<float>();
            byte[] channel = [200, 77, 13];
            for (int c = 0; c < 3; c++)
            {
                float expected = (float)(channel[c] / 255.0);
                for (int i = 0; i < w * h; i++)
                {
                    float actual = v[c * w * h + i];
                    // Darknet's (1-d)*a + d*a form may be off by one float rounding; the others are exact.
                    if (filter == Interpolation.Darknet) Assert.Equal(expected, actual, 5);
                    else Assert.Equal(expected, actual);
                }
            }
        }
    }

    [Fact]
    public void BilinearAndNearestKnownValues()
    {
        // 2x1 gray [0, 255] upscaled to 4x1. Half-pixel bilinear: x' = 0.25 → -0.25 (clamp 0), 0.25, 0.75, 1.25 (clamp).
        var image = new Image(2, 1, 1, [0, 255]);
        using var bilinear = Preprocessor.Run(image, new PreprocessOptions { Width = 4, Height = 1, Channels = ChannelOrder.Gray, PixelScale = 1 });
        Assert.Equal(new[] { 0f, 63.75f, 191.25f, 255f }, bilinear.Tensor.ToArray<float>());
        using var nearest = Preprocessor.Run(image, new PreprocessOptions { Width = 4, Height = 1, Channels = ChannelOrder.Gray, PixelScale = 1, Interpolation = Interpolation.Nearest });
        Assert.Equal(new[] { 0f, 0f, 255f, 255f }, nearest.Tensor.ToArray<float>());
        using var darknet = Preprocessor.Run(image, new PreprocessOptions { Width = 4, Height = 2, Channels = ChannelOrder.Gray, PixelScale = 1, Interpolation = Interpolation.Darknet });
        // Corner-aligned: x = 0, 1/3, 2/3, 1 of the way. Darknet's vertical pass scales by (1 - dy) with dy = 0.
        Assert.Equal(new[] { 0f, 85f, 170f, 255f }, darknet.Tensor.ToArray<float>()[..4], new FloatTolerance(1e-4f));
    }

    [Fact]
    public void MeanStdLayoutAndChannelOrder()
    {
        var image = new Image(2, 1, 3, [10, 20, 30, 40, 50, 60]);
        var options = new PreprocessOptions
        {
            Resize = ResizeMode.None, PixelScale = 1, Channels = ChannelOrder.Bgr, Layout = TensorLayout.Nhwc,
            Mean = [1, 2, 3], Std = [2, 4, 8],
        };
        using var result = Preprocessor.Run(image, options);
        Assert.Equal(new[] { 1, 1, 2, 3 }, result.Tensor.Shape);
        // BGR: channel 0 = blue. Pixel 0: (30-1)/2, (20-2)/4, (10-3)/8.
        Assert.Equal(new[] { 14.5f, 4.5f, 0.875f, 29.5f, 12f, 4.625f }, result.Tensor.ToArray<float>());

        using var planar = Preprocessor.Run(image, options with { Layout = TensorLayout.Nchw });
        Assert.Equal(new[] { 1, 3, 1, 2 }, planar.Tensor.Shape);
        Assert.Equal(new[] { 14.5f, 29.5f, 4.5f, 12f, 0.875f, 4.625f }, planar.Tensor.ToArray<float>());
    }

    [Fact]
    public void GrayInputBecomesThreeChannelsAndRgbaDropsAlpha()
    {
        var gray = new Image(3, 2, 1);
        Array.Fill(gray.Pixels, (byte)51);
        using var a = Preprocessor.Run(gray, new PreprocessOptions { Resize = ResizeMode.None });
        Assert.Equal(new[] { 1, 3, 2, 3 }, a.Tensor.Shape);
        Assert.All(a.Tensor.ToArray<float>(), v => Assert.Equal(0.2f, v, 6));
        var rgba = new Image(1, 1, 4, [255, 0, 0, 0]);
        using var b = Preprocessor.Run(rgba, new PreprocessOptions { Resize = ResizeMode.None });
        Assert.Equal(new[] { 1f, 0f, 0f }, b.Tensor.ToArray<float>());
    }

    [Fact]
    public void BadOptionsAreOneLineErrors()
    {
        var image = new Image(4, 4, 3);
        ImagingTestData.AssertOneLine(Assert.Throws<ShapeException>(() => Preprocessor.Run(image, new PreprocessOptions { Width = 5, Height = 5, Resize = ResizeMode.None })), "4x4", "5x5");
        ImagingTestData.AssertOneLine(Assert.Throws<BrambleException>(() => Preprocessor.Run(image, new PreprocessOptions { Width = 0, Height = 5 })), "target size");
        ImagingTestData.AssertOneLine(Assert.Throws<BrambleException>(() => Preprocessor.Run(image, new PreprocessOptions { Width = 4, Height = 4, Mean = [1, 2] })), "Mean");
        ImagingTestData.AssertOneLine(Assert.Throws<BrambleException>(() => Preprocessor.Run(image, new PreprocessOptions { Width = 4, Height = 4, Std = [0] })), "Std");
    }

    [Fact]
    public void RunIntoFillsOneBatchSlot()
    {
        var image = ImagingTestData.RandomImage(new Random(1), 20, 10, 3);
        var options = PreprocessOptions.Darknet(16, 16);
        using var batch = Tensor.Allocate(DataType.Float32, 2, 3, 16, 16);
        Preprocessor.RunInto(image, options, batch.AsSpan<float>().Slice(3 * 16 * 16, 3 * 16 * 16));
        using var single = Preprocessor.Run(image, options);
        Assert.Equal(single.Tensor.ToArray<float>(), batch.ToArray<float>()[(3 * 16 * 16)..]);
        Assert.All(batch.ToArray<float>()[..(3 * 16 * 16)], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void DarknetCorrectBoxInvertsTheLetterbox()
    {
        // 768x576 into 416x416: content 416x312 at y offset 52. A box covering the content maps to the whole image.
        var t = Preprocessor.Geometry(768, 576, 416, 416, PreprocessOptions.Darknet(416, 416));
        Assert.Equal((416, 312, 0, 52), (t.ContentWidth, t.ContentHeight, t.OffsetX, t.OffsetY));
        var (x, y, w, h) = t.DarknetCorrectBox(0.5f, 0.5f, 1f, 312f / 416f);
        Assert.Equal(0.5f, x, 5);
        Assert.Equal(0.5f, y, 5);
        Assert.Equal(1f, w, 5);
        Assert.Equal(1f, h, 5);
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(float value) => 0;
    }
}
