using Bramble.Import.Darknet;

namespace Bramble.Tests.Import.Darknet;

/// <summary>Every cfg shipped by the Debian darknet package parses, or fails with a clear one-line error.</summary>
public class AllCfgsTests
{
    // cfgs with layers Bramble does not lower, and the section that stops them.
    private static readonly Dictionary<string, string> Unsupported = new()
    {
        ["gru.cfg"] = "[gru] layers are not supported",
        ["rnn.cfg"] = "[rnn] layers are not supported",
        ["rnn.train.cfg"] = "[rnn] layers are not supported",
        ["yolov1.cfg"] = "[local] layers are not supported",
        ["yolov1-tiny.cfg"] = "[detection] layers are not supported",
        ["t1.test.cfg"] = "[detection] layers are not supported",
        ["darknet9000.cfg"] = "[softmax] with a tree= hierarchy is not supported",
        ["yolo9000.cfg"] = "[region] with a tree= hierarchy (YOLO9000) is not supported",
    };

    [Fact]
    public void EveryDebianCfgParsesOrFailsClearly()
    {
        if (!DarknetTestFiles.Available(DarknetTestFiles.CfgDirectory)) return;
        var files = Directory.GetFiles(DarknetTestFiles.CfgDirectory, "*.cfg").OrderBy(f => f).ToArray();
        Assert.True(files.Length >= 40, $"only {files.Length} cfgs found");
        int parsed = 0;
        foreach (var file in files)
        {
            string name = Path.GetFileName(file);
            if (Unsupported.TryGetValue(name, out var expected))
            {
                var e = Assert.ThrowsAny<BrambleException>(() => DarknetNetwork.Load(file));
                Assert.StartsWith(name + ":", e.Message);
                Assert.Contains(expected, e.Message);
                Assert.DoesNotContain("\n", e.Message);
                continue;
            }
            var net = DarknetNetwork.Load(file);
            Assert.True(net.Layers.Count > 0, name);
            parsed++;
        }
        Assert.Equal(files.Length - Unsupported.Count, parsed);
    }

    [Theory]
    [InlineData("yolov3.cfg", 107, 3, 62_001_757)] // yolov3.weights: 248007048 bytes = 20 + 4·62001757
    [InlineData("yolov3-tiny.cfg", 24, 2, 8_858_734)] // yolov3-tiny.weights: 35434956 bytes
    [InlineData("yolov2-tiny.cfg", 16, 0, 11_237_145)] // yolov2-tiny.weights: 44948600 bytes
    [InlineData("yolov2.cfg", 32, 0, 50_983_561)] // yolov2.weights: 203934260 bytes
    public void ComputesLayerShapesAndWeightCounts(string cfg, int layers, int yoloHeads, long weights)
    {
        string path = DarknetTestFiles.Cfg(cfg);
        if (!DarknetTestFiles.Available(path)) return;
        var net = DarknetNetwork.Load(path);
        Assert.Equal(layers, net.Layers.Count);
        Assert.Equal(yoloHeads, net.Layers.Count(l => l.Kind == DarknetLayerKind.Yolo));
        Assert.Equal(weights, net.WeightCount);
    }
}
