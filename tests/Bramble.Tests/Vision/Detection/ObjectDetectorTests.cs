using Bramble.Import.Darknet;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Vision.Detection;
using Bramble.Vision.Imaging;

namespace Bramble.Tests.Vision.Detection;

public class ObjectDetectorTests
{
    [Fact]
    public void MatchesTheStepsDoneByHand()
    {
        using var yolo = YoloTestModel.Create();
        if (yolo == null) return;
        using var model = DarknetImporter.Load(yolo.CfgPath);
        var meta = DetectionMetadata.ReadFrom(model)!;
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        var image = Gradient(200, 120);
        var options = new DetectionOptions { Threshold = 0.3f, NmsThreshold = 0.45f };

        var result = new ObjectDetector(session, meta).Detect(image, options);

        using var input = Preprocessor.Run(image, PreprocessOptions.Darknet(meta.NetWidth, meta.NetHeight));
        var outputs = session.Run(new Dictionary<string, Tensor> { ["data"] = input.Tensor });
        var expected = Detector.Detect(meta, outputs, image.Width, image.Height, options);
        foreach (var t in outputs.Values) t.Dispose();

        Assert.NotEmpty(expected);
        Assert.Equal(expected, result.Detections);
        Assert.Equal((200, 120), (result.ImageWidth, result.ImageHeight));
        Assert.True(result.Timing.InferenceMs > 0 && result.Timing.PreprocessMs > 0);
        for (int i = 1; i < result.Detections.Count; i++)
            Assert.True(result.Detections[i - 1].Confidence >= result.Detections[i].Confidence);
        Assert.All(result.Detections, d => Assert.True(d.X0 >= 0 && d.X1 <= 200 && d.Y0 >= 0 && d.Y1 <= 120 && d.X0 <= d.X1 && d.Y0 <= d.Y1));
    }

    [Fact]
    public void RejectsAnInputShapeThatContradictsTheMetadata()
    {
        using var yolo = YoloTestModel.Create();
        if (yolo == null) return;
        using var model = DarknetImporter.Load(yolo.CfgPath);
        var meta = DetectionMetadata.ReadFrom(model)!;
        var wrong = new DetectionMetadata { NetWidth = 128, NetHeight = 128, Heads = meta.Heads };
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        var e = Assert.Throws<ShapeException>(() => new ObjectDetector(session, wrong));
        Assert.Contains("1x3x128x128", e.Message);
    }

    [Fact]
    public void AnnotateDrawsEveryBoxInItsClassColour()
    {
        var image = new Image(100, 80, 3);
        var detections = new List<Bramble.Vision.Detection.Detection>
        {
            new(1, 0.9f, 10, 20, 60, 70, default),
            new(2, 0.5f, 50, 5, 95, 40, default),
        };
        ObjectDetector.Annotate(image, detections, new ClassNames(["a", "b", "c"]));
        var c1 = Color.ForClass(1);
        // Bottom-left corner of box 1 (the tag covers the top edge), and the right edge of box 2.
        Assert.Equal((c1.R, c1.G, c1.B), (image[10, 70, 0], image[10, 70, 1], image[10, 70, 2]));
        var c2 = Color.ForClass(2);
        Assert.Equal((c2.R, c2.G, c2.B), (image[95, 30, 0], image[95, 30, 1], image[95, 30, 2]));
        Assert.Equal(0, image[30, 50, 0]); // inside box 1, untouched
    }

    internal static Image Gradient(int w, int h)
    {
        var image = new Image(w, h, 3);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                image.Pixels[(y * w + x) * 3] = (byte)(x * 255 / w);
                image.Pixels[(y * w + x) * 3 + 1] = (byte)(y * 255 / h);
                image.Pixels[(y * w + x) * 3 + 2] = (byte)((x + y) % 256);
            }
        return image;
    }
}
