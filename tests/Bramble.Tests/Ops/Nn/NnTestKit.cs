using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Ops.Nn;

/// <summary>Runs single nodes and compares float tensors for the Nn operator tests.</summary>
internal static class NnTestKit
{
    private static readonly SessionOptions Options = new() { Threads = 1, ReferenceKernels = true };

    public static Node Node(string op, int inputs, params Bramble.Graph.Attribute[] attributes) => Node(op, inputs, 1, attributes);

    public static Node Node(string op, int inputs, int outputs, params Bramble.Graph.Attribute[] attributes)
    {
        var node = new Node(op, Enumerable.Range(0, inputs).Select(i => $"in{i}"), Enumerable.Range(0, outputs).Select(i => $"out{i}"), "n");
        foreach (var a in attributes) node.With(a);
        return node;
    }

    public static Bramble.Graph.Attribute A(string name, long value) => Bramble.Graph.Attribute.Of(name, value);
    public static Bramble.Graph.Attribute A(string name, float value) => Bramble.Graph.Attribute.Of(name, value);
    public static Bramble.Graph.Attribute A(string name, string value) => Bramble.Graph.Attribute.Of(name, value);
    public static Bramble.Graph.Attribute A(string name, params long[] value) => Bramble.Graph.Attribute.Of(name, value);
    public static Bramble.Graph.Attribute Af(string name, params float[] value) => Bramble.Graph.Attribute.Of(name, value);

    /// <summary>Infers, prepares and executes one node on the given inputs (null = omitted optional input).</summary>
    public static Tensor?[] Eval(Node node, long opset, params Tensor?[] inputs)
    {
        var op = OpRegistry.Create(node, opset);
        using var pool = new WorkerPool(1);
        return NodeEvaluator.Evaluate(op, opset, inputs, Options, pool);
    }

    public static Tensor Eval1(Node node, params Tensor?[] inputs) => Eval(node, 17, inputs)[0]!;

    /// <summary>Output shapes inferred for the given input shapes, without running.</summary>
    public static (int[]?[] Shapes, long Macs) Infer(Node node, long opset, params int[][] shapes)
    {
        var op = OpRegistry.Create(node, opset);
        var ctx = new InferContext(node, opset, shapes.Select(_ => DataType.Float32).ToArray(), shapes.Select(s => (int[]?)s).ToArray(), new Tensor?[shapes.Length]);
        op.InferOutputs(ctx);
        return (ctx.OutputShapes, op.CountMacs(ctx));
    }

    /// <summary>Runs the node as a one-node model through an InferenceSession; constants become initializers.</summary>
    public static Tensor RunSession(Node node, long opset, Tensor[] runtimeInputs, params (int Index, Tensor Value)[] constants)
    {
        var g = new Bramble.Graph.Graph();
        var feeds = new Dictionary<string, Tensor>();
        int r = 0;
        for (int i = 0; i < node.Inputs.Count; i++)
        {
            if (node.Inputs[i].Length == 0) continue;
            var constant = constants.FirstOrDefault(c => c.Index == i).Value;
            if (constant != null) g.Initializers[node.Inputs[i]] = constant.Clone();
            else
            {
                var t = runtimeInputs[r++];
                g.Inputs.Add(ValueInfo.Of(node.Inputs[i], t.Type, t.Shape));
                feeds[node.Inputs[i]] = t;
            }
        }
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo(node.Outputs[0], DataType.Float32, null));
        using var model = new Model(g);
        model.Opsets[""] = opset;
        using var session = new InferenceSession(model, new SessionOptions { Threads = 1, ReferenceKernels = true });
        return session.Run(feeds)[node.Outputs[0]];
    }

    public static Tensor T(float[] data, params int[] shape) => Tensor.FromArray(data, shape);

    public static Tensor Random(Random rng, params int[] shape)
    {
        var t = Tensor.Allocate(DataType.Float32, shape);
        var s = t.AsSpan<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)(rng.NextDouble() * 2 - 1);
        return t;
    }

    public static void Close(float[] expected, Tensor actual, double tolerance = 1e-5)
    {
        var a = actual.ToArray<float>();
        Assert.Equal(expected.Length, a.Length);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(expected[i] - a[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"element {i}: expected {expected[i]}, got {a[i]}");
    }

    public static void Close(Tensor expected, Tensor actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Close(expected.ToArray<float>(), actual, tolerance);
    }

    public static double Dot(Tensor a, Tensor b)
    {
        var x = a.AsReadOnlySpan<float>();
        var y = b.AsReadOnlySpan<float>();
        Assert.Equal(x.Length, y.Length);
        double sum = 0;
        for (int i = 0; i < x.Length; i++) sum += (double)x[i] * y[i];
        return sum;
    }
}
