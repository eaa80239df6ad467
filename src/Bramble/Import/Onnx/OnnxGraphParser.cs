using Bramble.Graph;
using Bramble.Tensors;
using GraphIR = Bramble.Graph.Graph;

namespace Bramble.Import.Onnx;

/// <summary>
/// Maps ModelProto / GraphProto / NodeProto / ValueInfoProto onto Bramble's IR. Everything except tensor
/// data is small and is materialised directly; tensors go through <see cref="OnnxTensorParser"/>.
/// Unknown fields (training info, model-local functions, quantization annotations) are skipped.
/// </summary>
internal sealed partial class OnnxGraphParser
{
    private readonly WireReader _r;
    private readonly OnnxTensorParser _tensors;
    // Every tensor made so far, so that a failed load frees them all instead of leaving them to finalizers.
    private readonly List<Tensor> _created = new();

    public OnnxGraphParser(WireReader reader, ExternalDataFiles external)
    {
        _r = reader;
        _tensors = new OnnxTensorParser(reader, external);
    }

    /// <summary>Parses a whole ModelProto; frees every tensor it made if it fails.</summary>
    public Model ParseModel()
    {
        try
        {
            return ParseModelBody();
        }
        catch
        {
            foreach (var t in _created) t.Dispose();
            throw;
        }
    }

    private Model ParseModelBody()
    {
        F_Model m = default;
        GraphIR? graph = null;
        var opsets = new List<KeyValuePair<string, long>>();
        var metadata = new List<KeyValuePair<string, string>>();
        while (_r.NextField(out int field, out var type))
        {
            _r.Context = "the model";
            switch (field)
            {
                case OnnxFields.Model.IrVersion: m.IrVersion = ReadVarintField(type, "ir_version"); break;
                case OnnxFields.Model.ProducerName: m.ProducerName = _r.ReadString(type, "producer_name"); break;
                case OnnxFields.Model.ProducerVersion: m.ProducerVersion = _r.ReadString(type, "producer_version"); break;
                case OnnxFields.Model.Domain: m.Domain = _r.ReadString(type, "domain"); break;
                case OnnxFields.Model.ModelVersion: m.ModelVersion = ReadVarintField(type, "model_version"); break;
                case OnnxFields.Model.DocString: m.DocString = _r.ReadString(type, "doc_string"); break;
                case OnnxFields.Model.Graph:
                    if (graph != null) throw _r.NotValid($"a second graph at offset {_r.TagOffset}");
                    graph = ParseGraph(type, "graph");
                    break;
                case OnnxFields.Model.OpsetImport: opsets.Add(ParseOpset(type)); break;
                case OnnxFields.Model.MetadataProps:
                    var (key, value) = OnnxEntries.ReadStringPair(_r, type, "metadata_props");
                    metadata.Add(new(key, value));
                    break;
                default: _r.Skip(type, field); break;
            }
        }
        if (graph == null) throw _r.NotValid("it has no graph");

        var model = new Model(graph)
        {
            IrVersion = m.IrVersion,
            ProducerName = m.ProducerName ?? "",
            ProducerVersion = m.ProducerVersion ?? "",
            Domain = m.Domain ?? "",
            ModelVersion = m.ModelVersion,
            DocString = m.DocString ?? "",
            Source = _r.SourceName,
        };
        model.Opsets.Clear();
        foreach (var (domain, version) in opsets) model.Opsets[domain] = version;
        foreach (var (key, value) in metadata) model.MetadataProps[key] = value;
        return model;
    }

    private struct F_Model
    {
        public long IrVersion, ModelVersion;
        public string? ProducerName, ProducerVersion, Domain, DocString;
    }

    private long ReadVarintField(WireType type, string field)
    {
        _r.Expect(type, WireType.Varint, field);
        return _r.ReadInt64(field);
    }

    private KeyValuePair<string, long> ParseOpset(WireType type)
    {
        long old = _r.EnterMessage(type, "opset_import");
        string domain = "";
        long version = 0;
        while (_r.NextField(out int f, out var t))
        {
            switch (f)
            {
                case OnnxFields.OperatorSetId.Domain: domain = _r.ReadString(t, "domain"); break;
                case OnnxFields.OperatorSetId.Version: version = ReadVarintField(t, "version"); break;
                default: _r.Skip(t, f); break;
            }
        }
        _r.PopLimit(old);
        // "ai.onnx" and "" name the same default domain; Bramble keys it as "".
        return new(domain == "ai.onnx" ? "" : domain, version);
    }

    private GraphIR ParseGraph(WireType type, string field)
    {
        string outer = _r.Context;
        long old = _r.EnterMessage(type, field);
        var g = new GraphIR { Name = "" };
        int nodeIndex = 0, initIndex = 0;
        while (_r.NextField(out int f, out var t))
        {
            _r.Context = g.Name.Length > 0 ? $"graph '{g.Name}'" : "a graph";
            switch (f)
            {
                case OnnxFields.Graph.Node: g.Nodes.Add(ParseNode(t, nodeIndex++)); break;
                case OnnxFields.Graph.Name: g.Name = _r.ReadString(t, "name"); break;
                case OnnxFields.Graph.Initializer:
                    _r.Context = $"initializer #{initIndex++} of {_r.Context}";
                    AddInitializer(g, _tensors.ParseMessage(t, "initializer", out string name), name);
                    break;
                case OnnxFields.Graph.SparseInitializer:
                    _r.Context = $"sparse initializer #{initIndex++} of {_r.Context}";
                    AddInitializer(g, ParseSparseTensor(t, "sparse_initializer", out string sparseName), sparseName);
                    break;
                case OnnxFields.Graph.DocString: g.DocString = _r.ReadString(t, "doc_string"); break;
                case OnnxFields.Graph.Input: g.Inputs.Add(ParseValueInfo(t, "input")); break;
                case OnnxFields.Graph.Output: g.Outputs.Add(ParseValueInfo(t, "output")); break;
                case OnnxFields.Graph.ValueInfo:
                    var vi = ParseValueInfo(t, "value_info");
                    g.ValueInfos[vi.Name] = vi;
                    break;
                default: _r.Skip(t, f); break;
            }
        }
        _r.PopLimit(old);
        _r.Context = outer;
        return g;
    }

    private Tensor Track(Tensor t)
    {
        _created.Add(t);
        return t;
    }

    private void AddInitializer(GraphIR g, Tensor tensor, string name)
    {
        Track(tensor);
        if (name.Length == 0) throw _r.Invalid($"{_r.Context} has no name");
        if (!g.Initializers.TryAdd(name, tensor))
            throw _r.Invalid($"initializer '{name}' appears twice in graph '{g.Name}'");
    }

    private Node ParseNode(WireType type, int index)
    {
        string outer = _r.Context;
        long old = _r.EnterMessage(type, "node");
        _r.Context = $"node #{index} of {outer}";
        var inputs = new List<string>();
        var outputs = new List<string>();
        var attributes = new List<Graph.Attribute>();
        string name = "", opType = "", domain = "", doc = "";
        while (_r.NextField(out int f, out var t))
        {
            switch (f)
            {
                case OnnxFields.Node.Input: inputs.Add(_r.ReadString(t, "input")); break;
                case OnnxFields.Node.Output: outputs.Add(_r.ReadString(t, "output")); break;
                case OnnxFields.Node.Name:
                    name = _r.ReadString(t, "name");
                    _r.Context = $"node '{name}'";
                    break;
                case OnnxFields.Node.OpType: opType = _r.ReadString(t, "op_type"); break;
                case OnnxFields.Node.Domain: domain = _r.ReadString(t, "domain"); break;
                case OnnxFields.Node.Attribute:
                    string nodeContext = _r.Context;
                    attributes.Add(ParseAttribute(t));
                    _r.Context = nodeContext;
                    break;
                case OnnxFields.Node.DocString: doc = _r.ReadString(t, "doc_string"); break;
                default: _r.Skip(t, f); break;
            }
        }
        _r.PopLimit(old);
        _r.Context = outer;
        var node = new Node(opType, inputs, outputs, name, domain) { DocString = doc };
        foreach (var a in attributes) node.Attributes[a.Name] = a;
        return node;
    }

    private ValueInfo ParseValueInfo(WireType type, string field)
    {
        long old = _r.EnterMessage(type, field);
        string name = "", doc = "";
        int elemType = 0;
        Dim[]? shape = null;
        while (_r.NextField(out int f, out var t))
        {
            switch (f)
            {
                case OnnxFields.ValueInfo.Name: name = _r.ReadString(t, "name"); break;
                case OnnxFields.ValueInfo.Type: ParseType(t, ref elemType, ref shape); break;
                case OnnxFields.ValueInfo.DocString: doc = _r.ReadString(t, "doc_string"); break;
                default: _r.Skip(t, f); break;
            }
        }
        _r.PopLimit(old);
        // Element codes Bramble cannot compute with (bfloat16, float8…) are kept as their raw code so a
        // save writes them back unchanged; operators reject them when they meet them.
        return new ValueInfo(name, (DataType)elemType, shape) { DocString = doc };
    }

    /// <summary>
    /// Reads a TypeProto. Only tensor types map onto <see cref="ValueInfo"/>; sequence, map and optional
    /// types leave the type undefined and the shape unknown.
    /// </summary>
    private void ParseType(WireType type, ref int elemType, ref Dim[]? shape)
    {
        long old = _r.EnterMessage(type, "type");
        while (_r.NextField(out int f, out var t))
        {
            if (f != OnnxFields.TypeProto.TensorType)
            {
                _r.Skip(t, f);
                continue;
            }
            long inner = _r.EnterMessage(t, "tensor_type");
            while (_r.NextField(out int tf, out var tt))
            {
                switch (tf)
                {
                    case OnnxFields.TypeTensor.ElemType: elemType = (int)ReadVarintField(tt, "elem_type"); break;
                    case OnnxFields.TypeTensor.Shape: shape = ParseShape(tt); break;
                    default: _r.Skip(tt, tf); break;
                }
            }
            _r.PopLimit(inner);
        }
        _r.PopLimit(old);
    }

    private Dim[] ParseShape(WireType type)
    {
        long old = _r.EnterMessage(type, "shape");
        var dims = new List<Dim>();
        while (_r.NextField(out int f, out var t))
        {
            if (f != OnnxFields.TensorShape.Dim)
            {
                _r.Skip(t, f);
                continue;
            }
            long inner = _r.EnterMessage(t, "dim");
            var dim = Dim.Symbolic(null);
            while (_r.NextField(out int df, out var dt))
            {
                switch (df)
                {
                    case OnnxFields.Dimension.DimValue: dim = Dim.Fixed(ReadVarintField(dt, "dim_value")); break;
                    case OnnxFields.Dimension.DimParam: dim = Dim.Symbolic(_r.ReadString(dt, "dim_param")); break;
                    default: _r.Skip(dt, df); break;
                }
            }
            _r.PopLimit(inner);
            dims.Add(dim);
        }
        _r.PopLimit(old);
        return dims.ToArray();
    }
}
