using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Training.Models;

/// <summary>
/// Builds inference graphs of standard ONNX ops with freshly initialised weights (He-normal for conv
/// and dense kernels, zero biases, BN γ=1 β=0, running mean 0 and variance 1), from a seeded generator.
/// Each method appends nodes and returns the name of the value it produced.
/// </summary>
public sealed class GraphBuilder
{
    private readonly Graph.Graph _graph = new();
    private readonly Random _random;
    private int _counter;

    public GraphBuilder(string name, int channels, int height, int width, int seed)
    {
        _graph.Name = name;
        _random = new Random(seed);
        _graph.Inputs.Add(new ValueInfo("input", DataType.Float32, [Dim.Symbolic("N"), Dim.Fixed(channels), Dim.Fixed(height), Dim.Fixed(width)]));
        Input = "input";
    }

    public string Input { get; }

    private string Name(string stem) => $"{stem}{++_counter}";

    private string AddNode(string op, string stem, string[] inputs, params Graph.Attribute[] attributes)
    {
        string name = Name(stem);
        var node = new Node(op, inputs, [name], name);
        foreach (var a in attributes) node.With(a);
        _graph.Nodes.Add(node);
        return name;
    }

    private string Weight(string name, int[] shape, double std)
    {
        var data = new float[ShapeUtil.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(Gaussian() * std);
        _graph.Initializers[name] = Tensor.FromArray(data, shape);
        return name;
    }

    private string Constant(string name, float value, int count)
    {
        var data = new float[count];
        Array.Fill(data, value);
        _graph.Initializers[name] = Tensor.FromArray(data, count);
        return name;
    }

    private double Gaussian()
    {
        // Box–Muller; 1 − u keeps the logarithm finite.
        double u = 1 - _random.NextDouble(), v = _random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
    }

    public string Conv(string x, int inChannels, int outChannels, int kernel, int stride = 1, int pad = -1, int group = 1, bool bias = true)
    {
        if (pad < 0) pad = kernel / 2;
        string stem = group == inChannels && group > 1 ? "dwconv" : "conv";
        string id = Name(stem + "_");
        int fanIn = inChannels / group * kernel * kernel;
        string w = Weight(id + ".weight", [outChannels, inChannels / group, kernel, kernel], Math.Sqrt(2.0 / fanIn));
        string[] inputs = bias ? [x, w, Constant(id + ".bias", 0f, outChannels)] : [x, w];
        return AddNode("Conv", stem, inputs,
            Graph.Attribute.Of("kernel_shape", new long[] { kernel, kernel }), Graph.Attribute.Of("strides", new long[] { stride, stride }),
            Graph.Attribute.Of("pads", new long[] { pad, pad, pad, pad }), Graph.Attribute.Of("group", (long)group));
    }

    public string BatchNorm(string x, int channels)
    {
        string id = Name("bn_");
        return AddNode("BatchNormalization", "bn",
            [x, Constant(id + ".scale", 1f, channels), Constant(id + ".bias", 0f, channels), Constant(id + ".mean", 0f, channels), Constant(id + ".var", 1f, channels)],
            Graph.Attribute.Of("epsilon", 1e-5f), Graph.Attribute.Of("momentum", 0.9f));
    }

    public string Relu(string x) => AddNode("Relu", "relu", [x]);
    public string MaxPool(string x, int kernel = 2, int stride = 2) => AddNode("MaxPool", "maxpool", [x],
        Graph.Attribute.Of("kernel_shape", new long[] { kernel, kernel }), Graph.Attribute.Of("strides", new long[] { stride, stride }));
    public string GlobalAveragePool(string x) => AddNode("GlobalAveragePool", "gap", [x]);
    public string Flatten(string x) => AddNode("Flatten", "flatten", [x], Graph.Attribute.Of("axis", 1L));
    public string Add(string a, string b) => AddNode("Add", "add", [a, b]);
    public string Dropout(string x, float ratio)
    {
        // ONNX requires the ratio to be a scalar (rank 0), not a one-element vector.
        string name = Name("dropout_") + ".ratio";
        _graph.Initializers[name] = Tensor.Scalar(ratio);
        return AddNode("Dropout", "dropout", [x, name]);
    }

    /// <summary>A dense layer as Gemm with transB = 1 (weight [out, in], PyTorch's layout).</summary>
    public string Dense(string x, int inFeatures, int outFeatures)
    {
        string id = Name("fc_");
        string w = Weight(id + ".weight", [outFeatures, inFeatures], Math.Sqrt(2.0 / inFeatures));
        return AddNode("Gemm", "fc", [x, w, Constant(id + ".bias", 0f, outFeatures)], Graph.Attribute.Of("transB", 1L));
    }

    /// <summary>Conv → BatchNormalization (→ Relu).</summary>
    public string ConvBn(string x, int inChannels, int outChannels, int kernel, int stride = 1, int group = 1, bool relu = true)
    {
        string y = BatchNorm(Conv(x, inChannels, outChannels, kernel, stride, group: group, bias: false), outChannels);
        return relu ? Relu(y) : y;
    }

    /// <summary>Names <paramref name="logits"/> as the graph output "logits" [N, classes] and returns the graph.</summary>
    public Graph.Graph Finish(string logits, int classes)
    {
        // Rename the last value to a stable output name so that every model has the same interface.
        foreach (var n in _graph.Nodes)
            for (int i = 0; i < n.Outputs.Count; i++) if (n.Outputs[i] == logits) n.Outputs[i] = "logits";
        foreach (var n in _graph.Nodes)
            for (int i = 0; i < n.Inputs.Count; i++) if (n.Inputs[i] == logits) n.Inputs[i] = "logits";
        _graph.Outputs.Add(new ValueInfo("logits", DataType.Float32, [Dim.Symbolic("N"), Dim.Fixed(classes)]));
        return _graph;
    }
}
