using Bramble.Graph;
using Bramble.Ops.Nn;
using Bramble.Tensors;

namespace Bramble.Compression.Decomposition;

/// <summary>What kind of layer a decomposition candidate is.</summary>
public enum LayerKind
{
    /// <summary>2-D Conv, one group, constant float weights.</summary>
    Conv,
    /// <summary>Gemm with a constant 2-D weight and no transposed input (a fully connected layer).</summary>
    FullyConnected,
}

/// <summary>
/// A layer a decomposition may replace, with its resolved geometry and its weights as a d×K matrix
/// (d outputs; K = c·kh·kw for convolutions, inputs for FC layers) in double precision.
/// </summary>
public sealed class LayerInfo
{
    public required Node Node { get; init; }
    public required LayerKind Kind { get; init; }

    /// <summary>Output channels / features d.</summary>
    public required int Outputs { get; init; }

    /// <summary>Input channels c (conv) or input features (FC).</summary>
    public required int Inputs { get; init; }

    public int KernelH { get; init; } = 1;
    public int KernelW { get; init; } = 1;
    public int StrideH { get; init; } = 1;
    public int StrideW { get; init; } = 1;
    public int DilationH { get; init; } = 1;
    public int DilationW { get; init; } = 1;
    public int PadTop { get; init; }
    public int PadLeft { get; init; }
    public int PadBottom { get; init; }
    public int PadRight { get; init; }

    /// <summary>Spatial size of the input and output (1×1 for FC); batch is the leading dimension of the input.</summary>
    public int Batch { get; init; } = 1;
    public int InH { get; init; } = 1;
    public int InW { get; init; } = 1;
    public int OutH { get; init; } = 1;
    public int OutW { get; init; } = 1;

    /// <summary>Weights, d × K, row f = filter f flattened as (c, kh, kw).</summary>
    public required Compression.LinearAlgebra.DenseMatrix Weights { get; init; }

    /// <summary>Bias per output (zeros when the layer has none); FC layers fold beta·C here when C is a vector.</summary>
    public required double[] Bias { get; init; }

    /// <summary>The single Relu reading this layer's output, when there is one (the nonlinear PCA target).</summary>
    public Node? FollowingRelu { get; init; }

    public string Name => Node.DisplayName;
    public string Output => Node.Outputs[0];
    public int PatchSize => Inputs * KernelH * KernelW;
    public long OutputPositions => (long)Batch * OutH * OutW;
    public long InputPositions => (long)Batch * InH * InW;

    /// <summary>Multiply-accumulates of the layer as it is.</summary>
    public long Macs => OutputPositions * Outputs * PatchSize;

    public string Geometry => Kind == LayerKind.Conv
        ? $"{Inputs}→{Outputs} {KernelH}x{KernelW}" + (StrideH > 1 || StrideW > 1 ? $"/s{StrideH}" : "")
        : $"{Inputs}→{Outputs} fc";

    /// <summary>The same layer (weights shared) as computed by <paramref name="node"/> at batch <paramref name="batch"/>: for timing probes.</summary>
    public LayerInfo Rebound(Node node, int batch) => new()
    {
        Node = node, Kind = Kind, Outputs = Outputs, Inputs = Inputs, KernelH = KernelH, KernelW = KernelW,
        StrideH = StrideH, StrideW = StrideW, DilationH = DilationH, DilationW = DilationW,
        PadTop = PadTop, PadLeft = PadLeft, PadBottom = PadBottom, PadRight = PadRight,
        Batch = batch, InH = InH, InW = InW, OutH = OutH, OutW = OutW, Weights = Weights, Bias = Bias,
    };

    /// <summary>The layers in <paramref name="model"/> that decompositions can rewrite, in graph order.</summary>
    /// <param name="model">The model to search.</param>
    /// <param name="shapes">Value shapes from a plan of the model (every conv input must be known).</param>
    public static List<LayerInfo> Find(Model model, IReadOnlyDictionary<string, int[]> shapes)
    {
        var graph = model.Graph;
        var consumers = graph.ConsumerMap();
        var layers = new List<LayerInfo>();
        foreach (var node in graph.Nodes)
        {
            if (node.Domain.Length != 0 || node.Outputs.Count != 1) continue;
            var layer = node.OpType switch
            {
                "Conv" => TryConv(graph, node, shapes, consumers),
                "Gemm" => TryGemm(graph, node, shapes),
                _ => null,
            };
            if (layer != null) layers.Add(layer);
        }
        return layers;
    }

    private static Tensor? Constant(Bramble.Graph.Graph graph, string name) =>
        Passes.GraphQueries.Constant(graph, name) is { Type: DataType.Float32 } t ? t : null;

    private static Node? SingleRelu(Bramble.Graph.Graph graph, Node node, Dictionary<string, List<Node>> consumers) =>
        consumers.TryGetValue(node.Outputs[0], out var list) && list.Count == 1 && list[0].OpType == "Relu" && list[0].Domain.Length == 0
            && graph.Outputs.All(o => o.Name != node.Outputs[0]) ? list[0] : null;

    private static LayerInfo? TryConv(Bramble.Graph.Graph graph, Node node, IReadOnlyDictionary<string, int[]> shapes, Dictionary<string, List<Node>> consumers)
    {
        var w = Constant(graph, node.InputOrEmpty(1));
        if (w == null || w.Rank != 4 || !shapes.TryGetValue(node.Inputs[0], out var x) || x.Length != 4) return null;
        string biasName = node.InputOrEmpty(2);
        var b = biasName.Length > 0 ? Constant(graph, biasName) : null;
        if (biasName.Length > 0 && b == null) return null;
        var p = ConvGeometry.Resolve(node, x, w.Shape, b?.Shape);
        if (p.Group != 1) return null;
        var win = p.Window;
        int d = w.Shape[0], k = (int)(w.Length / d);
        var weights = new Compression.LinearAlgebra.DenseMatrix(d, k);
        var src = w.AsReadOnlySpan<float>();
        for (int i = 0; i < weights.Data.Length; i++) weights.Data[i] = src[i];
        var bias = new double[d];
        if (b != null)
        {
            var bs = b.AsReadOnlySpan<float>();
            for (int i = 0; i < d; i++) bias[i] = bs[i];
        }
        return new LayerInfo
        {
            Node = node, Kind = LayerKind.Conv, Outputs = d, Inputs = p.InChannels,
            KernelH = win.Kernel[1], KernelW = win.Kernel[2], StrideH = win.Stride[1], StrideW = win.Stride[2],
            DilationH = win.Dilation[1], DilationW = win.Dilation[2],
            PadTop = win.PadBegin[1], PadLeft = win.PadBegin[2], PadBottom = win.PadEnd[1], PadRight = win.PadEnd[2],
            Batch = p.Batch, InH = win.Input[1], InW = win.Input[2], OutH = win.Output[1], OutW = win.Output[2],
            Weights = weights, Bias = bias, FollowingRelu = SingleRelu(graph, node, consumers),
        };
    }

    private static LayerInfo? TryGemm(Bramble.Graph.Graph graph, Node node, IReadOnlyDictionary<string, int[]> shapes)
    {
        if (node.GetInt("transA", 0) != 0 || !shapes.TryGetValue(node.Inputs[0], out var a) || a.Length != 2) return null;
        var w = Constant(graph, node.InputOrEmpty(1));
        if (w == null || w.Rank != 2) return null;
        bool transB = node.GetInt("transB", 0) != 0;
        int n = transB ? w.Shape[0] : w.Shape[1], k = transB ? w.Shape[1] : w.Shape[0];
        double alpha = node.GetFloat("alpha", 1f), beta = node.GetFloat("beta", 1f);
        var bias = new double[n];
        string cName = node.InputOrEmpty(2);
        if (cName.Length > 0)
        {
            // Only a per-output bias (shape [N] or [1, N]) can move to the second layer unchanged.
            var c = Constant(graph, cName);
            if (c == null || c.Length != n || (c.Rank == 2 && c.Shape[0] != 1)) return null;
            var cs = c.AsReadOnlySpan<float>();
            for (int i = 0; i < n; i++) bias[i] = beta * cs[i];
        }
        var weights = new Compression.LinearAlgebra.DenseMatrix(n, k);
        var src = w.AsReadOnlySpan<float>();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < k; j++) weights[i, j] = alpha * (transB ? src[i * k + j] : src[j * n + i]);
        return new LayerInfo
        {
            Node = node, Kind = LayerKind.FullyConnected, Outputs = n, Inputs = k, Batch = a[0],
            Weights = weights, Bias = bias,
        };
    }
}
