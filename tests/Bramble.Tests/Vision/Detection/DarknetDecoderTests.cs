using Bramble.Tensors;
using Bramble.Vision.Detection;

namespace Bramble.Tests.Vision.Detection;

public class DarknetDecoderTests
{
    private static DetectionMetadata YoloMeta() => new()
    {
        NetWidth = 64, NetHeight = 64,
        Heads = { new DetectionHead { Kind = DetectionHeadKind.Yolo, Output = "out", Classes = 2, Anchors = [10, 14, 20, 30], Mask = [1], GridWidth = 2, GridHeight = 2 } },
    };

    /// <summary>A [1, 7, 2, 2] yolo map: everything −10 except one confident box at row 1, col 0.</summary>
    private static Tensor YoloMap()
    {
        var v = new float[7 * 4];
        Array.Fill(v, -10f);
        int cell = 1 * 2 + 0;
        v[0 * 4 + cell] = 0;               // x → 0.5
        v[1 * 4 + cell] = 0;               // y → 0.5
        v[2 * 4 + cell] = MathF.Log(2);    // w → 2 · anchor 20
        v[3 * 4 + cell] = 0;               // h → 1 · anchor 30
        v[4 * 4 + cell] = 10;              // objectness
        v[5 * 4 + cell] = 10;              // class 0
        return Tensor.FromArray(v, 1, 7, 2, 2);
    }

    [Fact]
    public void YoloBoxIsDecodedAsDarknetDoes()
    {
        using var map = YoloMap();
        var dets = DarknetDecoder.GetNetworkBoxes(YoloMeta(), new Dictionary<string, Tensor> { ["out"] = map }, 64, 64, 0.5f);
        var d = Assert.Single(dets);
        Assert.Equal(0.25f, d.Box.X, 6);
        Assert.Equal(0.75f, d.Box.Y, 6);
        Assert.Equal(2 * 20 / 64f, d.Box.W, 5);
        Assert.Equal(30 / 64f, d.Box.H, 5);
        float obj = DarknetDecoder.Logistic(10);
        Assert.Equal(obj, d.Objectness);
        Assert.Equal(obj * obj, d.Probabilities[0], 6);
        Assert.Equal(0f, d.Probabilities[1]); // obj · sigmoid(−10) is below the threshold: zeroed
    }

    [Fact]
    public void DetectorGivesPixelBoxesClampedToTheImage()
    {
        using var map = YoloMap();
        var det = Assert.Single(Detector.Detect(YoloMeta(), new Dictionary<string, Tensor> { ["out"] = map }, 64, 64));
        Assert.Equal(0, det.ClassId);
        Assert.Equal(0f, det.X0);            // (0.25 − 0.3125)·64 = −4, clamped
        Assert.Equal(36f, det.X1, 3);        // (0.25 + 0.3125)·64
        Assert.Equal(33f, det.Y0, 3);        // (0.75 − 0.234375)·64
        Assert.Equal(63f, det.Y1, 3);        // (0.75 + 0.234375)·64
    }

    [Fact]
    public void ScaleXYStretchesTheSigmoid()
    {
        var head = new DetectionHead { Kind = DetectionHeadKind.Yolo, Output = "o", Classes = 0, Anchors = [1, 1], Mask = [0], GridWidth = 1, GridHeight = 1, ScaleXY = 2 };
        using var t = Tensor.FromArray(new float[] { 0, 10, 0, 0, 0 }, 1, 5, 1, 1);
        var a = DarknetDecoder.Activated(head, t);
        Assert.Equal(0.5f, a[0], 6);                                  // 0.5·2 − 0.5
        Assert.Equal(DarknetDecoder.Logistic(10) * 2 - 0.5f, a[1], 6);
    }

    [Fact]
    public void LetterboxCorrectionMapsBackToTheImage()
    {
        // A 128x64 image letterboxed into 64x64 occupies rows 16..47 of the network input.
        var dets = new List<BoxCandidate>
        {
            new(new DarknetBox(0.5f, 0.5f, 0.5f, 0.25f), 1, [1]),
            new(new DarknetBox(0.25f, 0.25f, 0.1f, 0.1f), 1, [1]),
        };
        DarknetDecoder.CorrectBoxes(dets, 128, 64, 64, 64);
        Assert.Equal(new DarknetBox(0.5f, 0.5f, 0.5f, 0.5f), dets[0].Box);
        Assert.Equal(0.25f, dets[1].Box.X, 6);
        Assert.Equal(0f, dets[1].Box.Y, 6);       // (0.25 − 16/64) / (32/64)
        Assert.Equal(0.2f, dets[1].Box.H, 6);
        var stretched = new List<BoxCandidate> { new(new DarknetBox(0.25f, 0.25f, 0.1f, 0.1f), 1, [1]) };
        DarknetDecoder.CorrectBoxes(stretched, 128, 64, 64, 64, letterbox: false);
        Assert.Equal(new DarknetBox(0.25f, 0.25f, 0.1f, 0.1f), stretched[0].Box);
    }

    [Fact]
    public void RegionUsesSoftmaxClassesAndGridAnchors()
    {
        var meta = new DetectionMetadata
        {
            NetWidth = 32, NetHeight = 32,
            Heads = { new DetectionHead { Kind = DetectionHeadKind.Region, Output = "r", Classes = 2, Anchors = [2, 3], Mask = [0], Softmax = true, GridWidth = 1, GridHeight = 1 } },
        };
        using var t = Tensor.FromArray(new float[] { 0, 0, 0, MathF.Log(0.5f), 0, MathF.Log(3), 0 }, 1, 7, 1, 1);
        var d = Assert.Single(DarknetDecoder.GetNetworkBoxes(meta, new Dictionary<string, Tensor> { ["r"] = t }, 32, 32, 0.2f));
        Assert.Equal(new DarknetBox(0.5f, 0.5f, 2f, 1.5f), d.Box);
        Assert.Equal(0.5f, d.Objectness, 6);
        Assert.Equal(0.375f, d.Probabilities[0], 6);  // 0.5 · 3/4
        Assert.Equal(0f, d.Probabilities[1]);         // 0.5 · 1/4 = 0.125 ≤ 0.2
    }

    [Fact]
    public void RegionKeepsBelowThresholdCellsWithZeroObjectness()
    {
        var meta = new DetectionMetadata
        {
            NetWidth = 32, NetHeight = 32,
            Heads = { new DetectionHead { Kind = DetectionHeadKind.Region, Output = "r", Classes = 1, Anchors = [1, 1], Mask = [0], GridWidth = 1, GridHeight = 1 } },
        };
        using var t = Tensor.FromArray(new float[] { 0, 0, 0, 0, -5, 5 }, 1, 6, 1, 1);
        var d = Assert.Single(DarknetDecoder.GetNetworkBoxes(meta, new Dictionary<string, Tensor> { ["r"] = t }, 32, 32, 0.5f));
        Assert.Equal(0f, d.Objectness);
        Assert.Equal(0f, d.Probabilities[0]);
        Assert.Empty(Nms.DoNmsSort([d], 1, 0.45f));
    }

    [Fact]
    public void WrongOutputShapeIsAOneLineError()
    {
        using var t = Tensor.Allocate(DataType.Float32, 1, 6, 2, 2);
        var e = Assert.Throws<ShapeException>(() => DarknetDecoder.GetNetworkBoxes(YoloMeta(), new Dictionary<string, Tensor> { ["out"] = t }, 10, 10, 0.5f));
        Assert.Equal("detection output 'out' is float32[1x6x2x2], expected float32[1x7x2x2]", e.Message);
    }

    [Fact]
    public void MetadataRoundTripsThroughJson()
    {
        var meta = YoloMeta();
        var back = DetectionMetadata.Parse(meta.ToJson());
        Assert.Equal(64, back.NetWidth);
        var h = Assert.Single(back.Heads);
        Assert.Equal(("out", 2, 2, 2), (h.Output, h.Classes, h.GridWidth, h.GridHeight));
        Assert.Equal(new float[] { 10, 14, 20, 30 }, h.Anchors);
        Assert.Equal(new[] { 1 }, h.Mask);
        var e = Assert.Throws<ModelFormatException>(() => DetectionMetadata.Parse("{\"version\":1}", "m.onnx"));
        Assert.StartsWith("m.onnx: metadata bramble.detection is malformed", e.Message);
    }
}
