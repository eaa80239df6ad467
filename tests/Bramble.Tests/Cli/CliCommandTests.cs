using System.Text.Json;
using Bramble.Graph;
using Bramble.Tensors;
using Bramble.Tests.Support;
using static Bramble.Tests.Cli.CliHarness;

namespace Bramble.Tests.Cli;

/// <summary>info, run, bench and ops on models built in code (stand-ins for files through the context's loader).</summary>
public class CliCommandTests
{
    private static readonly Dictionary<string, Func<Model>> Models = new()
    {
        ["relu.onnx"] = () => ReluModel(1, 3, 2, 2),
        ["dynamic.onnx"] = () => ReluModel([Dim.Symbolic("N"), Dim.Fixed(3)]),
        ["slashes.onnx"] = () => ReluModel([Dim.Fixed(4)], outputName: "head/out:0"),
    };

    [Fact]
    public void InfoListsInputsOutputsOpsAndParameters()
    {
        var r = Run(Models, "info", "relu.onnx");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("", r.Err);
        Assert.Contains("relu.onnx", r.Out);
        Assert.Matches(@"input\s*│\s*x\s*│\s*float32\s*│\s*\[1x3x2x2\]", r.Out);
        Assert.Matches(@"output\s*│\s*y\s*│\s*float32", r.Out);
        Assert.Matches(@"Relu\s*│\s*2\s*│", r.Out);
        Assert.Contains("Parameters: 6 ", r.Out);
        Assert.Contains("Weights: 24 B", r.Out);
        Assert.Contains("MACs: 0 ", r.Out);
    }

    [Fact]
    public void InfoOnSymbolicShapesAsksForShapeAndUsesIt()
    {
        var unbound = Run(Models, "info", "dynamic.onnx");
        Assert.Equal(0, unbound.Code);
        Assert.Contains("[Nx3]", unbound.Out);
        Assert.Contains("(use --shape)", unbound.Out);
        Assert.Contains("MACs: unknown", unbound.Out);

        var bound = Run(Models, "info", "dynamic.onnx", "--shape", "x=5x3");
        Assert.True(bound.Code == 0, bound.Err);
        Assert.Contains("[5x3]", bound.Out);
        Assert.DoesNotContain("MACs: unknown", bound.Out);
        // Single-input models may leave the name out.
        Assert.Contains("[7x3]", Run(Models, "info", "dynamic.onnx", "-s", "7x3").Out);
    }

    [Fact]
    public void RunWritesOutputsAsNpy()
    {
        using var dir = TestResources.CreateTempDir();
        var values = new float[] { -1, 2, -3, 4, 0.5f, -0.5f, 6, -7, 8, -9, 10, -11 };
        using (var x = Tensor.FromArray(values, 1, 3, 2, 2)) Bramble.IO.Npy.Write(dir.File("x.npy"), x);
        string outDir = Path.Combine(dir.Path, "nested", "out");

        var r = Run(Models, "run", "relu.onnx", "--input", "x=" + dir.File("x.npy"), "--output-dir", outDir, "--threads", "1");
        Assert.True(r.Code == 0, r.Err);
        using var y = Bramble.IO.Npy.Read(Path.Combine(outDir, "y.npy"));
        Assert.Equal(new[] { 1, 3, 2, 2 }, y.Shape);
        Assert.Equal(values.Select(v => Math.Max(v, 0)), y.ToArray<float>());
        Assert.Contains("y.npy", r.Out);
    }

    [Fact]
    public void RunSanitisesOutputNames()
    {
        using var dir = TestResources.CreateTempDir();
        var r = Run(Models, "run", "slashes.onnx", "--random-inputs", "-o", dir.Path);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(["head_out_0.npy"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void RunWithRandomInputsIsReproducible()
    {
        using var dir = TestResources.CreateTempDir();
        Assert.Equal(0, Run(Models, "run", "relu.onnx", "--random-inputs", "-o", dir.File("a")).Code);
        Assert.Equal(0, Run(Models, "run", "relu.onnx", "--random-inputs", "-o", dir.File("b")).Code);
        using var a = Bramble.IO.Npy.Read(Path.Combine(dir.File("a"), "y.npy"));
        using var b = Bramble.IO.Npy.Read(Path.Combine(dir.File("b"), "y.npy"));
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.Contains(a.ToArray<float>(), v => v > 0);
    }

    [Fact]
    public void RunRefusesToOverwriteAnInputFile()
    {
        using var dir = TestResources.CreateTempDir();
        using (var x = Tensor.Allocate(DataType.Float32, 1, 3, 2, 2)) Bramble.IO.Npy.Write(dir.File("y.npy"), x);
        long before = new FileInfo(dir.File("y.npy")).Length;
        var r = Run(Models, "run", "relu.onnx", "-i", dir.File("y.npy"), "-o", dir.Path);
        Assert.Equal(1, r.Code);
        Assert.Contains("would overwrite input file", r.SingleErrorLine());
        Assert.Equal(before, new FileInfo(dir.File("y.npy")).Length);
    }

    [Fact]
    public void RunWithoutInputsIsAUsageError()
    {
        using var dir = TestResources.CreateTempDir();
        var r = Run(Models, "run", "relu.onnx", "-o", dir.Path);
        Assert.Equal(2, r.Code);
        Assert.Contains("--random-inputs", r.SingleErrorLine());
    }

    [Fact]
    public void RunRejectsAnInputOfTheWrongShape()
    {
        using var dir = TestResources.CreateTempDir();
        using (var x = Tensor.Allocate(DataType.Float32, 1, 3, 4, 4)) Bramble.IO.Npy.Write(dir.File("x.npy"), x);
        var r = Run(Models, "run", "relu.onnx", "-i", "x=" + dir.File("x.npy"), "-o", dir.File("out"));
        Assert.Equal(1, r.Code);
        var line = r.SingleErrorLine();
        Assert.Contains("input 'x'", line);
        Assert.Contains("1x3x2x2", line);
        Assert.False(Directory.Exists(dir.File("out")), "no output directory for a failed run");
    }

    [Fact]
    public void RunRejectsAnInputOfTheWrongType()
    {
        using var dir = TestResources.CreateTempDir();
        using (var x = Tensor.Allocate(DataType.Float64, 1, 3, 2, 2)) Bramble.IO.Npy.Write(dir.File("x.npy"), x);
        var r = Run(Models, "run", "relu.onnx", "-i", dir.File("x.npy"), "-o", dir.File("out"));
        Assert.Equal(1, r.Code);
        Assert.Contains("expects float32 but the file holds float64", r.SingleErrorLine());
    }

    [Fact]
    public void RunRejectsACorruptInputFile()
    {
        using var dir = TestResources.CreateTempDir();
        File.WriteAllBytes(dir.File("x.npy"), [1, 2, 3]);
        var r = Run(Models, "run", "relu.onnx", "-i", "x=" + dir.File("x.npy"), "-o", dir.File("out"));
        Assert.Equal(1, r.Code);
        Assert.Contains("not a .npy file", r.SingleErrorLine());
    }

    [Fact]
    public void RunRejectsUnknownInputNames()
    {
        using var dir = TestResources.CreateTempDir();
        var r = Run(Models, "run", "relu.onnx", "-i", "nope=a.npy", "-o", dir.Path);
        Assert.Equal(2, r.Code);
        Assert.Contains("no input 'nope'", r.SingleErrorLine());
    }

    [Fact]
    public void BenchPrintsJsonWithLatencyAndMemory()
    {
        var r = Run(Models, "bench", "relu.onnx", "--warmup", "1", "--iterations", "5", "--threads", "1", "--json");
        Assert.True(r.Code == 0, r.Err);
        using var json = JsonDocument.Parse(r.Out);
        var root = json.RootElement;
        Assert.Equal(5, root.GetProperty("iterations").GetInt32());
        Assert.Equal(5, root.GetProperty("latencies_ms").GetArrayLength());
        double min = root.GetProperty("latency_min_ms").GetDouble();
        double median = root.GetProperty("latency_median_ms").GetDouble();
        double p90 = root.GetProperty("latency_p90_ms").GetDouble();
        Assert.True(min > 0 && min <= median && median <= p90, $"{min} {median} {p90}");
        Assert.True(root.GetProperty("peak_resident_bytes").GetInt64() > 1 << 20);
        Assert.True(root.GetProperty("managed_heap_bytes").GetInt64() > 0);
        Assert.True(root.GetProperty("planned").GetBoolean());
        Assert.Equal(new[] { 1, 3, 2, 2 }, root.GetProperty("inputs").GetProperty("x").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(1, root.GetProperty("threads").GetInt32());
    }

    [Fact]
    public void BenchPrintsATable()
    {
        var r = Run(Models, "bench", "dynamic.onnx", "--shape", "x=2x3", "-w", "0", "-n", "2", "--isa", "scalar");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("latency median", r.Out);
        Assert.Contains("peak resident memory", r.Out);
        Assert.Contains("ISA: Scalar", r.Out);
    }

    [Fact]
    public void BenchOnSymbolicShapesNeedsShape()
    {
        var r = Run(Models, "bench", "dynamic.onnx", "-n", "1");
        Assert.Equal(2, r.Code);
        Assert.Contains("--shape x=", r.SingleErrorLine());
    }

    [Fact]
    public void ShapeContradictingTheModelIsAnError()
    {
        var r = Run(Models, "info", "relu.onnx", "--shape", "x=1x3x4x4");
        Assert.Equal(1, r.Code);
        Assert.Contains("does not fit the declared shape", r.SingleErrorLine());
    }

    [Theory]
    [InlineData("x=1xAx2", "is not a dimension")]
    [InlineData("y=1x3", "no input 'y'")]
    [InlineData("=1x3", "missing input name")]
    public void MalformedShapesAreUsageErrors(string spec, string expected)
    {
        var r = Run(Models, "info", "dynamic.onnx", "--shape", spec);
        Assert.Equal(2, r.Code);
        Assert.Contains(expected, r.SingleErrorLine());
    }

    [Fact]
    public void OpsListsTheRegistry()
    {
        var r = Run("ops", "--markdown");
        Assert.Equal(0, r.Code);
        Assert.Contains("| ai.onnx |", r.Out);
        Assert.Contains("Relu", r.Out);
        foreach (var (_, op) in Bramble.Ops.OpRegistry.Supported) Assert.Contains(op, r.Out);
    }

    [Fact]
    public void HelpAndVersionSucceed()
    {
        var help = Run("--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("bramble", help.Out);
        foreach (var command in new[] { "info", "run", "bench", "ops" }) Assert.Contains(command, help.Out);
        var benchHelp = Run("bench", "--help");
        Assert.Equal(0, benchHelp.Code);
        Assert.Contains("--iterations", benchHelp.Out);
        Assert.Equal(0, Run("--version").Code);
    }
}
