using System.Runtime.CompilerServices;
using Bramble.Graph;
using Bramble.Import.Darknet;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Vision.Detection;

namespace Bramble.Tests.Import.Darknet;

/// <summary>
/// The headline check: Bramble's import of a Darknet model computes what Darknet itself (libdarknet.so of the
/// Debian package) computes, layer by layer, and finds the same boxes. Weights are fixed-seed random files in
/// Darknet's layout; inputs are smaller than the cfgs' so the reference kernels stay quick.
/// </summary>
public class DarknetParityTests
{
    private static string LocalCfg(string name, [CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "Cfgs", name);

    [Fact]
    public void KitchenSinkClassifierMatchesDarknetLayerByLayer() => RunParity(LocalCfg("kitchen.cfg"), resize: null, seed: 11);

    [Fact]
    public void TinyRegionDetectorMatchesDarknet() =>
        RunParity(LocalCfg("tiny-region.cfg"), resize: null, seed: 12, imageW: 500, imageH: 375, thresh: 0.05f);

    [Fact]
    public void Yolov3TinyMatchesDarknet() =>
        RunParity(DarknetTestFiles.Cfg("yolov3-tiny.cfg"), resize: 96, seed: 13, imageW: 640, imageH: 480, thresh: 0.5f);

    [Fact]
    public void Yolov2TinyMatchesDarknet() =>
        RunParity(DarknetTestFiles.Cfg("yolov2-tiny.cfg"), resize: 96, seed: 14, imageW: 480, imageH: 640, thresh: 0.02f);

    [Fact]
    public void DefaultEpsilonBatchNormStaysWithinTolerance() =>
        RunParity(DarknetTestFiles.Cfg("yolov3-tiny.cfg"), resize: 64, seed: 15, imageW: 300, imageH: 300, thresh: 0.5f,
            style: DarknetBatchNormStyle.Epsilon);

    private static void RunParity(string cfgPath, int? resize, int seed, int imageW = 0, int imageH = 0, float thresh = 0.5f,
        DarknetBatchNormStyle style = DarknetBatchNormStyle.Pjreddie)
    {
        if (!DarknetTestFiles.Available(cfgPath) || !DarknetTestFiles.Available(LibDarknet.LibraryPath)) return;
        Assert.True(LibDarknet.IsAvailable, "libdarknet.so needs x64 Linux");
        using var dir = new DarknetTestFiles.TempDir();
        string cfg = resize is int size ? DarknetTestFiles.ResizedCfg(cfgPath, dir.Path, size, size) : cfgPath;
        var network = DarknetNetwork.Load(cfg);
        string weightsPath = dir.File("model.weights");
        DarknetTestFiles.WriteWeights(weightsPath, network, seed);

        // Bramble: every layer's value is made a graph output so each layer can be compared.
        string?[] layerValues;
        Model model;
        using (var weights = DarknetWeights.Read(weightsPath, network))
            model = DarknetGraphBuilder.Build(network, weights, new DarknetImportOptions { BatchNorm = style }, cfg, out layerValues);
        using var _ = model;
        var meta = DetectionMetadata.ReadFrom(model);
        foreach (var value in layerValues.Distinct())
            if (value != null && value != DarknetGraphBuilder.InputName && model.Graph.Outputs.All(o => o.Name != value))
                model.Graph.Outputs.Add(new ValueInfo(value, DataType.Float32, null));

        var rng = new Random(seed);
        var input = new float[network.Channels * network.Height * network.Width];
        for (int i = 0; i < input.Length; i++) input[i] = (float)rng.NextDouble();

        Dictionary<string, Tensor> outputs;
        using (var session = new InferenceSession(model, new SessionOptions { Threads = 1 }))
        using (var x = Tensor.FromArray(input, 1, network.Channels, network.Height, network.Width))
            outputs = session.Run(new Dictionary<string, Tensor> { [DarknetGraphBuilder.InputName] = x });
        try
        {
            using var darknet = new LibDarknet(cfg, weightsPath);
            Assert.Equal(network.Layers.Count, darknet.LayerCount);
            darknet.Predict(input);
            for (int i = 0; i < network.Layers.Count; i++)
            {
                var layer = network.Layers[i];
                if (layer.Kind == DarknetLayerKind.Cost) continue; // Darknet leaves a cost layer's output unwritten at test time.
                var (expected, _, _, _) = darknet.LayerOutput(i);
                float[] actual = layer.Head != null
                    ? DarknetDecoder.Activated(layer.Head, outputs[layer.Head.Output])
                    : outputs[layerValues[i]!].ToArray<float>();
                AssertClose(expected, actual, layer.Describe());
            }
            if (meta != null) CompareBoxes(darknet, meta, outputs, imageW, imageH, thresh);
        }
        finally
        {
            foreach (var t in outputs.Values) t.Dispose();
        }
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: Darknet has {expected.Length} values, Bramble {actual.Length}");
        float scale = 0, worst = 0;
        int at = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            scale = Math.Max(scale, Math.Abs(expected[i]));
            float d = Math.Abs(expected[i] - actual[i]);
            if (!(d <= worst)) { worst = d; at = i; }
        }
        float tolerance = 1e-3f * Math.Max(scale, 1e-3f);
        Assert.True(worst <= tolerance,
            $"{what}: max |diff| {worst} at {at} (Darknet {expected[at]}, Bramble {actual[at]}) exceeds {tolerance} (scale {scale})");
    }

    private static void CompareBoxes(LibDarknet darknet, DetectionMetadata meta, Dictionary<string, Tensor> outputs,
        int imageW, int imageH, float thresh)
    {
        int classes = meta.Heads.Max(h => h.Classes);
        const float nms = 0.45f;
        var reference = Flatten(darknet.Boxes(imageW, imageH, thresh, nms, classes), thresh);
        var ours = Detector.Detect(meta, outputs, imageW, imageH, new DetectionOptions { Threshold = thresh, NmsThreshold = nms })
            .Select(d => (d.ClassId, d.Confidence, d.Box)).ToList();
        Assert.True(reference.Count > 0, "the test input yields no Darknet detections; pick another seed or threshold");
        Assert.Equal(reference.Count, ours.Count);
        // Both sorted by confidence; compare as multisets of (class, confidence, box) within tolerance.
        var unmatched = new List<(int ClassId, float Confidence, DarknetBox Box)>(ours);
        foreach (var r in reference)
        {
            int k = unmatched.FindIndex(o => o.ClassId == r.ClassId && Near(o.Confidence, r.Confidence)
                && Near(o.Box.X, r.Box.X) && Near(o.Box.Y, r.Box.Y) && Near(o.Box.W, r.Box.W) && Near(o.Box.H, r.Box.H));
            Assert.True(k >= 0, $"Darknet's detection class {r.ClassId} {r.Confidence} {r.Box} has no Bramble counterpart");
            unmatched.RemoveAt(k);
        }
    }

    // Random weights make some boxes huge (exp of large logits), so the tolerance is relative above 1.
    private static bool Near(float a, float b) => Math.Abs(a - b) <= 1e-3f * Math.Max(1f, Math.Abs(b));

    private static List<(int ClassId, float Confidence, DarknetBox Box)> Flatten(List<BoxCandidate> dets, float thresh)
    {
        var list = new List<(int, float, DarknetBox)>();
        foreach (var d in dets)
            for (int k = 0; k < d.Probabilities.Length; k++)
                if (d.Probabilities[k] > thresh) list.Add((k, d.Probabilities[k], d.Box));
        return list;
    }
}
