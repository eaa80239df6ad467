using Bramble.Graph;
using Bramble.Tensors;
using Bramble.Training.Gradients;

namespace Bramble.Training.Autodiff;

/// <summary>
/// An inference graph made trainable: one <see cref="GradientOp"/> per node in topological order (the
/// tape), float32 weights copied out of the initializers into <see cref="Parameter"/>s, and state (BN
/// running statistics) kept beside them. <see cref="ExportModel"/> writes the current weights back into
/// a standard ONNX graph, so a trained network is the same graph it started as, with new numbers.
/// </summary>
public sealed class TrainingGraph
{
    private readonly Graph.Graph _graph;
    private readonly Dictionary<string, TValue> _values = new();
    private readonly List<GradientOp> _ops = new();
    private readonly List<Parameter> _parameters = new();
    private readonly Dictionary<string, TValue> _state = new();
    private readonly TValue _input, _output;

    public TrainingGraph(Graph.Graph graph)
    {
        _graph = graph;
        GraphValidator.ValidateAndSort(graph);
        var realInputs = graph.RealInputs.ToList();
        if (realInputs.Count != 1) throw new GraphValidationException($"training needs a graph with one input, found {realInputs.Count}");
        if (graph.Outputs.Count < 1) throw new GraphValidationException("training needs a graph output (the logits)");
        InputInfo = realInputs[0];
        if (InputInfo.Type != DataType.Float32) throw new GraphValidationException($"training input '{InputInfo.Name}' must be float32");
        SampleShape = InputInfo.Shape is { Length: > 1 } dims && dims.Skip(1).All(d => d.IsFixed)
            ? dims.Skip(1).Select(d => (int)d.Value).ToArray()
            : throw new GraphValidationException($"training input '{InputInfo.Name}' needs fixed dimensions after the batch, got {InputInfo.ShapeText}");
        _input = Value(InputInfo.Name);

        var nonTrainable = new HashSet<string>();
        foreach (var node in graph.Nodes)
            for (int i = 0; i < node.Inputs.Count; i++)
                if (GradientRegistry.IsNonTrainableInput(node, i)) nonTrainable.Add(node.Inputs[i]);

        foreach (var (name, tensor) in graph.Initializers)
        {
            var v = Value(name);
            if (tensor.Type == DataType.Float32)
            {
                float[] data = tensor.ToArray<float>();
                if (nonTrainable.Contains(name))
                {
                    v.Bind(data, (int[])tensor.Shape.Clone());
                    _state[name] = v;
                }
                else
                {
                    var p = new Parameter(v, data, (int[])tensor.Shape.Clone());
                    _parameters.Add(p);
                    v.NeedsGrad = true;
                    v.Bind(data, p.Shape);
                }
            }
            else if (tensor.Type is DataType.Int64 or DataType.Int32)
                v.Ints = tensor.ToInt64Array();
            else throw new UnsupportedOperatorException($"training: initializer '{name}' has unsupported type {tensor.Type.Name()}");
        }

        foreach (var node in graph.Nodes)
        {
            var inputs = node.Inputs.Select(n => n.Length == 0 ? null! : Value(n)).ToArray();
            var outputs = node.Outputs.Select(n => Value(n.Length == 0 ? graph.UniqueName("unused") : n)).ToArray();
            _ops.Add(GradientRegistry.Create(node, inputs, outputs));
        }
        _output = Value(graph.Outputs[0].Name);
        RefreshGradientFlow();
    }

    private TValue Value(string name)
    {
        if (!_values.TryGetValue(name, out var v)) _values[name] = v = new TValue(name);
        return v;
    }

    public ValueInfo InputInfo { get; }

    /// <summary>One sample's dimensions (the input's shape without the batch).</summary>
    public int[] SampleShape { get; }

    public IReadOnlyList<Parameter> Parameters => _parameters;
    public IReadOnlyList<GradientOp> Ops => _ops;
    public TValue Output => _output;
    public TValue Input => _input;

    /// <summary>The parameter named <paramref name="name"/> (an initializer name).</summary>
    public Parameter Parameter(string name) => _parameters.FirstOrDefault(p => p.Name == name)
        ?? throw new BrambleException($"training graph has no parameter '{name}'");

    /// <summary>Multiply-accumulates of the last forward pass.</summary>
    public long ForwardMacs => _ops.Sum(o => o.ForwardMacs);

    /// <summary>Also compute d(loss)/d(input) (gradient checks, saliency); call <see cref="RefreshGradientFlow"/> after changing it.</summary>
    public bool InputRequiresGradient { get; set; }

    /// <summary>Recomputes which values need gradients after parameters were frozen or unfrozen.</summary>
    public void RefreshGradientFlow()
    {
        foreach (var v in _values.Values) v.NeedsGrad = false;
        _input.NeedsGrad = InputRequiresGradient;
        foreach (var p in _parameters) p.Value.NeedsGrad = p.Trainable;
        foreach (var op in _ops)
        {
            bool any = false;
            foreach (var i in op.Inputs) any |= i is { NeedsGrad: true };
            foreach (var o in op.Outputs) o.NeedsGrad = any;
        }
    }

    /// <summary>Runs the network on <paramref name="batch"/> samples laid out as [batch, SampleShape...].</summary>
    public TValue Forward(ReadOnlySpan<float> samples, int batch, TrainContext ctx)
    {
        int[] shape = [batch, .. SampleShape];
        _input.Resize(shape);
        if (samples.Length != _input.Length) throw new ShapeException($"training: {samples.Length} input values for shape {ShapeUtil.Format(shape)}");
        samples.CopyTo(_input.Data);
        foreach (var p in _parameters) p.PrepareForward();
        var profile = ctx.Profile;
        for (int i = 0; i < _ops.Count; i++)
        {
            long start = profile != null ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            _ops[i].Forward(ctx);
            profile?.Add(i, backward: false, start);
        }
        return _output;
    }

    /// <summary>Back-propagates d(loss)/d(output) (same shape as the output) through the tape.</summary>
    public void Backward(ReadOnlySpan<float> outputGrad, TrainContext ctx)
    {
        if (!_output.NeedsGrad) throw new BrambleException("training: nothing to train (every parameter is frozen)");
        foreach (var v in _values.Values) if (v.NeedsGrad) v.ZeroGrad();
        if (outputGrad.Length != _output.Length) throw new ShapeException($"training: {outputGrad.Length} output gradients for {ShapeUtil.Format(_output.Shape)}");
        outputGrad.CopyTo(_output.Grad);
        for (int i = _ops.Count - 1; i >= 0; i--)
        {
            var op = _ops[i];
            bool needed = false;
            foreach (var o in op.Outputs) needed |= o.NeedsGrad;
            if (!needed) continue;
            long start = ctx.Profile != null ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            op.Backward(ctx);
            ctx.Profile?.Add(i, backward: true, start);
        }
        foreach (var p in _parameters) p.FinishBackward();
    }

    /// <summary>
    /// The graph with the current weights (effective ones, i.e. quantised or binarised when a transform
    /// is set) and running statistics as new initializers: standard ONNX, ready for OnnxWriter.
    /// </summary>
    public Model ExportModel(string? docString = null)
    {
        var g = new Graph.Graph { Name = _graph.Name, DocString = docString ?? _graph.DocString };
        foreach (var n in _graph.Nodes)
        {
            var copy = new Node(n.OpType, n.Inputs, n.Outputs, n.Name, n.Domain);
            foreach (var (k, a) in n.Attributes) copy.Attributes[k] = a;
            g.Nodes.Add(copy);
        }
        foreach (var (name, tensor) in _graph.Initializers)
        {
            var v = _values[name];
            g.Initializers[name] = tensor.Type == DataType.Float32 ? Tensor.FromArray(v.Data, tensor.Shape) : tensor.Clone();
        }
        foreach (var i in _graph.Inputs) g.Inputs.Add(new ValueInfo(i.Name, i.Type, i.Shape?.ToArray()));
        foreach (var o in _graph.Outputs) g.Outputs.Add(new ValueInfo(o.Name, o.Type, o.Shape?.ToArray()));
        var model = new Model(g) { ProducerName = "bramble-train" };
        model.Opsets[""] = 17;
        return model;
    }
}
