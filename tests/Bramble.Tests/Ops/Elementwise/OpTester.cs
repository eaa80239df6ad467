using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;
using Attribute = Bramble.Graph.Attribute;

namespace Bramble.Tests.Ops;

/// <summary>Runs one operator on concrete tensors, the way constant folding and the dynamic executor do.</summary>
internal static class OpTester
{
    private static readonly SessionOptions Options = new() { Threads = 1 };
    private static readonly WorkerPool Pool = new(1);

    public static Node MakeNode(string opType, int inputCount, Attribute[] attributes, bool[]? omitted = null)
    {
        var inputs = Enumerable.Range(0, inputCount).Select(i => omitted != null && omitted[i] ? "" : $"in{i}");
        var node = new Node(opType, inputs, ["out0"], "n_" + opType.ToLowerInvariant());
        foreach (var a in attributes) node.With(a);
        return node;
    }

    /// <summary>Output 0 of <paramref name="opType"/> applied to <paramref name="inputs"/> (null = omitted optional input).</summary>
    public static Tensor Run(string opType, Tensor?[] inputs, long opset = 17, params Attribute[] attributes)
    {
        var node = MakeNode(opType, inputs.Length, attributes, inputs.Select(t => t == null).ToArray());
        var op = OpRegistry.Create(node, opset);
        var outputs = NodeEvaluator.Evaluate(op, opset, inputs, Options, Pool);
        return outputs[0]!;
    }

    public static Tensor Run(string opType, Tensor input, params Attribute[] attributes) => Run(opType, [input], 17, attributes);

    /// <summary>Runs a one-node model through an <see cref="InferenceSession"/> with the given graph inputs.</summary>
    public static Tensor RunSession(string opType, Tensor[] inputs, DataType outputType, long opset = 17, params Attribute[] attributes)
    {
        var g = new Bramble.Graph.Graph();
        for (int i = 0; i < inputs.Length; i++) g.Inputs.Add(ValueInfo.Of($"in{i}", inputs[i].Type, inputs[i].Shape));
        g.Nodes.Add(MakeNode(opType, inputs.Length, attributes));
        g.Outputs.Add(new ValueInfo("out0", outputType, null));
        using var model = new Model(g);
        model.Opsets[""] = opset;
        using var session = new InferenceSession(model, Options);
        var feeds = new Dictionary<string, Tensor>();
        for (int i = 0; i < inputs.Length; i++) feeds[$"in{i}"] = inputs[i];
        return session.Run(feeds)["out0"];
    }

    public static Tensor F(float[] data, params int[] shape) => Tensor.FromArray(data, shape);
    public static Tensor I64(long[] data, params int[] shape) => Tensor.FromArray(data, shape);
    public static Tensor I32(int[] data, params int[] shape) => Tensor.FromArray(data, shape);
    public static Tensor D(double[] data, params int[] shape) => Tensor.FromArray(data, shape);

    public static Tensor B(bool[] data, params int[] shape) =>
        Tensor.FromArray(data.Select(b => b ? (byte)1 : (byte)0).ToArray(), shape).Reinterpret(DataType.Bool);

    /// <summary>A bool tensor's elements.</summary>
    public static bool[] Bools(Tensor t)
    {
        Assert.Equal(DataType.Bool, t.Type);
        return t.AsSpan<byte>().ToArray().Select(b => b != 0).ToArray();
    }

    public static void Close(float[] expected, Tensor actual, double tolerance = 1e-6)
    {
        Assert.Equal(DataType.Float32, actual.Type);
        var got = actual.ToArray<float>();
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
        {
            if (float.IsNaN(expected[i])) { Assert.True(float.IsNaN(got[i]), $"element {i}: expected NaN, got {got[i]}"); continue; }
            double tol = tolerance * Math.Max(1, Math.Abs(expected[i]));
            Assert.True(Math.Abs(expected[i] - got[i]) <= tol || expected[i] == got[i], $"element {i}: expected {expected[i]}, got {got[i]}");
        }
    }

    public static Attribute A(string name, long value) => Attribute.Of(name, value);
    public static Attribute A(string name, float value) => Attribute.Of(name, value);
    public static Attribute A(string name, long[] value) => Attribute.Of(name, value);
}

internal static class TensorTestExtensions
{
    /// <summary>The same bytes as another element type of equal size (uint8 → bool for test inputs).</summary>
    public static unsafe Tensor Reinterpret(this Tensor t, DataType type)
    {
        var copy = Tensor.Allocate(type, t.Shape);
        Buffer.MemoryCopy(t.Data, copy.Data, copy.ByteLength, t.ByteLength);
        t.Dispose();
        return copy;
    }
}
