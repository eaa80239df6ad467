using Bramble.Graph;
using Bramble.Tensors;
using Bramble.Vision.Detection;
using Attr = Bramble.Graph.Attribute;

namespace Bramble.Import.Darknet;

/// <summary>
/// Lowers a parsed Darknet network with its weights to a graph of standard ONNX operators (opset 13).
/// Each layer becomes the nodes that compute exactly what Darknet's forward_*_layer computes at test time;
/// the last node of a layer writes a value named after the layer ("conv_12", "route_83", …).
/// [yolo]/[region] layers add no nodes: their raw input becomes a graph output and their decode
/// parameters go to <see cref="DetectionMetadata"/>.
/// </summary>
internal sealed partial class DarknetGraphBuilder
{
    public const long Opset = 13;
    public const string InputName = "data";

    private readonly DarknetNetwork _net;
    private readonly DarknetWeights _weights;
    private readonly DarknetImportOptions _options;
    private readonly Graph.Graph _g = new();
    // Per layer: the value holding its output (null for detection heads, whose Darknet output is not in the graph).
    private readonly string?[] _values;
    private readonly bool[] _flat;

    private DarknetGraphBuilder(DarknetNetwork net, DarknetWeights weights, DarknetImportOptions options)
    {
        _net = net;
        _weights = weights;
        _options = options;
        _values = new string?[net.Layers.Count];
        _flat = new bool[net.Layers.Count];
    }

    /// <summary>Builds the model; takes ownership of the weight tensors it uses.</summary>
    public static Model Build(DarknetNetwork net, DarknetWeights weights, DarknetImportOptions options, string source) =>
        Build(net, weights, options, source, out _);

    /// <summary>Builds the model and reports each layer's output value (null for detection layers), for per-layer comparisons.</summary>
    public static Model Build(DarknetNetwork net, DarknetWeights weights, DarknetImportOptions options, string source, out string?[] layerValues)
    {
        var b = new DarknetGraphBuilder(net, weights, options);
        var model = new Model(b._g) { Source = source, ProducerName = "bramble-darknet" };
        model.Opsets[""] = Opset;
        try
        {
            b.Lower(model);
            GraphValidator.ValidateAndSort(b._g);
            layerValues = b._values;
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    private void Lower(Model model)
    {
        _g.Name = Path.GetFileNameWithoutExtension(_net.Cfg.FileName);
        _g.Inputs.Add(ValueInfo.Of(InputName, DataType.Float32, 1, _net.Channels, _net.Height, _net.Width));
        var heads = new List<DetectionHead>();
        foreach (var layer in _net.Layers)
        {
            int nodesBefore = _g.Nodes.Count;
            string name = LayerName(layer);
            string? value = layer.Kind switch
            {
                DarknetLayerKind.Convolutional => Convolutional(layer, name),
                DarknetLayerKind.Connected => Connected(layer, name),
                DarknetLayerKind.MaxPool => MaxPool(layer, name),
                DarknetLayerKind.AvgPool => Emit("GlobalAveragePool", [Input4D(layer, name)], name),
                DarknetLayerKind.Route => Route(layer, name),
                DarknetLayerKind.Shortcut => Shortcut(layer, name),
                DarknetLayerKind.Upsample => Upsample(layer, name),
                DarknetLayerKind.Reorg => Reorg(layer, name),
                DarknetLayerKind.Softmax => Softmax(layer, name),
                DarknetLayerKind.Crop => Crop(layer, name),
                DarknetLayerKind.BatchNorm => BatchNorm(layer, Input4D(layer, name), name),
                DarknetLayerKind.Activation => Activate(Input(layer), layer.Activation, name),
                DarknetLayerKind.Dropout or DarknetLayerKind.Cost => Input(layer),
                DarknetLayerKind.Yolo or DarknetLayerKind.Region => Head(layer, heads),
                _ => throw new UnsupportedOperatorException($"{layer.Section.Where}: {layer.Section.Type} cannot be lowered"),
            };
            // The layer's last node writes the value named after the layer (unless the layer added no nodes).
            if (value != null && _g.Nodes.Count > nodesBefore && value != name)
            {
                var last = _g.Nodes[^1];
                if (last.Outputs[0] == value) { last.Outputs[0] = name; value = name; }
            }
            _values[layer.Index] = value;
            _flat[layer.Index] = layer.OutFlat;
        }
        AddOutputs(heads);
        if (heads.Count > 0)
            new DetectionMetadata { NetWidth = _net.Width, NetHeight = _net.Height, Heads = heads }.WriteTo(model);
        model.MetadataProps["bramble.source_format"] = "darknet";
    }

    private void AddOutputs(List<DetectionHead> heads)
    {
        foreach (var h in heads)
        {
            if (_g.Outputs.Exists(o => o.Name == h.Output)) continue;
            _g.Outputs.Add(ValueInfo.Of(h.Output, DataType.Float32, 1, h.Channels, h.GridHeight, h.GridWidth));
        }
        // Like Darknet's get_network_output: the last layer that is not a [cost] layer is the network output.
        DarknetLayer? last = null;
        for (int i = _net.Layers.Count - 1; i >= 0 && last == null; i--)
            if (_net.Layers[i].Kind != DarknetLayerKind.Cost) last = _net.Layers[i];
        if (last == null || last.Head != null) return;
        string value = _values[last.Index]!;
        if (value == InputName || _g.Outputs.Exists(o => o.Name == value)) return;
        _g.Outputs.Add(last.OutFlat
            ? ValueInfo.Of(value, DataType.Float32, 1, last.Outputs)
            : ValueInfo.Of(value, DataType.Float32, 1, last.OutC, last.OutH, last.OutW));
    }

    private static string LayerName(DarknetLayer l) => l.Kind switch
    {
        DarknetLayerKind.Convolutional => "conv",
        DarknetLayerKind.Connected => "fc",
        DarknetLayerKind.MaxPool => "maxpool",
        DarknetLayerKind.AvgPool => "avgpool",
        DarknetLayerKind.BatchNorm => "batchnorm",
        _ => l.Kind.ToString().ToLowerInvariant(),
    } + "_" + l.Index;

    // ---- values -------------------------------------------------------------------------------------

    private string ValueOf(DarknetLayer reader, int index)
    {
        if (index < 0) return InputName;
        return _values[index] ?? throw new UnsupportedOperatorException(
            $"{reader.Section.Where}: {reader.Section.Type} reads the output of {_net.Layers[index].Describe()}, a detection layer; only its raw input is available");
    }

    private bool IsFlat(int index) => index >= 0 && _flat[index];

    /// <summary>The previous layer's value as Darknet's layer input (any rank).</summary>
    private string Input(DarknetLayer l) => ValueOf(l, l.Index - 1);

    /// <summary>The previous layer's value as a [1, C, H, W] map (a flat vector becomes [1, N, 1, 1], as Darknet reads it).</summary>
    private string Input4D(DarknetLayer l, string name) => As4D(l, l.Index - 1, name, l.InC, l.InH, l.InW);

    private string As4D(DarknetLayer reader, int index, string name, int c, int h, int w)
    {
        string v = ValueOf(reader, index);
        return IsFlat(index) ? Emit("Reshape", [v, Int64Const(name + ".shape4d", [1, c, h, w])], name + ".in4d") : v;
    }

    // ---- node and constant helpers ------------------------------------------------------------------------

    private string Emit(string op, string[] inputs, string output, params Attr[] attributes)
    {
        var node = new Node(op, inputs, [output], output);
        foreach (var a in attributes) node.With(a);
        _g.Nodes.Add(node);
        return output;
    }

    private string Initializer(string name, Tensor t)
    {
        _g.Initializers[name] = t;
        return name;
    }

    private string FloatConst(string name, params float[] values) =>
        Initializer(name, Tensor.FromArray(values, values.Length == 1 ? [] : [values.Length]));

    private string Int64Const(string name, long[] values) => Initializer(name, Tensor.FromArray(values, values.Length));

    private string Weight(DarknetLayer l, string array, string name) => Initializer(name, _weights.Take(l.Index, array));
}
