using Bramble.Tensors;
using F = Bramble.Import.Onnx.OnnxFields.Tensor;

namespace Bramble.Import.Onnx;

/// <summary>
/// Reads TensorProto messages in two passes over the message bytes: the first collects the name, type,
/// dims and where the data is (counting typed values without storing them); the second allocates the
/// tensor once and copies or decodes the data straight into its native buffer. So a weight is never held
/// in managed memory, and a wrong size is reported before anything large is allocated.
/// </summary>
internal sealed unsafe class OnnxTensorParser
{
    private readonly WireReader _r;
    private readonly ExternalDataFiles _external;

    public OnnxTensorParser(WireReader reader, ExternalDataFiles external)
    {
        _r = reader;
        _external = external;
    }

    /// <summary>Reads a length-delimited TensorProto field.</summary>
    public Tensor ParseMessage(WireType type, string field, out string name)
    {
        string context = _r.Context;
        long old = _r.EnterMessage(type, field);
        var tensor = ParseBody(out name);
        _r.PopLimit(old);
        _r.Context = context;
        return tensor;
    }

    /// <summary>Reads a TensorProto that spans from the current position to the current limit.</summary>
    public Tensor ParseBody(out string name)
    {
        long start = _r.Position;
        var layout = ScanLayout();
        name = layout.Name;
        var tensor = Materialize(layout, start);
        _r.Seek(_r.Limit);
        return tensor;
    }

    private sealed class Layout
    {
        public string Name = "";
        public readonly List<long> Dims = new();
        public int DataType;
        public bool Segmented;
        public long RawOffset = -1, RawLength;
        public long FloatCount, Int32Count, Int64Count, DoubleCount, UInt64Count, StringCount;
        public bool External;
        public string? Location;
        public long ExternalOffset, ExternalLength = -1;
        public string? BadExternalNumber;
    }

    private Layout ScanLayout()
    {
        var t = new Layout();
        if (_r.Context.Length == 0) _r.Context = "a tensor";
        bool first = true;
        while (_r.NextField(out int field, out var type))
        {
            // As for models: a TensorProto starts with one of its known fields, anything else is not one.
            if (first && field > F.DataLocation) throw _r.NotValid($"it starts with unknown field {field} (wire type {(int)type})");
            first = false;
            switch (field)
            {
                case F.Dims: _r.ReadInt64s(type, t.Dims, "dims"); break;
                case F.DataType: _r.Expect(type, WireType.Varint, "data_type"); t.DataType = _r.ReadInt32("data_type"); break;
                case F.Segment: t.Segmented = true; _r.Skip(type, field); break;
                case F.FloatData: t.FloatCount += CountFixed(type, 4, "float_data"); break;
                case F.Int32Data: t.Int32Count += CountVarints(type, "int32_data"); break;
                case F.StringData: t.StringCount++; _r.Skip(type, field); break;
                case F.Int64Data: t.Int64Count += CountVarints(type, "int64_data"); break;
                case F.Name:
                    t.Name = _r.ReadString(type, "name");
                    _r.Context = $"tensor '{t.Name}'";
                    break;
                case F.RawData:
                    _r.Expect(type, WireType.Len, "raw_data");
                    t.RawLength = _r.ReadLength("raw_data");
                    t.RawOffset = _r.Position;
                    _r.Advance(t.RawLength, "raw_data");
                    break;
                case F.DoubleData: t.DoubleCount += CountFixed(type, 8, "double_data"); break;
                case F.UInt64Data: t.UInt64Count += CountVarints(type, "uint64_data"); break;
                case F.ExternalData: ReadExternalEntry(type, t); break;
                case F.DataLocation:
                    _r.Expect(type, WireType.Varint, "data_location");
                    t.External = _r.ReadInt32("data_location") == F.LocationExternal;
                    break;
                default: _r.Skip(type, field); break;
            }
        }
        return t;
    }

    private long CountFixed(WireType type, int size, string field)
    {
        if (type == (size == 4 ? WireType.Fixed32 : WireType.Fixed64))
        {
            _r.Advance(size, field);
            return 1;
        }
        _r.Expect(type, WireType.Len, field);
        long length = _r.ReadLength(field);
        if (length % size != 0)
            throw _r.NotValid($"packed field '{field}' of {_r.Context} at offset {_r.Position} is {length} bytes, not a multiple of {size}");
        _r.Advance(length, field);
        return length / size;
    }

    private long CountVarints(WireType type, string field)
    {
        if (type == WireType.Varint)
        {
            _r.ReadVarint($"field '{field}'");
            return 1;
        }
        _r.Expect(type, WireType.Len, field);
        return _r.CountVarints(_r.ReadLength(field), field);
    }

    private void ReadExternalEntry(WireType type, Layout t)
    {
        var (key, value) = OnnxEntries.ReadStringPair(_r, type, "external_data");
        switch (key)
        {
            case "location": t.Location = value; break;
            case "offset":
                if (!long.TryParse(value, out t.ExternalOffset) || t.ExternalOffset < 0) t.BadExternalNumber = $"offset '{value}'";
                break;
            case "length":
                if (!long.TryParse(value, out t.ExternalLength) || t.ExternalLength < 0) t.BadExternalNumber = $"length '{value}'";
                break;
        }
    }

    private Tensor Materialize(Layout t, long messageStart)
    {
        string what = t.Name.Length > 0 ? $"tensor '{t.Name}'" : "an unnamed tensor";
        if (!OnnxDataTypes.IsDense(t.DataType))
        {
            if (t.DataType == 0) throw _r.Invalid($"{what} has no data_type");
            throw new UnsupportedOperatorException(
                $"{_r.SourceName}: {what} has type {OnnxDataTypes.Name(t.DataType)}, which Bramble does not support");
        }
        if (t.Segmented) throw _r.Invalid($"{what} has a segment field: segmented tensors (or a SequenceProto read as a tensor) are not supported");
        var type = (DataType)t.DataType;
        int[] shape = CheckedShape(t.Dims, what, out long count);
        // Tensor spans are int-indexed; Pi-class models are far below this.
        if (count > int.MaxValue / type.Size())
            throw _r.Invalid($"{what} with shape {ShapeUtil.Format(shape)} is larger than 2 GiB, which Bramble does not support");
        long bytes = count * type.Size();
        string shapeText = $"{ShapeUtil.Format(shape)} of {type.Name()}";

        if (t.External)
        {
            if (t.BadExternalNumber != null) throw _r.Invalid($"{what} has an invalid external data {t.BadExternalNumber}");
            if (string.IsNullOrEmpty(t.Location)) throw _r.Invalid($"{what} is marked as external data but names no location");
            return _external.Read(t.Name, t.Location, t.ExternalOffset, t.ExternalLength, type, shape, bytes);
        }

        if (t.RawOffset >= 0)
        {
            if (t.RawLength != bytes)
                throw _r.Invalid($"{what} has {t.RawLength} bytes of raw_data, but its shape {shapeText} needs {bytes}");
            var tensor = Tensor.Allocate(type, shape);
            try
            {
                _r.Seek(t.RawOffset);
                var span = tensor.AsSpan<byte>();
                _r.ReadInto(span, "raw_data");
                OnnxDataTypes.ToNativeEndian(span, type.Size());
                return tensor;
            }
            catch
            {
                tensor.Dispose();
                throw;
            }
        }

        var (field, available) = TypedField(type, t);
        if (available != count)
        {
            if (t.StringCount > 0 && available == 0)
                throw _r.Invalid($"{what} of type {type.Name()} holds string_data");
            throw _r.Invalid($"{what} has {available} values in {FieldName(field)}, but its shape {shapeText} needs {count}");
        }
        var result = Tensor.Allocate(type, shape);
        if (count == 0) return result;
        try
        {
            _r.Seek(messageStart);
            long index = 0;
            while (_r.NextField(out int f, out var wire))
            {
                if (f == field) index = DecodeTyped(wire, field, result, index);
                else _r.Skip(wire, f);
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Dims as an int shape and the element count; counts above 2^31 saturate (they are rejected anyway).</summary>
    private int[] CheckedShape(List<long> dims, string what, out long count)
    {
        var shape = new int[dims.Count];
        count = 1;
        for (int i = 0; i < dims.Count; i++)
        {
            long d = dims[i];
            if (d < 0 || d > int.MaxValue) throw _r.Invalid($"{what} has invalid dimension {d}");
            shape[i] = (int)d;
            count = Math.Min(count * d, (long)int.MaxValue + 1);
        }
        return shape;
    }

    private static (int Field, long Count) TypedField(DataType type, Layout t) => type switch
    {
        DataType.Float32 => (F.FloatData, t.FloatCount),
        DataType.Float64 => (F.DoubleData, t.DoubleCount),
        DataType.Int64 => (F.Int64Data, t.Int64Count),
        DataType.UInt32 or DataType.UInt64 => (F.UInt64Data, t.UInt64Count),
        _ => (F.Int32Data, t.Int32Count),
    };

    private static string FieldName(int field) => field switch
    {
        F.FloatData => "float_data",
        F.DoubleData => "double_data",
        F.Int64Data => "int64_data",
        F.UInt64Data => "uint64_data",
        _ => "int32_data",
    };

    /// <summary>Decodes one occurrence of the typed data field (packed or not) into <paramref name="t"/> from element <paramref name="index"/>.</summary>
    private long DecodeTyped(WireType wire, int field, Tensor t, long index)
    {
        string name = FieldName(field);
        if (wire != WireType.Len)
        {
            Store(t, index, field, name);
            return index + 1;
        }
        long length = _r.ReadLength(name);
        if (field is F.FloatData or F.DoubleData)
        {
            // Packed fixed-width little-endian values: the same bytes as the tensor's, so copy directly.
            var span = t.AsSpan<byte>().Slice(checked((int)(index * t.Type.Size())), checked((int)length));
            _r.ReadInto(span, name);
            OnnxDataTypes.ToNativeEndian(span, t.Type.Size());
            return index + length / t.Type.Size();
        }
        long old = _r.PushLimit(length);
        while (_r.Position < _r.Limit) Store(t, index++, field, name);
        _r.PopLimit(old);
        return index;
    }

    private void Store(Tensor t, long index, int field, string name)
    {
        if (index >= t.Length) throw _r.Invalid($"{_r.Context} has more values in {name} than its shape holds");
        byte* p = t.Data;
        switch (field)
        {
            case F.FloatData: ((float*)p)[index] = _r.ReadFloat(name); return;
            case F.DoubleData: ((double*)p)[index] = _r.ReadDouble(name); return;
            case F.Int64Data: ((long*)p)[index] = _r.ReadInt64(name); return;
        }
        ulong v = _r.ReadVarint($"field '{name}'");
        switch (t.Type)
        {
            case DataType.UInt64: ((ulong*)p)[index] = v; break;
            case DataType.UInt32: ((uint*)p)[index] = (uint)v; break;
            case DataType.Int32: ((int*)p)[index] = (int)v; break;
            case DataType.Int16: ((short*)p)[index] = (short)v; break;
            case DataType.UInt16 or DataType.Float16: ((ushort*)p)[index] = (ushort)v; break;
            case DataType.Int8: ((sbyte*)p)[index] = (sbyte)v; break;
            case DataType.UInt8: p[index] = (byte)v; break;
            case DataType.Bool: p[index] = v != 0 ? (byte)1 : (byte)0; break;
        }
    }
}
