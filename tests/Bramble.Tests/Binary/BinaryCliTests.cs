using Bramble.Graph;
using Bramble.Tests.Cli;
using Xunit;

namespace Bramble.Tests.Binary;

/// <summary>`bramble info` and `bramble profile` on a binary model in its float-equivalent ONNX form.</summary>
public class BinaryCliTests
{
    private static Model Model()
    {
        var b = new BinaryModels(11, "x", [1, 128, 8, 8]);
        string y = b.BinaryConv(b.SignActivation("x", 128, 4), 128, 64, 3, pad: 1);
        return b.Build(y, [1, 64, 8, 8]);
    }

    [Fact]
    public void InfoListsBinaryLayersWithPackedSize()
    {
        var r = CliHarness.Run(new Dictionary<string, Func<Model>> { ["bin.onnx"] = Model }, "info", "bin.onnx");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("Binary layers: 1", r.Out);
        Assert.Contains("64x128x3x3", r.Out);
        Assert.Contains("32.0x", r.Out); // 64·128·9 floats = 288 KiB against 9 KiB of bits
    }

    [Fact]
    public void ProfileNamesTheBinaryKernelAndCategory()
    {
        using var model = Model();
        using var session = new Bramble.Runtime.InferenceSession(model);
        using var x = Bramble.Tests.Support.TestPattern.Create(1, 1, 128, 8, 8);
        var report = session.Profile(new Dictionary<string, Bramble.Tensors.Tensor> { ["x"] = x }, iterations: 2);
        var conv = Assert.Single(report.Nodes, n => n.OpType == "BinaryConv");
        Assert.Matches("^binary conv 3x3 (planar nibble-lut|popcount) ", conv.Kernel);
        Assert.Equal("binary", conv.Category);
        Assert.Equal(64L * 128 * 9 * 64, conv.Macs);
        Assert.Contains(report.Nodes, n => n.OpType == "BinarizeActivation" && n.Category == "binary");
    }
}
