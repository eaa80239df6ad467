using Bramble.Import.Darknet;
using Bramble.Tests.Import.Darknet;
using Bramble.Tests.Support;

namespace Bramble.Tests.Vision.Detection;

/// <summary>
/// Debian's yolov3-tiny.cfg at a small input size with fixed-seed random weights beside it, in a temporary
/// directory: a real YOLO network (both [yolo] heads, route, upsample, maxpool size=2 stride=1) that runs in
/// milliseconds. Null when the darknet package is missing (and not in CI).
/// </summary>
internal sealed class YoloTestModel : IDisposable
{
    private readonly DarknetTestFiles.TempDir _dir;

    private YoloTestModel(DarknetTestFiles.TempDir dir, string cfg, string weights)
    {
        _dir = dir;
        CfgPath = cfg;
        WeightsPath = weights;
    }

    public string CfgPath { get; }
    public string WeightsPath { get; }
    public string Directory => _dir.Path;
    public string File(string name) => _dir.File(name);

    public static YoloTestModel? Create(int size = 96, int seed = 13)
    {
        var source = TestResources.Require(Path.Combine(TestResources.DarknetCfgDir, "yolov3-tiny.cfg"));
        if (source == null) return null;
        var dir = new DarknetTestFiles.TempDir();
        string cfg = DarknetTestFiles.ResizedCfg(source, dir.Path, size, size);
        string weights = Path.ChangeExtension(cfg, ".weights");
        DarknetWeightsWriter.Write(weights, DarknetNetwork.Load(cfg), seed);
        return new YoloTestModel(dir, cfg, weights);
    }

    /// <summary>Darknet's sample photo (768x576 JPEG), or null when missing locally.</summary>
    public static string? DogJpeg => TestResources.Require(Path.Combine(TestResources.DarknetDataDir, "dog.jpg"));

    public void Dispose() => _dir.Dispose();
}
