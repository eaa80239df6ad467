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

/// <summary>`bramble run` end to end on a real model, checked against ONNX Runtime's recorded outputs.</summary>
public class CliGoldenRunTests
{
    [Fact]
    public void RunOnBlazeFaceMatchesOnnxRuntime()
    {
        if (TestResources.Require(TestResources.BlazeFace128) is not { } model) return;
        string goldens = Path.Combine(TestResources.RepoRoot, "tests", "Bramble.Tests", "Goldens", "blazeface-front");
        using var dir = TestResources.CreateTempDir();
        // goldens.json: blazeface-front was recorded on TestPattern seed 4, shape [1,128,128,3].
        using (var x = TestPattern.Create(4, 1, 128, 128, 3)) Bramble.IO.Npy.Write(dir.File("x.npy"), x);

        var r = Run("run", model, "--input", "input:0=" + dir.File("x.npy"), "--output-dir", dir.File("out"), "--threads", "1");
        Assert.True(r.Code == 0, r.Err);
        foreach (var name in new[] { "Identity_0", "Identity_1_0", "Identity_2_0", "Identity_3_0" })
        {
            using var expected = Bramble.IO.Npy.Read(Path.Combine(goldens, name + ".npy"));
            using var actual = Bramble.IO.Npy.Read(Path.Combine(dir.File("out"), name + ".npy"));
            Assert.Equal(expected.Shape, actual.Shape);
            var e = expected.ToArray<float>();
            var a = actual.ToArray<float>();
            for (int i = 0; i < e.Length; i++)
                Assert.True(Math.Abs(e[i] - a[i]) <= 1e-3f + 1e-3f * Math.Abs(e[i]), $"{name}[{i}]: {a[i]} vs ONNX Runtime {e[i]}");
        }
    }
}
