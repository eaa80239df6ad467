using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Tensors;
using Bramble.Tests.Support;
using static Bramble.Tests.Cli.CliHarness;

namespace Bramble.Tests.Cli;

/// <summary>The CLI on real files: a tiny .onnx written by Bramble's ONNX writer, and the fetched real models.</summary>
public class CliOnnxFileTests
{
    [Fact]
    public void InfoAndRunOnATinyOnnxFile()
    {
        using var dir = TestResources.CreateTempDir();
        using (var model = ReluModel(2, 3)) OnnxWriter.Save(model, dir.File("relu.onnx"));
        using (var x = Tensor.FromArray(new float[] { -1, 1, -2, 2, -3, 3 }, 2, 3)) Bramble.IO.Npy.Write(dir.File("x.npy"), x);

        var info = Run("info", dir.File("relu.onnx"));
        Assert.True(info.Code == 0, info.Err);
        Assert.Matches(@"Relu\s*│\s*2\s*│", info.Out);

        var run = Run("run", dir.File("relu.onnx"), "--input", "x=" + dir.File("x.npy"), "--output-dir", dir.File("out"));
        Assert.True(run.Code == 0, run.Err);
        using var y = Bramble.IO.Npy.Read(Path.Combine(dir.File("out"), "y.npy"));
        Assert.Equal(new float[] { 0, 1, 0, 2, 0, 3 }, y.ToArray<float>());
    }

    [Fact]
    public void TruncatedOnnxFileIsAOneLineError()
    {
        using var dir = TestResources.CreateTempDir();
        using (var model = ReluModel(2, 3)) OnnxWriter.Save(model, dir.File("relu.onnx"));
        var bytes = File.ReadAllBytes(dir.File("relu.onnx"));
        File.WriteAllBytes(dir.File("cut.onnx"), bytes[..(bytes.Length / 2)]);
        var r = Run("bench", dir.File("cut.onnx"));
        Assert.Equal(1, r.Code);
        Assert.Contains("cut.onnx", r.SingleErrorLine());
    }

    [Fact]
    public void InfoDescribesBlazeFace()
    {
        if (TestResources.Require(TestResources.BlazeFace128) is not { } path) return;
        var r = Run("info", path);
        // Whatever the operator coverage, the structure is printed; unsupported ops make it exit 1 with one line.
        Assert.Contains("input:0", r.Out);
        Assert.Contains("[1x128x128x3]", r.Out);
        Assert.Matches(@"Conv\s*│\s*37\s*│", r.Out);
        Assert.Contains("Parameters: 100,472", r.Out);
        if (r.Code != 0) Assert.Contains("unsupported operator", r.SingleErrorLine());
        else Assert.Matches(@"MACs: [1-9][0-9,]* ", r.Out);
    }
}
