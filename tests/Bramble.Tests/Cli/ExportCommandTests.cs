using System.Diagnostics;
using Bramble.Import.Darknet;
using Bramble.Import.Onnx;
using Bramble.IO;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Tests.Support;
using Bramble.Tests.Vision.Detection;
using Bramble.Vision.Detection;

namespace Bramble.Tests.Cli;

public class ExportCommandTests
{
    [Fact]
    public void DarknetModelExportsToOnnxWithIdenticalOutputsAndMetadata()
    {
        using var yolo = YoloTestModel.Create(size: 128, seed: 21);
        if (yolo == null) return;
        string onnx = yolo.File("yolov3-tiny.onnx");
        var r = CliHarness.Run("export", yolo.CfgPath, "-o", onnx);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("exported", r.Out);

        using var direct = DarknetImporter.Load(yolo.CfgPath);
        using var exported = OnnxReader.Load(onnx);
        Assert.Equal(DetectionMetadata.ReadFrom(direct)!.ToJson(), DetectionMetadata.ReadFrom(exported)!.ToJson());
        using var x = RandomInput(128, seed: 5);
        var expected = Run(direct, x);
        var actual = Run(exported, x);
        try
        {
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            Assert.Equal(2, expected.Count); // the two [yolo] heads
            foreach (var (name, t) in expected)
            {
                Assert.Equal(t.Shape, actual[name].Shape);
                Assert.Equal(t.ToArray<float>(), actual[name].ToArray<float>()); // same graph, same kernels: bit for bit
            }
            CompareWithOnnxRuntime(onnx, x, expected, yolo.Directory);
        }
        finally
        {
            foreach (var t in expected.Values.Concat(actual.Values)) t.Dispose();
        }
    }

    [Fact]
    public void RefusesToOverwriteTheInputFiles()
    {
        using var yolo = YoloTestModel.Create(size: 64);
        if (yolo == null) return;
        long weightsLength = new FileInfo(yolo.WeightsPath).Length;
        var r = CliHarness.Run("export", yolo.CfgPath, "-o", yolo.WeightsPath);
        Assert.Equal(1, r.Code);
        Assert.Contains("refusing to overwrite", r.SingleErrorLine());
        Assert.Equal(weightsLength, new FileInfo(yolo.WeightsPath).Length);

        string onnx = yolo.File("m.onnx");
        Assert.Equal(0, CliHarness.Run("export", yolo.CfgPath, "-o", onnx).Code);
        byte[] before = File.ReadAllBytes(onnx);
        r = CliHarness.Run("export", onnx, "-o", Path.Combine(yolo.Directory, ".", "m.onnx"));
        Assert.Equal(1, r.Code);
        Assert.Contains("refusing to overwrite", r.SingleErrorLine());
        Assert.Equal(before, File.ReadAllBytes(onnx));

        // ONNX to ONNX works and keeps the graph.
        string copy = yolo.File("copy.onnx");
        Assert.Equal(0, CliHarness.Run("export", onnx, "-o", copy).Code);
        using var a = OnnxReader.Load(onnx);
        using var b = OnnxReader.Load(copy);
        Assert.Equal(a.Graph.Nodes.Select(n => n.OpType), b.Graph.Nodes.Select(n => n.OpType));
    }

    private static Tensor RandomInput(int size, int seed)
    {
        var rng = new Random(seed);
        var data = new float[3 * size * size];
        for (int i = 0; i < data.Length; i++) data[i] = (float)rng.NextDouble();
        return Tensor.FromArray(data, 1, 3, size, size);
    }

    private static Dictionary<string, Tensor> Run(Bramble.Graph.Model model, Tensor x)
    {
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        return session.Run(new Dictionary<string, Tensor> { [session.InputMetadata[0].Name] = x });
    }

    /// <summary>Runs the exported file in ONNX Runtime (bench/ort/ort-run.js) when it is installed.</summary>
    private static void CompareWithOnnxRuntime(string onnx, Tensor x, Dictionary<string, Tensor> expected, string dir)
    {
        if (TestResources.Require(TestResources.OnnxRuntimeNodeModules) == null) return;
        string input = Path.Combine(dir, "x.npy");
        Npy.Write(input, x);
        string outDir = Path.Combine(dir, "ort");
        var psi = new ProcessStartInfo("node") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(TestResources.RepoRoot, "bench", "ort", "ort-run.js"), onnx, "--input", $"data={input}", "--output-dir", outDir })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(120_000), "ort-run.js timed out");
        Assert.True(p.ExitCode == 0, $"ort-run.js failed: {err}");
        foreach (var (name, t) in expected)
        {
            string file = Path.Combine(outDir, string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-' ? c : '_')) + ".npy");
            using var ort = Npy.Read(file);
            Assert.Equal(t.Shape, ort.Shape);
            var a = t.ToArray<float>();
            var b = ort.ToArray<float>();
            float scale = a.Max(v => Math.Abs(v)), worst = 0;
            for (int i = 0; i < a.Length; i++) worst = Math.Max(worst, Math.Abs(a[i] - b[i]));
            Assert.True(worst <= 1e-3f * Math.Max(1, scale), $"{name}: ONNX Runtime differs by {worst} (scale {scale})");
        }
    }
}
