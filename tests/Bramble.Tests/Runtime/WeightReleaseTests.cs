using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;
using Attr = Bramble.Graph.Attribute;

namespace Bramble.Tests.Runtime;

/// <summary>
/// A session that owns its model and knows every input shape holds each packed weight once: the kernels'
/// packed copy, not also the original. Measured through the session's byte counts and the tensors themselves.
/// </summary>
public sealed class WeightReleaseTests : IDisposable
{
    private const int Channels = 3, Filters = 8, Classes = 10;
    private readonly string _dir = Directory.CreateTempSubdirectory("bramble-weights-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>x → Conv(w, b) → BatchNormalization → Relu → GlobalAveragePool → Flatten → Gemm(fc, transB) + fc_b → MatMul(proj) → y.</summary>
    private static Model Classifier(Dim[] inputShape, int seed = 3)
    {
        var rng = new Random(seed);
        Tensor Random(params int[] shape)
        {
            var t = Tensor.Allocate(DataType.Float32, shape);
            var s = t.AsSpan<float>();
            for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1);
            return t;
        }
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(new ValueInfo("x", DataType.Float32, inputShape));
        g.Initializers["w"] = Random(Filters, Channels, 3, 3);
        g.Initializers["b"] = Random(Filters);
        g.Initializers["gamma"] = Random(Filters);
        g.Initializers["beta"] = Random(Filters);
        g.Initializers["mean"] = Random(Filters);
        var variance = Random(Filters);
        foreach (ref float v in variance.AsSpan<float>()) v = MathF.Abs(v) + 0.5f;
        g.Initializers["var"] = variance;
        g.Initializers["fc"] = Random(Classes, Filters);
        g.Initializers["fc_b"] = Random(Classes);
        g.Initializers["proj"] = Random(Classes, Classes);
        g.Nodes.Add(new Node("Conv", ["x", "w", "b"], ["c"], "conv").With(Attr.Of("pads", new long[] { 1, 1, 1, 1 })));
        g.Nodes.Add(new Node("BatchNormalization", ["c", "gamma", "beta", "mean", "var"], ["n"], "bn"));
        g.Nodes.Add(new Node("Relu", ["n"], ["r"], "relu"));
        g.Nodes.Add(new Node("GlobalAveragePool", ["r"], ["p"], "pool"));
        g.Nodes.Add(new Node("Flatten", ["p"], ["f"], "flatten"));
        g.Nodes.Add(new Node("Gemm", ["f", "fc", "fc_b"], ["logits"], "fc").With(Attr.Of("transB", 1L)));
        g.Nodes.Add(new Node("MatMul", ["logits", "proj"], ["y"], "proj"));
        g.Outputs.Add(new ValueInfo("y", DataType.Float32, null));
        var model = new Model(g);
        model.Opsets[""] = 17;
        return model;
    }

    private static Dim[] Fixed(params int[] shape) => shape.Select(d => Dim.Fixed(d)).ToArray();

    private string Save(Model model)
    {
        string path = Path.Combine(_dir, $"m{Guid.NewGuid():N}.onnx");
        OnnxWriter.Save(model, path);
        return path;
    }

    private static float[] Run(InferenceSession session, Tensor x)
    {
        var outputs = session.Run(new Dictionary<string, Tensor> { ["x"] = x });
        using var y = outputs["y"];
        return y.ToArray<float>();
    }

    private static Tensor Input(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var t = Tensor.Allocate(DataType.Float32, shape);
        foreach (ref float v in t.AsSpan<float>()) v = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    private static SessionOptions Options(bool reference = false) => new() { Threads = 1, ReferenceKernels = reference };

    [Fact]
    public void SessionFromAPathKeepsOnlyThePackedCopy()
    {
        using var model = Classifier(Fixed(1, Channels, 8, 8));
        string path = Save(model);
        using var owned = new InferenceSession(path, Options());
        using var borrowed = new InferenceSession(model, Options());

        Assert.True(owned.OriginalWeightsReleased);
        Assert.False(borrowed.OriginalWeightsReleased);
        Assert.Equal(borrowed.PackedWeightBytes, owned.PackedWeightBytes);
        Assert.True(owned.PackedWeightBytes >= (Filters * Channels * 9 + Classes * Filters + Classes * Classes) * sizeof(float));
        // Only what kernels read at run time stays: the folded conv bias and Gemm's C.
        Assert.Equal((Filters + Classes) * sizeof(float), owned.RetainedConstantBytes);
        // The borrowed session keeps the folded weights and every original the kernels packed.
        Assert.Equal((Filters * Channels * 9 + Filters + Classes * Filters + Classes + Classes * Classes) * sizeof(float), borrowed.RetainedConstantBytes);
    }

    [Fact]
    public void OutputsAreTheSameWithAndWithoutTheOriginals()
    {
        using var model = Classifier(Fixed(2, Channels, 8, 8));
        using var owned = new InferenceSession(Save(model), Options());
        using var borrowed = new InferenceSession(model, Options());
        using var reference = new InferenceSession(model, Options(reference: true));
        using var x = Input(7, 2, Channels, 8, 8);
        var released = Run(owned, x);
        Assert.True(owned.OriginalWeightsReleased);
        Assert.Equal(Run(borrowed, x), released);
        var expected = Run(reference, x);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], released[i], 1e-4f);
        // Steady state: a second run reads nothing that was freed.
        Assert.Equal(released, Run(owned, x));
    }

    [Fact]
    public void DynamicModelKeepsOriginalsAndRunsEveryShape()
    {
        using var model = Classifier([Dim.Symbolic("n"), Dim.Fixed(Channels), Dim.Symbolic("h"), Dim.Symbolic("w")]);
        using var session = new InferenceSession(Save(model), Options());
        using var reference = new InferenceSession(model, Options(reference: true));
        foreach (var shape in new[] { new[] { 1, Channels, 8, 8 }, [2, Channels, 5, 11], [1, Channels, 8, 8] })
        {
            using var x = Input(shape[2], shape);
            var actual = Run(session, x);
            var expected = Run(reference, x);
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4f);
        }
        // Each shape packed again from the originals, so they must still be there.
        Assert.False(session.OriginalWeightsReleased);
    }

    [Fact]
    public void BindingTheSymbolicDimensionsLetsTheSessionFreeTheOriginals()
    {
        using var model = Classifier([Dim.Symbolic("n"), Dim.Fixed(Channels), Dim.Symbolic("h"), Dim.Symbolic("w")]);
        var options = Options();
        options.InputShapes["x"] = [1, Channels, 6, 6];
        using var session = new InferenceSession(Save(model), options);
        using var reference = new InferenceSession(model, Options(reference: true));
        Assert.True(session.OriginalWeightsReleased);
        using var x = Input(5, 1, Channels, 6, 6);
        var actual = Run(session, x);
        var expected = Run(reference, x);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4f);

        using var other = Input(5, 1, Channels, 7, 7);
        Assert.Throws<ShapeException>(() => Run(session, other));
        var e = Assert.Throws<ShapeException>(() => session.PlanFor([[1, Channels, 7, 7]]));
        Assert.Contains("freed the original weights", e.Message);
    }

    [Fact]
    public void ACallersModelStaysIntact()
    {
        using var model = Classifier(Fixed(1, Channels, 8, 8));
        var before = model.Graph.Initializers.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>());
        using (var session = new InferenceSession(model, Options()))
        {
            using var x = Input(1, 1, Channels, 8, 8);
            Run(session, x);
        }
        Assert.Equal(before.Keys.Order(), model.Graph.Initializers.Keys.Order());
        foreach (var (name, values) in before) Assert.Equal(values, model.Graph.Initializers[name].ToArray<float>());
    }

    [Fact]
    public void ATakenOverModelLosesItsPackedAndFoldedOriginals()
    {
        var model = Classifier(Fixed(1, Channels, 8, 8));
        var w = model.Graph.Initializers["w"];
        var fc = model.Graph.Initializers["fc"];
        var fcBias = model.Graph.Initializers["fc_b"];
        using var session = new InferenceSession(model, Options(), ownsModel: true);
        // w was replaced by its batch-norm-folded copy during the pass (freed then); fc was packed.
        Assert.Throws<ObjectDisposedException>(() => w.AsSpan<float>());
        Assert.Throws<ObjectDisposedException>(() => fc.AsSpan<float>());
        // Gemm's C is read at run time: kept.
        Assert.Equal(Classes, fcBias.AsSpan<float>().Length);
        // Released tensors keep their shape for tools that only describe the model.
        Assert.Equal(new[] { Classes, Filters }, session.Model.Graph.Initializers["fc"].Shape);
    }

    [Fact]
    public void ReferenceKernelsPackNothingAndFreeNothing()
    {
        using var model = Classifier(Fixed(1, Channels, 8, 8));
        using var session = new InferenceSession(Save(model), Options(reference: true));
        Assert.False(session.OriginalWeightsReleased);
        Assert.Equal(0, session.PackedWeightBytes);
        using var x = Input(2, 1, Channels, 8, 8);
        Assert.Equal(Classes, Run(session, x).Length);
    }

    [Fact]
    public void AConstantAlsoReadAtRunTimeIsKept()
    {
        // The same weight feeds a packing Gemm and an elementwise Add that reads it every run.
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 4, 4));
        g.Initializers["k"] = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => i * 0.25f).ToArray(), 4, 4);
        g.Nodes.Add(new Node("Gemm", ["x", "k"], ["m"], "gemm"));
        g.Nodes.Add(new Node("Add", ["m", "k"], ["y"], "add"));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 4, 4));
        using var model = new Model(g);
        using var owned = new InferenceSession(Save(model), Options());
        using var reference = new InferenceSession(model, Options(reference: true));
        Assert.False(owned.OriginalWeightsReleased);
        using var x = Input(4, 4, 4);
        var expected = Run(reference, x);
        var actual = Run(owned, x);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4f);
    }

    [Fact]
    public void SparseKernelsHoldTheirCsrCopyOnly()
    {
        // A 1×1 conv with 90 % zero weights becomes a SparseConv, which copies its CSR arrays in Prepare.
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 20, 5, 5));
        var w = Tensor.Allocate(DataType.Float32, 16, 20, 1, 1);
        var span = w.AsSpan<float>();
        for (int i = 0; i < span.Length; i += 10) span[i] = 0.1f * (i % 7) + 0.05f;
        g.Initializers["w"] = w;
        g.Nodes.Add(new Node("Conv", ["x", "w"], ["y"], "conv"));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 16, 5, 5));
        using var model = new Model(g);
        using var owned = new InferenceSession(Save(model), Options());
        using var reference = new InferenceSession(model, Options(reference: true));
        Assert.Contains(owned.Model.Graph.Nodes, n => n.OpType == "SparseConv");
        Assert.True(owned.OriginalWeightsReleased);
        Assert.Equal(0, owned.RetainedConstantBytes);
        using var x = Input(9, 1, 20, 5, 5);
        var expected = Run(reference, x);
        var actual = Run(owned, x);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4f);
    }

    [Theory]
    [InlineData("Conv")]
    [InlineData("FusedConv")]
    [InlineData("Gemm")]
    [InlineData("FusedGemm")]
    [InlineData("MatMul")]
    public void DisposeFreesPackedWeights(string opType)
    {
        bool conv = opType.Contains("Conv");
        string domain = opType.StartsWith("Fused") ? OpRegistry.BrambleDomain : "";
        var node = new Node(opType, ["x", "w"], ["y"], "n", domain);
        if (domain.Length > 0) node.Attributes["activation"] = Attr.Of("activation", "Relu");
        using var w = conv ? Tensor.Allocate(DataType.Float32, 16, 4, 3, 3) : Tensor.Allocate(DataType.Float32, 8, 16);
        int[] x = conv ? [1, 4, 6, 6] : [3, 8];
        var op = OpRegistry.Create(node, domain.Length > 0 ? 1 : 17);
        var infer = new InferContext(node, 17, [DataType.Float32, DataType.Float32], [x, w.Shape], [null, w]);
        op.InferOutputs(infer);
        op.Prepare(new PrepareContext(infer, Options()));
        Assert.True(op.OwnsCopyOfInput(1));
        Assert.False(op.OwnsCopyOfInput(0));
        Assert.True(op.PreparedWeightBytes >= w.ByteLength);
        op.Dispose();
        Assert.Equal(0, op.PreparedWeightBytes);
        Assert.False(op.OwnsCopyOfInput(1));
    }
}
