using Bramble.Graph;
using Bramble.Tensors;
using A = Bramble.Import.Onnx.OnnxFields.Attribute;
using GraphIR = Bramble.Graph.Graph;

namespace Bramble.Import.Onnx;

internal sealed partial class OnnxGraphParser
{
    /// <summary>
    /// Reads an AttributeProto. Files from before IR version 2 have no type field; then the type follows
    /// from the value field that is present. Sparse tensors are densified; TypeProto values are not
    /// representable in <see cref="Graph.Attribute"/> and are dropped (only the attribute's kind is kept).
    /// </summary>
    private Graph.Attribute ParseAttribute(WireType type)
    {
        string outer = _r.Context;
        long old = _r.EnterMessage(type, "attribute");
        string name = "", s = "";
        string? refName = null;
        int declared = 0;
        float f = 0;
        long i = 0;
        bool hasF = false, hasI = false, hasS = false, hasTp = false;
        Tensor? tensor = null;
        GraphIR? graph = null;
        AttributeType sparseKind = AttributeType.Undefined;
        var floats = new List<float>();
        var ints = new List<long>();
        var strings = new List<string>();
        var tensors = new List<Tensor>();
        var graphs = new List<GraphIR>();
        int typeProtos = 0;
        while (_r.NextField(out int field, out var t))
        {
            switch (field)
            {
                case A.Name:
                    name = _r.ReadString(t, "name");
                    _r.Context = $"attribute '{name}' of {outer}";
                    break;
                case A.RefAttrName: refName = _r.ReadString(t, "ref_attr_name"); break;
                case A.Type: declared = (int)ReadVarintField(t, "type"); break;
                case A.F:
                    _r.Expect(t, WireType.Fixed32, "f");
                    f = _r.ReadFloat("f");
                    hasF = true;
                    break;
                case A.I: i = ReadVarintField(t, "i"); hasI = true; break;
                case A.S: s = _r.ReadString(t, "s"); hasS = true; break;
                case A.T: tensor = Track(_tensors.ParseMessage(t, "t", out _)); break;
                case A.G: graph = ParseGraph(t, "g"); break;
                case A.SparseTensor:
                    tensor = Track(ParseSparseTensor(t, "sparse_tensor", out _));
                    sparseKind = AttributeType.SparseTensor;
                    break;
                case A.Floats: _r.ReadFloats(t, floats, "floats"); break;
                case A.Ints: _r.ReadInt64s(t, ints, "ints"); break;
                case A.Strings: strings.Add(_r.ReadString(t, "strings")); break;
                case A.Tensors: tensors.Add(Track(_tensors.ParseMessage(t, "tensors", out _))); break;
                case A.Graphs: graphs.Add(ParseGraph(t, "graphs")); break;
                case A.SparseTensors:
                    tensors.Add(Track(ParseSparseTensor(t, "sparse_tensors", out _)));
                    sparseKind = AttributeType.SparseTensors;
                    break;
                case A.Tp: hasTp = true; _r.Skip(t, field); break;
                case A.TypeProtos: typeProtos++; _r.Skip(t, field); break;
                default: _r.Skip(t, field); break;
            }
        }
        _r.PopLimit(old);
        _r.Context = outer;

        var kind = (AttributeType)declared;
        if (kind == AttributeType.Undefined)
        {
            kind = sparseKind != AttributeType.Undefined ? sparseKind
                : tensor != null ? AttributeType.Tensor
                : graph != null ? AttributeType.Graph
                : floats.Count > 0 ? AttributeType.Floats
                : ints.Count > 0 ? AttributeType.Ints
                : strings.Count > 0 ? AttributeType.Strings
                : tensors.Count > 0 ? AttributeType.Tensors
                : graphs.Count > 0 ? AttributeType.Graphs
                : hasTp ? AttributeType.TypeProto
                : typeProtos > 0 ? AttributeType.TypeProtos
                : hasS ? AttributeType.String
                : hasI ? AttributeType.Int
                : hasF ? AttributeType.Float
                : AttributeType.Undefined;
        }
        return new Graph.Attribute(name, kind)
        {
            Float = f,
            Int = i,
            String = s,
            Tensor = tensor,
            Graph = graph,
            Floats = floats.ToArray(),
            Ints = ints.ToArray(),
            Strings = strings.ToArray(),
            Tensors = tensors.ToArray(),
            Graphs = graphs.ToArray(),
            RefAttrName = refName,
        };
    }

    /// <summary>
    /// Reads a SparseTensorProto and returns it as a dense tensor (Bramble's kernels are dense). Its name
    /// is the name of its values tensor, as ONNX specifies.
    /// </summary>
    private Tensor ParseSparseTensor(WireType type, string field, out string name)
    {
        string outer = _r.Context;
        long old = _r.EnterMessage(type, field);
        name = "";
        Tensor? values = null, indices = null;
        var dims = new List<long>();
        try
        {
            while (_r.NextField(out int f, out var t))
            {
                switch (f)
                {
                    case OnnxFields.SparseTensor.Values:
                        values?.Dispose();
                        values = _tensors.ParseMessage(t, "values", out name);
                        _r.Context = $"sparse tensor '{name}'";
                        break;
                    case OnnxFields.SparseTensor.Indices:
                        indices?.Dispose();
                        indices = _tensors.ParseMessage(t, "indices", out _);
                        break;
                    case OnnxFields.SparseTensor.Dims: _r.ReadInt64s(t, dims, "dims"); break;
                    default: _r.Skip(t, f); break;
                }
            }
            _r.PopLimit(old);
            var dense = Densify(values, indices, dims, $"sparse tensor '{name}'");
            _r.Context = outer;
            return dense;
        }
        finally
        {
            values?.Dispose();
            indices?.Dispose();
        }
    }

    private unsafe Tensor Densify(Tensor? values, Tensor? indices, List<long> dims, string what)
    {
        if (values == null) throw _r.Invalid($"{what} has no values");
        var shape = new int[dims.Count];
        long total = 1;
        for (int d = 0; d < dims.Count; d++)
        {
            if (dims[d] < 0 || dims[d] > int.MaxValue) throw _r.Invalid($"{what} has invalid dimension {dims[d]}");
            shape[d] = (int)dims[d];
            total = Math.Min(total * dims[d], (long)int.MaxValue + 1);
        }
        if (total > int.MaxValue / values.Type.Size())
            throw _r.Invalid($"{what} with shape {ShapeUtil.Format(shape)} is larger than 2 GiB, which Bramble does not support");
        long nnz = values.Length;
        if (values.Rank != 1) throw _r.Invalid($"{what} has values of shape {ShapeUtil.Format(values.Shape)}, expected one dimension");
        bool linear = indices != null && indices.Rank == 1 && indices.Shape[0] == nnz;
        bool coordinates = indices != null && indices.Rank == 2 && indices.Shape[0] == nnz && indices.Shape[1] == shape.Length;
        if (nnz > 0 && !linear && !coordinates)
            throw _r.Invalid($"{what} has indices of shape {(indices == null ? "(none)" : ShapeUtil.Format(indices.Shape))} for {nnz} values of rank {shape.Length}");

        var dense = Tensor.Allocate(values.Type, shape);
        int size = values.Type.Size();
        var strides = ShapeUtil.Strides(shape);
        for (long k = 0; k < nnz; k++)
        {
            long offset = 0;
            if (linear)
            {
                offset = indices!.GetInt64(k);
                if (offset < 0 || offset >= total) { dense.Dispose(); throw _r.Invalid($"{what} has index {offset} outside its {total} elements"); }
            }
            else
            {
                for (int d = 0; d < shape.Length; d++)
                {
                    long ix = indices!.GetInt64(k * shape.Length + d);
                    if (ix < 0 || ix >= shape[d]) { dense.Dispose(); throw _r.Invalid($"{what} has index {ix} outside dimension {d} of size {shape[d]}"); }
                    offset += ix * strides[d];
                }
            }
            Buffer.MemoryCopy(values.Data + k * size, dense.Data + offset * size, size, size);
        }
        return dense;
    }
}
