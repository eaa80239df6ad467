using Bramble.Cli;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Tests.Cli;

/// <summary>Runs the `bramble` CLI in-process and captures exit code, stdout and stderr.</summary>
internal static class CliHarness
{
    public sealed record Result(int Code, string Out, string Err)
    {
        /// <summary>The error line, asserting that stderr holds exactly one line and no stack trace.</summary>
        public string SingleErrorLine()
        {
            var lines = Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.True(lines.Length == 1, $"expected one stderr line, got {lines.Length}:\n{Err}");
            Assert.StartsWith("bramble: error: ", lines[0]);
            Assert.DoesNotContain("   at ", Err);
            return lines[0];
        }
    }

    /// <summary>Runs with the real model loader (files on disk).</summary>
    public static Result Run(params string[] args) => Run(null, args);

    /// <summary>Runs with <paramref name="models"/> standing in for model files of those names.</summary>
    public static Result Run(Dictionary<string, Func<Model>>? models, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Func<string, Model>? loader = models == null ? null : path =>
            models.TryGetValue(path, out var make) ? make() : Bramble.Import.ModelLoader.Load(path);
        int code = Bramble.Cli.Cli.Run(args, new CliContext(stdout, stderr, loader));
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>x → Relu → Relu → y with the given declared input shape.</summary>
    public static Model ReluModel(Dim[] shape, string outputName = "y")
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(new ValueInfo("x", DataType.Float32, shape));
        g.Nodes.Add(new Node("Relu", ["x"], ["h"], "first"));
        g.Nodes.Add(new Node("Relu", ["h"], [outputName], "second"));
        g.Outputs.Add(new ValueInfo(outputName, DataType.Float32, shape));
        g.Initializers["unused_weight"] = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        return new Model(g);
    }

    public static Model ReluModel(params int[] shape) => ReluModel(shape.Select(d => Dim.Fixed(d)).ToArray());
}
