using System.Diagnostics;
using Bramble.Graph;
using Bramble.Tensors;
using Bramble.Tests.Support;
using static Bramble.Tests.Cli.CliHarness;

namespace Bramble.Tests.Cli;

/// <summary>Every failure is one line on stderr with the right exit code: 1 bad input, 2 usage, 70 internal.</summary>
public class CliErrorTests
{
    [Fact]
    public void NonexistentModelFile()
    {
        var r = Run("info", "/nonexistent/dir/model.onnx");
        Assert.Equal(1, r.Code);
        Assert.Contains("/nonexistent/dir/model.onnx", r.SingleErrorLine());
        Assert.Contains("not found", r.Err);
    }

    [Theory]
    [InlineData("info")]
    [InlineData("bench")]
    public void EmptyModelFile(string command)
    {
        using var dir = TestResources.CreateTempDir();
        File.WriteAllBytes(dir.File("empty.onnx"), []);
        var r = Run(command, dir.File("empty.onnx"));
        Assert.Equal(1, r.Code);
        Assert.Contains("empty.onnx", r.SingleErrorLine());
    }

    [Fact]
    public void RandomBytesModelFile()
    {
        using var dir = TestResources.CreateTempDir();
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(dir.File("noise.onnx"), bytes);
        var r = Run("info", dir.File("noise.onnx"));
        Assert.Equal(1, r.Code);
        Assert.Contains("noise.onnx", r.SingleErrorLine());
    }

    [Fact]
    public void UnknownModelExtension()
    {
        using var dir = TestResources.CreateTempDir();
        File.WriteAllText(dir.File("model.txt"), "hello");
        var r = Run("info", dir.File("model.txt"));
        Assert.Equal(1, r.Code);
        Assert.Contains("model.txt", r.SingleErrorLine());
    }

    [Fact]
    public void UnknownOperator()
    {
        var models = new Dictionary<string, Func<Model>>
        {
            ["weird.onnx"] = () =>
            {
                var g = new Bramble.Graph.Graph();
                g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 2));
                g.Nodes.Add(new Node("Frobnicate", ["x"], ["y"], "weird_node"));
                g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 2));
                return new Model(g);
            },
        };
        foreach (var command in new[] { "info", "bench" })
        {
            var r = Run(models, command, "weird.onnx");
            Assert.Equal(1, r.Code);
            var line = r.SingleErrorLine();
            Assert.Contains("Frobnicate", line);
            Assert.Contains("weird_node", line);
        }
    }

    [Fact]
    public void UsageErrorsExitWith2()
    {
        Assert.Equal(2, Run().Code);
        Assert.Equal(2, Run("frobnicate").Code);
        var r = Run("info", "model.onnx", "--no-such-option");
        Assert.Equal(2, r.Code);
        Assert.Contains("--no-such-option", r.SingleErrorLine());
        Assert.Equal(2, Run("bench", "m.onnx", "--threads", "0").Code);
        Assert.Equal(2, Run("bench", "m.onnx", "--iterations", "many").Code);
        var isa = Run("bench", "m.onnx", "--isa", "avx9000");
        Assert.Equal(2, isa.Code);
        Assert.Contains("unknown ISA", isa.SingleErrorLine());
        Assert.Equal(2, Run("run", "m.onnx").Code); // --output-dir is required
    }

    [Fact]
    public void UnexpectedExceptionsExitWith70AndOneLine()
    {
        var models = new Dictionary<string, Func<Model>>
        {
            ["bug.onnx"] = () => throw new InvalidOperationException("something\nimpossible happened"),
        };
        var r = Run(models, "info", "bug.onnx");
        Assert.Equal(70, r.Code);
        var line = r.SingleErrorLine();
        Assert.Contains("internal error: InvalidOperationException: something impossible happened", line);
        Assert.Contains("BRAMBLE_DEBUG=1", line);
    }

    [Fact]
    public void MultiLineMessagesAreFlattened() =>
        Assert.Equal("a b c", Bramble.Cli.Cli.OneLine("a\r\n b\n\nc "));

    [Fact]
    public void TheRealExecutablePrintsOneLineAndNoStackTrace()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "Bramble.Cli.dll");
        if (TestResources.Require(dll) == null) return;
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "info", "/nonexistent/model.onnx" }) psi.ArgumentList.Add(a);
        psi.Environment.Remove("BRAMBLE_DEBUG");
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.Equal(1, p.ExitCode);
        Assert.Equal("", stdout);
        Assert.Equal("bramble: error: /nonexistent/model.onnx: file not found", stderr.TrimEnd());
    }
}
