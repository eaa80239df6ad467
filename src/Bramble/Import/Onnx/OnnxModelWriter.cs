using Bramble.Graph;
using Bramble.Tensors;
using GraphIR = Bramble.Graph.Graph;

namespace Bramble.Import.Onnx;

/// <summary>Emits Bramble's IR as ONNX protobuf messages, fields in field-number order like protobuf's own serializers.</summary>
internal sealed class OnnxModelWriter
{
    /// <summary>Where external tensors were placed in the sidecar file.</summary>
    private readonly Dictionary<Tensor, (string Location, long Offset)> _external;

    /// <summary>Whether initializers that are smaller sparse are written as sparse_initializer.</summary>
    private readonly bool _sparse;

    public OnnxModelWriter(Dictionary<Tensor, (string Location, long Offset)> external, bool sparseInitializers = false)
    {
        _external = external;
        _sparse = sparseInitializers;
    }

    public void Model(ProtoWriter w, Model m)
    {
        w.Int64(OnnxFields.Model.IrVersion, m.IrVersion);
        w.OptionalString(OnnxFields.Model.ProducerName, m.ProducerName);
        w.OptionalString(OnnxFields.Model.ProducerVersion, m.ProducerVersion);
        w.OptionalString(OnnxFields.Model.Domain, m.Domain);
        if (m.ModelVersion != 0) w.Int64(OnnxFields.Model.ModelVersion, m.ModelVersion);
        w.OptionalString(OnnxFields.Model.DocString, m.DocString);
        w.Message(OnnxFields.Model.Graph, m.Graph, Graph);
        foreach (var (domain, version) in m.Opsets)
            w.Message(OnnxFields.Model.OpsetImport, (domain, version), static (w, o) =>
            {
                w.String(OnnxFields.OperatorSetId.Domain, o.domain);
                w.Int64(OnnxFields.OperatorSetId.Version, o.version);
            });
        foreach (var (key, value) in m.MetadataProps)
            w.Message(OnnxFields.Model.MetadataProps, (key, value), StringPair);
        foreach (var (field, bytes) in OnnxOpaque.ModelFieldsOf(m)) w.Bytes(field, bytes);
    }

    private static void StringPair(ProtoWriter w, (string Key, string Value) e)
    {
        w.OptionalString(OnnxFields.StringStringEntry.Key, e.Key);
        w.OptionalString(OnnxFields.StringStringEntry.Value, e.Value);
    }

    private void Graph(ProtoWriter w, GraphIR g)
    {
        foreach (var node in g.Nodes) w.Message(OnnxFields.Graph.Node, node, Node);
        w.OptionalString(OnnxFields.Graph.Name, g.Name);
        foreach (var (name, tensor) in g.Initializers)
            if (!WriteSparse(tensor)) w.Message(OnnxFields.Graph.Initializer, (tensor, name), Tensor);
        w.OptionalString(OnnxFields.Graph.DocString, g.DocString);
        foreach (var vi in g.Inputs) w.Message(OnnxFields.Graph.Input, vi, ValueInfo);
        foreach (var vi in g.Outputs) w.Message(OnnxFields.Graph.Output, vi, ValueInfo);
        foreach (var vi in g.ValueInfos.Values) w.Message(OnnxFields.Graph.ValueInfo, vi, ValueInfo);
        foreach (var (name, tensor) in g.Initializers)
            if (WriteSparse(tensor)) w.Message(OnnxFields.Graph.SparseInitializer, (tensor, name), SparseTensor);
    }

    private void Node(ProtoWriter w, Node n)
    {
        foreach (var i in n.Inputs) w.String(OnnxFields.Node.Input, i);
        foreach (var o in n.Outputs) w.String(OnnxFields.Node.Output, o);
        w.OptionalString(OnnxFields.Node.Name, n.Name);
        w.String(OnnxFields.Node.OpType, n.OpType);
        foreach (var a in n.Attributes.Values) w.Message(OnnxFields.Node.Attribute, a, Attribute);
        w.OptionalString(OnnxFields.Node.DocString, n.DocString);
        w.OptionalString(OnnxFields.Node.Domain, n.Domain);
    }

    private void Attribute(ProtoWriter w, Graph.Attribute a)
    {
        w.String(OnnxFields.Attribute.Name, a.Name);
        // A reference to a function attribute carries no value of its own.
        bool hasValue = a.RefAttrName == null;
        switch (hasValue ? a.Type : AttributeType.Undefined)
        {
            case AttributeType.Float: w.Float(OnnxFields.Attribute.F, a.Float); break;
            case AttributeType.Int: w.Int64(OnnxFields.Attribute.I, a.Int); break;
            case AttributeType.String: w.String(OnnxFields.Attribute.S, a.String); break;
            case AttributeType.Tensor when a.Tensor != null:
                w.Message(OnnxFields.Attribute.T, (a.Tensor, OnnxOpaque.TensorName(a.Tensor)), Tensor);
                break;
            case AttributeType.Graph when a.Graph != null: w.Message(OnnxFields.Attribute.G, a.Graph, Graph); break;
            case AttributeType.Floats: foreach (float f in a.Floats) w.Float(OnnxFields.Attribute.Floats, f); break;
            case AttributeType.Ints: foreach (long i in a.Ints) w.Int64(OnnxFields.Attribute.Ints, i); break;
            case AttributeType.Strings: foreach (var s in a.Strings) w.String(OnnxFields.Attribute.Strings, s); break;
            case AttributeType.Tensors:
                foreach (var t in a.Tensors) w.Message(OnnxFields.Attribute.Tensors, (t, OnnxOpaque.TensorName(t)), Tensor);
                break;
            case AttributeType.Graphs: foreach (var g in a.Graphs) w.Message(OnnxFields.Attribute.Graphs, g, Graph); break;
            case AttributeType.TypeProto:
                foreach (var tp in OnnxOpaque.AttributeTypeProtos(a)) w.Bytes(OnnxFields.Attribute.Tp, tp);
                break;
            case AttributeType.TypeProtos:
                foreach (var tp in OnnxOpaque.AttributeTypeProtos(a)) w.Bytes(OnnxFields.Attribute.TypeProtos, tp);
                break;
        }
        w.Int64(OnnxFields.Attribute.Type, (long)a.Type);
        if (a.RefAttrName != null) w.String(OnnxFields.Attribute.RefAttrName, a.RefAttrName);
        if (!hasValue) return;
        if (a.Type == AttributeType.SparseTensor && a.Tensor != null)
            w.Message(OnnxFields.Attribute.SparseTensor, (a.Tensor, ""), SparseTensor);
        if (a.Type == AttributeType.SparseTensors)
            foreach (var t in a.Tensors) w.Message(OnnxFields.Attribute.SparseTensors, (t, ""), SparseTensor);
    }

    private void ValueInfo(ProtoWriter w, ValueInfo vi)
    {
        w.String(OnnxFields.ValueInfo.Name, vi.Name);
        if (OnnxOpaque.ValueType(vi) is byte[] typeProto) w.Bytes(OnnxFields.ValueInfo.Type, typeProto);
        else if (vi.Type != DataType.Undefined || vi.Shape != null)
            w.Message(OnnxFields.ValueInfo.Type, vi, static (w, v) =>
                w.Message(OnnxFields.TypeProto.TensorType, v, static (w, v) =>
                {
                    if (v.Type != DataType.Undefined) w.Int64(OnnxFields.TypeTensor.ElemType, (long)v.Type);
                    if (v.Shape != null) w.Message(OnnxFields.TypeTensor.Shape, v.Shape, Shape);
                }));
        w.OptionalString(OnnxFields.ValueInfo.DocString, vi.DocString);
    }

    private static void Shape(ProtoWriter w, Dim[] dims)
    {
        foreach (var d in dims)
            w.Message(OnnxFields.TensorShape.Dim, d, static (w, d) =>
            {
                if (d.IsFixed) w.Int64(OnnxFields.Dimension.DimValue, d.Value);
                else if (d.Param != null) w.String(OnnxFields.Dimension.DimParam, d.Param);
            });
    }

    /// <summary>A TensorProto: raw_data for every numeric type, or external data when placed in the sidecar.</summary>
    public void Tensor(ProtoWriter w, (Tensor Tensor, string Name) named)
    {
        var t = named.Tensor;
        foreach (int d in t.Shape) w.Int64(OnnxFields.Tensor.Dims, d);
        w.Int64(OnnxFields.Tensor.DataType, (long)t.Type);
        w.OptionalString(OnnxFields.Tensor.Name, named.Name);
        if (_external.TryGetValue(t, out var place))
        {
            w.Message(OnnxFields.Tensor.ExternalData, ("location", place.Location), StringPair);
            w.Message(OnnxFields.Tensor.ExternalData, ("offset", place.Offset.ToString()), StringPair);
            w.Message(OnnxFields.Tensor.ExternalData, ("length", t.ByteLength.ToString()), StringPair);
            w.Int64(OnnxFields.Tensor.DataLocation, OnnxFields.Tensor.LocationExternal);
            return;
        }
        w.Bytes(OnnxFields.Tensor.RawData, LittleEndianBytes(t));
    }

    /// <summary>The tensor's bytes in ONNX's little-endian order (a swapped copy only on big-endian CPUs).</summary>
    public static ReadOnlySpan<byte> LittleEndianBytes(Tensor t)
    {
        var bytes = t.AsSpan<byte>();
        if (BitConverter.IsLittleEndian) return bytes;
        var copy = bytes.ToArray();
        OnnxDataTypes.ToNativeEndian(copy, t.Type.Size());
        return copy;
    }

    /// <summary>True when <paramref name="t"/> goes to sparse_initializer: asked for, inline, and smaller that way.</summary>
    private bool WriteSparse(Tensor t)
    {
        if (!_sparse || _external.ContainsKey(t) || t.Length == 0 || t.Type.Size() == 0) return false;
        int size = t.Type.Size();
        var bytes = t.AsSpan<byte>();
        long nonZero = 0;
        for (long i = 0; i < t.Length; i++)
            if (bytes.Slice((int)(i * size), size).IndexOfAnyExcept((byte)0) >= 0) nonZero++;
        // Each kept element costs its value plus an int64 linear index (the only index type ONNX allows).
        return nonZero * (size + 8L) < t.Length * (long)size;
    }

    /// <summary>
    /// A dense tensor written back as a SparseTensorProto of its non-zero elements (linear indices); the
    /// values tensor carries the name, as ONNX specifies for sparse initializers.
    /// </summary>
    private void SparseTensor(ProtoWriter w, (Tensor Tensor, string Name) named)
    {
        var dense = named.Tensor;
        int size = dense.Type.Size();
        var bytes = dense.AsSpan<byte>();
        var nonZero = new List<long>();
        for (long i = 0; i < dense.Length; i++)
            if (bytes.Slice((int)(i * size), size).IndexOfAnyExcept((byte)0) >= 0) nonZero.Add(i);
        using var values = Tensors.Tensor.Allocate(dense.Type, nonZero.Count);
        var valueBytes = values.AsSpan<byte>();
        for (int k = 0; k < nonZero.Count; k++)
            bytes.Slice((int)(nonZero[k] * size), size).CopyTo(valueBytes.Slice(k * size, size));
        using var indices = Tensors.Tensor.FromArray(nonZero.ToArray(), nonZero.Count);
        w.Message(OnnxFields.SparseTensor.Values, (values, named.Name), Tensor);
        w.Message(OnnxFields.SparseTensor.Indices, (indices, ""), Tensor);
        foreach (int d in dense.Shape) w.Int64(OnnxFields.SparseTensor.Dims, d);
    }
}
