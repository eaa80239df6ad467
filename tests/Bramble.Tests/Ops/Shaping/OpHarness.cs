using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;
using Attribute = Bramble.Graph.Attribute;

namespace Bramble.Tests.Ops.Shaping;

/// <summary>One input of a single-node test: a runtime graph input, a constant initializer, or omitted.</summary>
internal sealed record Arg(Tensor? Tensor, bool Constant)
{
    public static readonly Arg None = new(null, false);
}

/// <summary>
/// Runs one operator two ways and checks they agree: through an <see cref="InferenceSession"/> (a plan, with
/// views aliased and constant inputs as initializers) and through the dynamic evaluator (Execute on fresh tensors).
/// </summary>
internal static class OpHarness
{
    public static Arg In(Tensor t) => new(t, false);
    public static Arg Const(Tensor t) => new(t, true);

    public static Tensor F(float[] data, params int[] shape) => Tensor.FromArray(data, shape);
    public static Tensor L(long[] data, params int[] shape) => Tensor.FromArray(data, shape);
    public static Tensor I(int[] data, params int[] shape) => Tensor.FromArray(data, shape);

    /// <summary>Float tensor holding 0, 1, 2, … in row-major order.</summary>
    public static Tensor Iota(params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = i;
        return t;
    }

    public static Node MakeNode(string op, int inputs, int outputs, params Attribute[] attrs)
    {
        var node = new Node(op, Enumerable.Range(0, inputs).Select(i => $"in{i}"), Enumerable.Range(0, outputs).Select(o => $"out{o}"), "n_" + op.ToLowerInvariant());
        foreach (var a in attrs) node.With(a);
        return node;
    }

    /// <summary>Runs a single node both ways and returns the outputs (caller disposes).</summary>
    public static Tensor[] Run(string op, long opset, int outputs, Attribute[] attrs, params Arg[] args)
    {
        var node = MakeNode(op, args.Length, outputs, attrs);
        for (int i = 0; i < args.Length; i++) if (args[i].Tensor == null) node.Inputs[i] = "";
        var dynamic = Evaluate(node, opset, args);
        var planned = RunSession(node, opset, args);
        for (int o = 0; o < outputs; o++)
        {
            Assert.Equal(planned[o].Type, dynamic[o].Type);
            Assert.Equal(planned[o].Shape, dynamic[o].Shape);
            Assert.Equal(planned[o].ToArray<byte>(), dynamic[o].ToArray<byte>());
            dynamic[o].Dispose();
        }
        return planned;
    }

    public static Tensor Run1(string op, Attribute[] attrs, params Arg[] args) => Run(op, 17, 1, attrs, args)[0];

    public static Tensor Run1(string op, long opset, Attribute[] attrs, params Arg[] args) => Run(op, opset, 1, attrs, args)[0];

    private static Tensor[] Evaluate(Node node, long opset, Arg[] args)
    {
        var op = OpRegistry.Create(node, opset);
        using var pool = new WorkerPool(1);
        var outs = NodeEvaluator.Evaluate(op, opset, args.Select(a => a.Tensor).ToArray(), new SessionOptions { Threads = 1 }, pool);
        return outs.Select(t => t!).ToArray();
    }

    private static Tensor[] RunSession(Node node, long opset, Arg[] args)
    {
        var g = new Bramble.Graph.Graph();
        var feeds = new Dictionary<string, Tensor>();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i].Tensor is not { } t) continue;
            if (args[i].Constant) g.Initializers[$"in{i}"] = t.Clone();
            else
            {
                g.Inputs.Add(ValueInfo.Of($"in{i}", t.Type, t.Shape));
                feeds[$"in{i}"] = t;
            }
        }
        g.Nodes.Add(node);
        foreach (var o in node.Outputs) g.Outputs.Add(new ValueInfo(o, DataType.Undefined, null));
        using var model = new Model(g);
        model.Opsets[""] = opset;
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1 });
        var result = session.Run(feeds);
        return node.Outputs.Select(o => result[o]).ToArray();
    }

    /// <summary>Asserts that building or running the node fails with a one-line ShapeException naming the node.</summary>
    public static ShapeException Fails(string op, long opset, Attribute[] attrs, params Arg[] args)
    {
        var node = MakeNode(op, args.Length, 1, attrs);
        for (int i = 0; i < args.Length; i++) if (args[i].Tensor == null) node.Inputs[i] = "";
        var e = Assert.Throws<ShapeException>(() => Evaluate(node, opset, args));
        Assert.Contains(node.Name, e.Message);
        Assert.DoesNotContain("\n", e.Message);
        return e;
    }

    public static Attribute A(string name, long v) => Attribute.Of(name, v);
    public static Attribute A(string name, params long[] v) => Attribute.Of(name, v);
    public static Attribute A(string name, float v) => Attribute.Of(name, v);
    public static Attribute A(string name, string v) => Attribute.Of(name, v);
    public static readonly Attribute[] NoAttrs = [];
}
