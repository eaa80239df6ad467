using System.Security.Cryptography;
using System.Text.Json;
using Bramble.Import.Darknet;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Tests.Vision.Detection;
using Bramble.Vision.Detection;
using Bramble.Vision.Imaging;

namespace Bramble.Tests.Cli;

public class DetectCommandTests
{
    [Fact]
    public void JsonListsTheSameBoxesAsTheLibraryPipelineWithCocoNames()
    {
        using var yolo = YoloTestModel.Create();
        var dog = YoloTestModel.DogJpeg;
        if (yolo == null || dog == null) return;
        var r = CliHarness.Run("detect", yolo.CfgPath, dog, "--json", "--threads", "1", "--thresh", "0.3");
        Assert.True(r.Code == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var image = doc.RootElement.GetProperty("images")[0];
        Assert.Equal(768, image.GetProperty("width").GetInt32());
        Assert.Equal(576, image.GetProperty("height").GetInt32());
        var predictions = image.GetProperty("predictions").EnumerateArray().ToList();

        // The same steps by hand: Darknet letterbox, run, decode + NMS.
        var expected = ExpectedDetections(yolo.CfgPath, dog, 0.3f);
        var coco = ClassNames.Default(80);
        Assert.NotEmpty(expected);
        Assert.Equal(expected.Count, predictions.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            var p = predictions[i];
            Assert.Equal(coco[expected[i].ClassId], p.GetProperty("label").GetString());
            Assert.Equal(expected[i].Confidence, p.GetProperty("confidence").GetDouble(), tolerance: 1e-6);
            Assert.Equal((int)Math.Round(expected[i].X0), p.GetProperty("x_min").GetInt32());
            Assert.Equal((int)Math.Round(expected[i].Y1), p.GetProperty("y_max").GetInt32());
            if (i > 0) Assert.True(predictions[i - 1].GetProperty("confidence").GetDouble() >= p.GetProperty("confidence").GetDouble());
        }
        var timing = image.GetProperty("timing_ms");
        Assert.True(timing.GetProperty("inference").GetDouble() > 0);
    }

    [Fact]
    public void TablePrintsClassesBoxesAndTimingPerImage()
    {
        using var yolo = YoloTestModel.Create();
        var dog = YoloTestModel.DogJpeg;
        if (yolo == null || dog == null) return;
        string names = yolo.File("three.names");
        File.WriteAllText(names, "alpha\nbeta\n");
        var r = CliHarness.Run("detect", yolo.CfgPath, dog, dog, "--names", names, "--threads", "1", "--thresh", "0.3", "--nms", "0.5");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(2, r.Out.Split("dog.jpg (768x576)").Length - 1);
        Assert.Contains("preprocess", r.Out);
        Assert.Contains("inference", r.Out);
        Assert.Contains("decode", r.Out);
        Assert.Contains("confidence", r.Out);
        // A names file with fewer lines than classes: the rest are numbered.
        Assert.Matches("alpha|beta|class [0-9]+", r.Out);
    }

    [Fact]
    public void OutWritesAnnotatedImagesWithoutTouchingTheInputs()
    {
        using var yolo = YoloTestModel.Create();
        var dog = YoloTestModel.DogJpeg;
        if (yolo == null || dog == null) return;
        // A JPEG and a PNG input side by side; --out is their own directory.
        string jpeg = yolo.File("dog.jpg");
        File.Copy(dog, jpeg);
        string png = yolo.File("small.png");
        ImageIO.Save(ObjectDetectorTests.Gradient(160, 100), png);
        var before = Hash(jpeg) + Hash(png);

        var r = CliHarness.Run("detect", yolo.CfgPath, jpeg, png, "--out", yolo.Directory, "--threads", "1", "--thresh", "0.3");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(before, Hash(jpeg) + Hash(png));
        string annotatedJpeg = yolo.File("dog-1.jpg"), annotatedPng = yolo.File("small-1.png");
        Assert.Equal(ImageFormat.Jpeg, ImageFormats.Detect(File.ReadAllBytes(annotatedJpeg)));
        Assert.Equal(ImageFormat.Png, ImageFormats.Detect(File.ReadAllBytes(annotatedPng)));
        var original = ImageIO.Load(png);
        var drawn = ImageIO.Load(annotatedPng);
        Assert.Equal((160, 100), (drawn.Width, drawn.Height));
        Assert.NotEqual(original.Pixels, drawn.Pixels); // boxes were drawn (the model finds some at 0.3)

        // Into a fresh directory the names stay plain.
        string outDir = yolo.File("out");
        r = CliHarness.Run("detect", yolo.CfgPath, jpeg, "--out", outDir, "--threads", "1", "--json");
        Assert.True(r.Code == 0, r.Err);
        Assert.True(File.Exists(Path.Combine(outDir, "dog.jpg")));
        Assert.Contains("\"annotated\"", r.Out);
    }

    [Fact]
    public void CorruptImageIsAOneLineErrorWithExitCode1()
    {
        using var yolo = YoloTestModel.Create();
        if (yolo == null) return;
        string bad = yolo.File("broken.jpg");
        File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0, 1]);
        var r = CliHarness.Run("detect", yolo.CfgPath, bad, "--threads", "1");
        Assert.Equal(1, r.Code);
        Assert.Contains("broken.jpg", r.SingleErrorLine());
    }

    [Fact]
    public void ModelWithoutDetectionMetadataIsRefused()
    {
        var models = new Dictionary<string, Func<Bramble.Graph.Model>> { ["relu.onnx"] = () => CliHarness.ReluModel(1, 3, 8, 8) };
        var r = CliHarness.Run(models, "detect", "relu.onnx", "/nonexistent.jpg");
        Assert.Equal(1, r.Code);
        Assert.Contains("no detection metadata", r.SingleErrorLine());
    }

    [Fact]
    public void ThresholdOutsideZeroToOneIsAUsageError()
    {
        var r = CliHarness.Run("detect", "m.cfg", "x.jpg", "--thresh", "1.5");
        Assert.Equal(2, r.Code);
        Assert.Contains("--thresh", r.SingleErrorLine());
    }

    internal static List<Detection> ExpectedDetections(string cfg, string imagePath, float thresh)
    {
        using var model = DarknetImporter.Load(cfg);
        var meta = DetectionMetadata.ReadFrom(model)!;
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        var image = ImageIO.Load(imagePath);
        using var input = Preprocessor.Run(image, PreprocessOptions.Darknet(meta.NetWidth, meta.NetHeight));
        var outputs = session.Run(new Dictionary<string, Tensor> { ["data"] = input.Tensor });
        try
        {
            return Detector.Detect(meta, outputs, image.Width, image.Height, new DetectionOptions { Threshold = thresh, NmsThreshold = 0.45f });
        }
        finally
        {
            foreach (var t in outputs.Values) t.Dispose();
        }
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
