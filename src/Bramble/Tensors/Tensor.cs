using System.Runtime.InteropServices;
using System.Text;

namespace Bramble.Tensors;

/// <summary>
/// A dense, row-major N-d tensor over native memory. A tensor either owns a 64-byte aligned
/// <see cref="NativeBuffer"/> or is a view into memory owned elsewhere (a slice of a session's arena,
/// a memory-mapped model file); <see cref="Dispose"/> frees only what it owns.
/// </summary>
public sealed unsafe class Tensor : IDisposable
{
    private NativeBuffer? _owned;
    // Keeps the owner of viewed memory alive (a mapped file, a parent tensor).
    private readonly object? _keepAlive;
    private byte* _data;

    private Tensor(DataType type, int[] shape, byte* data, NativeBuffer? owned, object? keepAlive)
    {
        Type = type;
        Shape = shape;
        Length = ShapeUtil.ElementCount(shape);
        _data = data;
        _owned = owned;
        _keepAlive = keepAlive;
    }

    public DataType Type { get; }

    /// <summary>Dimensions, outermost first. Treat as read-only.</summary>
    public int[] Shape { get; private set; }

    public int Rank => Shape.Length;

    /// <summary>Number of elements.</summary>
    public long Length { get; private set; }

    public long ByteLength => Length * Type.Size();

    /// <summary>Start of the data. Valid while this tensor (or its owner) is alive.</summary>
    public byte* Data
    {
        get
        {
            if (_owned != null) return _owned.Pointer;
            ObjectDisposedException.ThrowIf(_data == null && Length > 0, this);
            return _data;
        }
    }

    public bool OwnsMemory => _owned != null;

    /// <summary>False for a tensor whose data was freed or never stored (shape and type only).</summary>
    public bool HasData => _owned != null || _data != null || Length == 0;

    /// <summary>Points a view at other memory of the same size (the session re-binds views of user inputs each run).</summary>
    internal void RebindView(byte* data)
    {
        if (_owned != null) throw new InvalidOperationException("cannot rebind a tensor that owns its memory");
        _data = data;
    }

    /// <summary>A new zeroed tensor that owns aligned memory.</summary>
    public static Tensor Allocate(DataType type, params int[] shape)
    {
        if (type.Size() == 0) throw new UnsupportedOperatorException($"tensors of type {type.Name()} are not supported");
        long bytes = ShapeUtil.ElementCount(shape) * type.Size();
        var buffer = new NativeBuffer(bytes);
        return new Tensor(type, (int[])shape.Clone(), buffer.Pointer, buffer, null);
    }

    public static Tensor Allocate<T>(params int[] shape) where T : unmanaged => Allocate(DataTypeExtensions.Of<T>(), shape);

    /// <summary>A tensor viewing memory it does not own; <paramref name="keepAlive"/> keeps that memory's owner reachable.</summary>
    public static Tensor View(DataType type, int[] shape, byte* data, object? keepAlive)
        => new(type, shape, data, null, keepAlive);

    /// <summary>A new owning tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromSpan<T>(ReadOnlySpan<T> data, params int[] shape) where T : unmanaged
    {
        var t = Allocate<T>(shape);
        if (data.Length != t.Length)
            throw new ShapeException($"{data.Length} values do not fill shape {ShapeUtil.Format(shape)}");
        data.CopyTo(t.AsSpan<T>());
        return t;
    }

    public static Tensor FromArray<T>(T[] data, params int[] shape) where T : unmanaged => FromSpan<T>(data, shape);

    public static Tensor Scalar<T>(T value) where T : unmanaged => FromSpan<T>([value]);

    public Span<T> AsSpan<T>() where T : unmanaged
    {
        if (sizeof(T) != Type.Size() && !(typeof(T) == typeof(byte)))
            throw new InvalidOperationException($"cannot view a {Type.Name()} tensor as {typeof(T).Name}");
        long count = typeof(T) == typeof(byte) ? ByteLength : Length;
        return new Span<T>(Data, checked((int)count));
    }

    public ReadOnlySpan<T> AsReadOnlySpan<T>() where T : unmanaged => AsSpan<T>();

    public T[] ToArray<T>() where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>A view with the same data and another shape of equal element count.</summary>
    public Tensor Reshaped(params int[] shape)
    {
        if (ShapeUtil.ElementCount(shape) != Length)
            throw new ShapeException($"cannot reshape {ShapeUtil.Format(Shape)} to {ShapeUtil.Format(shape)}");
        return new Tensor(Type, (int[])shape.Clone(), Data, null, this);
    }

    /// <summary>A deep copy that owns its memory.</summary>
    public Tensor Clone()
    {
        var copy = Allocate(Type, Shape);
        new ReadOnlySpan<byte>(Data, checked((int)ByteLength)).CopyTo(copy.AsSpan<byte>());
        return copy;
    }

    /// <summary>Copies the elements of <paramref name="source"/> (same type and element count) into this tensor.</summary>
    public void CopyFrom(Tensor source)
    {
        if (source.Type != Type || source.Length != Length)
            throw new ShapeException($"cannot copy {source.Type.Name()}{ShapeUtil.Format(source.Shape)} into {Type.Name()}{ShapeUtil.Format(Shape)}");
        Buffer.MemoryCopy(source.Data, Data, ByteLength, ByteLength);
    }

    /// <summary>Reads element <paramref name="index"/> (flat) converted to double; for tests, folding and printing.</summary>
    public double GetDouble(long index) => Type switch
    {
        DataType.Float32 => ((float*)Data)[index],
        DataType.Float64 => ((double*)Data)[index],
        DataType.UInt8 => Data[index],
        DataType.Int8 => ((sbyte*)Data)[index],
        DataType.Int16 => ((short*)Data)[index],
        DataType.UInt16 => ((ushort*)Data)[index],
        DataType.Int32 => ((int*)Data)[index],
        DataType.UInt32 => ((uint*)Data)[index],
        DataType.Int64 => ((long*)Data)[index],
        DataType.UInt64 => ((ulong*)Data)[index],
        DataType.Bool => Data[index] != 0 ? 1 : 0,
        DataType.Float16 => (double)((Half*)Data)[index],
        _ => throw new UnsupportedOperatorException($"cannot read elements of type {Type.Name()}"),
    };

    /// <summary>Reads element <paramref name="index"/> of an integer tensor as int64 (shape tensors, indices).</summary>
    public long GetInt64(long index) => Type switch
    {
        DataType.Int64 => ((long*)Data)[index],
        DataType.Int32 => ((int*)Data)[index],
        DataType.Int8 => ((sbyte*)Data)[index],
        DataType.UInt8 or DataType.Bool => Data[index],
        DataType.Int16 => ((short*)Data)[index],
        DataType.UInt16 => ((ushort*)Data)[index],
        DataType.UInt32 => ((uint*)Data)[index],
        DataType.UInt64 => (long)((ulong*)Data)[index],
        _ => (long)GetDouble(index),
    };

    /// <summary>All elements of an integer tensor as int64.</summary>
    public long[] ToInt64Array()
    {
        var result = new long[Length];
        for (long i = 0; i < Length; i++) result[i] = GetInt64(i);
        return result;
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append(Type.Name()).Append(ShapeUtil.Format(Shape));
        if (Length <= 8)
        {
            sb.Append(" {");
            for (long i = 0; i < Length; i++) sb.Append(i == 0 ? "" : ", ").Append(GetDouble(i));
            sb.Append('}');
        }
        return sb.ToString();
    }

    public void Dispose()
    {
        _owned?.Dispose();
        _owned = null;
        _data = null;
    }
}
