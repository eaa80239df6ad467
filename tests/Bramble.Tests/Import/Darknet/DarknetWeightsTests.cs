using Bramble.Import;
using Bramble.Import.Darknet;
using Bramble.Tensors;
using Bramble.Vision.Detection;

namespace Bramble.Tests.Import.Darknet;

public class DarknetWeightsTests
{
    private const string SmallCfg = "[net]\nwidth=8\nheight=8\nchannels=3\n\n[convolutional]\nbatch_normalize=1\nfilters=4\nsize=3\nstride=1\npad=1\nactivation=leaky\n\n[maxpool]\nsize=2\nstride=2\n\n[convolutional]\nfilters=6\nsize=1\nstride=1\nactivation=linear\n";

    private static DarknetNetwork Small() => DarknetNetwork.FromCfg(CfgFile.Parse(SmallCfg, "small.cfg"));

    [Fact]
    public void ReadsArraysInDarknetOrder()
    {
        using var dir = new DarknetTestFiles.TempDir();
        var net = Small();
        // conv0: biases 4, scales 4, mean 4, variance 4, weights 4·3·3·3; conv2: biases 6, weights 6·4.
        Assert.Equal(4 * 4 + 108 + 6 + 24, net.WeightCount);
        string path = dir.File("small.weights");
        DarknetTestFiles.WriteWeights(path, net, seed: 3);
        using var w = DarknetWeights.Read(path, net);
        Assert.Equal((0, 2, 123456L), (w.Major, w.Minor, w.Seen));
        var rng = new Random(3);
        foreach (var layer in net.Layers)
            foreach (var array in layer.WeightArrays)
            {
                var expected = new float[array.Count];
                DarknetWeights.FillSynthetic(array, expected, rng);
                Assert.Equal(expected, w.Layers[layer.Index][array.Name].ToArray<float>());
                Assert.Equal(array.Shape, w.Layers[layer.Index][array.Name].Shape);
            }
        Assert.Equal(new[] { 4, 3, 3, 3 }, w.Layers[0]["weights"].Shape);
    }

    [Fact]
    public void OldHeaderHasA32BitSeenCount()
    {
        using var dir = new DarknetTestFiles.TempDir();
        var net = Small();
        string path = dir.File("old.weights");
        DarknetTestFiles.WriteWeights(path, net, seed: 3, major: 0, minor: 1);
        Assert.Equal(16 + 4 * net.WeightCount, new FileInfo(path).Length);
        using var w = DarknetWeights.Read(path, net);
        Assert.Equal(654321L, w.Seen);
        Assert.Equal(16, DarknetWeights.HeaderSize(0, 1));
        Assert.Equal(20, DarknetWeights.HeaderSize(0, 2));
        Assert.Equal(20, DarknetWeights.HeaderSize(1, 0));
    }

    [Fact]
    public void TooShortNamesLayerCfgLineAndBytes()
    {
        using var dir = new DarknetTestFiles.TempDir();
        var net = Small();
        string path = dir.File("short.weights");
        DarknetTestFiles.WriteWeights(path, net, seed: 3, dropBytes: 8);
        var e = Assert.Throws<ModelFormatException>(() => DarknetWeights.Read(path, net));
        Assert.Equal("short.weights: too short: layer 2 ([convolutional] at cfg line 18) needs 120 more bytes, file has 112", e.Message);
    }

    [Fact]
    public void TooLongSaysHowManyBytesAreLeftOver()
    {
        using var dir = new DarknetTestFiles.TempDir();
        var net = Small();
        string path = dir.File("long.weights");
        DarknetTestFiles.WriteWeights(path, net, seed: 3, extraBytes: 1024);
        var e = Assert.Throws<ModelFormatException>(() => DarknetWeights.Read(path, net));
        Assert.Equal("long.weights: too long: 1024 bytes left over after layer 2 ([convolutional] at cfg line 18)", e.Message);
    }

    [Fact]
    public void TruncatedHeaderIsAnError()
    {
        using var dir = new DarknetTestFiles.TempDir();
        string path = dir.File("h.weights");
        File.WriteAllBytes(path, new byte[10]);
        var e = Assert.Throws<ModelFormatException>(() => DarknetWeights.Read(path, Small()));
        Assert.Equal("h.weights: too short: the header needs at least 16 bytes, file has 10", e.Message);
    }

    [Fact]
    public void CfgPathLoadsWeightsBesideIt()
    {
        using var dir = new DarknetTestFiles.TempDir();
        string cfg = dir.File("small.cfg");
        File.WriteAllText(cfg, SmallCfg);
        var e = Assert.Throws<ModelFormatException>(() => ModelLoader.Load(cfg));
        Assert.Contains("small.weights not found", e.Message);
        DarknetTestFiles.WriteWeights(dir.File("small.weights"), Small(), seed: 5);
        using var model = ModelLoader.Load(cfg);
        Assert.Equal("data", model.Graph.Inputs[0].Name);
        Assert.Equal("[1x3x8x8]", model.Graph.Inputs[0].ShapeText);
        var output = Assert.Single(model.Graph.Outputs);
        Assert.Equal("conv_2", output.Name);
        Assert.Equal("[1x6x4x4]", output.ShapeText);
        Assert.Equal(13, model.OpsetFor(""));
        Assert.Equal(new[] { "Conv", "BatchNormalization", "LeakyRelu", "MaxPool", "Conv" }, model.Graph.Nodes.Select(n => n.OpType));
    }

    [Theory]
    [InlineData(MissingWeights.Random)]
    [InlineData(MissingWeights.Zero)]
    public void MissingWeightsCanBeSynthesised(MissingWeights mode)
    {
        using var dir = new DarknetTestFiles.TempDir();
        string cfg = dir.File("small.cfg");
        File.WriteAllText(cfg, SmallCfg);
        using var model = DarknetImporter.Load(cfg, null, new DarknetImportOptions { MissingWeights = mode });
        var w = model.Graph.Initializers["conv_0.weight"].ToArray<float>();
        Assert.Equal(mode == MissingWeights.Zero, w.All(v => v == 0));
        Assert.True(model.Graph.Initializers["conv_0.bn_var"].ToArray<float>().All(v => v > 0));
    }

    [Theory]
    [InlineData("yolov2-tiny.cfg", 1, new[] { 425 })]
    [InlineData("yolov3-tiny.cfg", 2, new[] { 255, 255 })]
    [InlineData("yolov3.cfg", 3, new[] { 255, 255, 255 })]
    public void ImportsDebianYoloCfgsWithRandomWeightsFiles(string name, int heads, int[] channels)
    {
        string source = DarknetTestFiles.Cfg(name);
        if (!DarknetTestFiles.Available(source)) return;
        using var dir = new DarknetTestFiles.TempDir();
        string cfg = Path.Combine(dir.Path, name);
        File.Copy(source, cfg);
        var net = DarknetNetwork.Load(cfg);
        string weights = Path.ChangeExtension(cfg, ".weights");
        DarknetTestFiles.WriteWeights(weights, net, seed: 7);
        using var model = DarknetImporter.Load(cfg, weights);
        var meta = DetectionMetadata.ReadFrom(model);
        Assert.NotNull(meta);
        Assert.Equal(heads, meta!.Heads.Count);
        Assert.Equal(channels, meta.Heads.Select(h => h.Channels));
        Assert.Equal(meta.Heads.Select(h => h.Output), model.Graph.Outputs.Select(o => o.Name));
        foreach (var h in meta.Heads)
        {
            var o = model.Graph.Outputs.Single(v => v.Name == h.Output);
            Assert.Equal($"[1x{h.Channels}x{h.GridHeight}x{h.GridWidth}]", o.ShapeText);
            Assert.Equal(net.Width / h.GridWidth * h.GridWidth, net.Width);
        }
        // Every weight of the file landed in an initializer.
        long floats = model.Graph.Initializers.Where(kv => kv.Value.Type == DataType.Float32 && kv.Key.Contains(".bn_") || kv.Key.EndsWith(".weight") || kv.Key.EndsWith(".bias"))
            .Sum(kv => kv.Value.Length);
        Assert.Equal(net.WeightCount, floats);
        Assert.Equal(DetectionMetadata.Parse(meta.ToJson()).ToJson(), meta.ToJson());
    }
}
