using Bramble.Compilation;
using Bramble.Graph;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Tests.Support;
using Attribute = Bramble.Graph.Attribute;

namespace Bramble.Tests.Compilation;

/// <summary>Small in-code models and helpers shared by the compile tests.</summary>
internal static class CompileTestModels
{
    /// <summary>Conv → Relu → MaxPool → Flatten (a view) → Gemm → Softmax, with a second output before the head.</summary>
    public static Model SmallCnn(Dim? batch = null)
    {
        var rng = new Random(7);
        Tensor Random(params int[] shape)
        {
            var data = new float[ShapeUtil.ElementCount(shape)];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() - 0.5);
            return Tensor.FromArray(data, shape);
        }
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(new ValueInfo("image", DataType.Float32, [batch ?? Dim.Fixed(1), Dim.Fixed(3), Dim.Fixed(8), Dim.Fixed(8)]));
        g.Initializers["conv.w"] = Random(8, 3, 3, 3);
        g.Initializers["conv.b"] = Random(8);
        g.Initializers["fc.w"] = Random(10, 128);
        g.Initializers["fc.b"] = Random(10);
        g.Nodes.Add(new Node("Conv", ["image", "conv.w", "conv.b"], ["c"], "conv")
            .With(Attribute.Of("pads", new long[] { 1, 1, 1, 1 })).With(Attribute.Of("kernel_shape", new long[] { 3, 3 })));
        g.Nodes.Add(new Node("Relu", ["c"], ["features"], "relu"));
        g.Nodes.Add(new Node("MaxPool", ["features"], ["p"], "pool")
            .With(Attribute.Of("kernel_shape", new long[] { 2, 2 })).With(Attribute.Of("strides", new long[] { 2, 2 })));
        g.Nodes.Add(new Node("Flatten", ["p"], ["flat"], "flatten"));
        g.Nodes.Add(new Node("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], "fc").With(Attribute.Of("transB", 1L)));
        g.Nodes.Add(new Node("Softmax", ["logits"], ["probs"], "softmax").With(Attribute.Of("axis", 1L)));
        g.Outputs.Add(new ValueInfo("probs", DataType.Float32, null));
        g.Outputs.Add(new ValueInfo("features", DataType.Float32, null));
        return new Model(g) { Source = "small-cnn.onnx" };
    }

    public static Tensor RandomInput(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var data = new float[ShapeUtil.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)rng.NextDouble();
        return Tensor.FromArray(data, shape);
    }

    public static string BrambleProject => Path.Combine(TestResources.RepoRoot, "src", "Bramble", "Bramble.csproj");

    /// <summary>Options as the session uses them, pinned so the session oracle and the compiled code agree.</summary>
    public static CompileOptions Options(CompileBackend backend, bool library = false, string name = "") => new()
    {
        Name = name,
        Threads = 1,
        Backend = backend,
        Library = library,
        BrambleProject = BrambleProject,
    };

    public static SessionOptions SessionOptions => new() { Threads = 1 };

    /// <summary>A fresh temporary directory, deleted on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public TempDir() => Directory.CreateDirectory(Path);
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bramble-compile-" + Guid.NewGuid().ToString("N"));
        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }
}
