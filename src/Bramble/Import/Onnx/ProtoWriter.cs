using System.Buffers;
using System.Text;

namespace Bramble.Import.Onnx;

/// <summary>
/// Writes protobuf wire format to a stream, or only counts the bytes it would write (stream = null).
/// A nested message is first counted (to write its length prefix) and then written, so large tensor
/// bytes go from the tensor's memory to the stream directly, never through a message buffer.
/// </summary>
internal sealed class ProtoWriter
{
    private readonly Stream? _stream;

    public ProtoWriter(Stream? stream) => _stream = stream;

    /// <summary>Bytes written (or counted) so far.</summary>
    public long Count { get; private set; }

    public void Raw(ReadOnlySpan<byte> bytes)
    {
        Count += bytes.Length;
        _stream?.Write(bytes);
    }

    public void Varint(ulong value)
    {
        if (_stream == null)
        {
            Count += VarintSize(value);
            return;
        }
        Span<byte> b = stackalloc byte[10];
        int n = 0;
        while (value >= 0x80)
        {
            b[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        b[n++] = (byte)value;
        Raw(b[..n]);
    }

    public static int VarintSize(ulong value)
    {
        int n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }
        return n;
    }

    public void Tag(int field, WireType type) => Varint((ulong)field << 3 | (uint)type);

    /// <summary>An int64/int32/enum field; negative values take 10 bytes, as protobuf specifies.</summary>
    public void Int64(int field, long value)
    {
        Tag(field, WireType.Varint);
        Varint((ulong)value);
    }

    public void Float(int field, float value)
    {
        Tag(field, WireType.Fixed32);
        Span<byte> b = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(b, value);
        Raw(b);
    }

    public void String(int field, string value)
    {
        Tag(field, WireType.Len);
        int length = Encoding.UTF8.GetByteCount(value);
        Varint((ulong)length);
        if (_stream == null)
        {
            Count += length;
            return;
        }
        byte[] rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encoding.UTF8.GetBytes(value, rented);
            Raw(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>A string field that proto2 serializers omit when empty.</summary>
    public void OptionalString(int field, string? value)
    {
        if (!string.IsNullOrEmpty(value)) String(field, value);
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireType.Len);
        Varint((ulong)value.Length);
        if (_stream == null) Count += value.Length;
        else Raw(value);
    }

    /// <summary>A length-delimited sub-message written by <paramref name="body"/>.</summary>
    public void Message<T>(int field, T state, Action<ProtoWriter, T> body)
    {
        var counter = new ProtoWriter(null);
        body(counter, state);
        Tag(field, WireType.Len);
        Varint((ulong)counter.Count);
        if (_stream == null)
        {
            Count += counter.Count;
            return;
        }
        long before = Count;
        body(this, state);
        if (Count - before != counter.Count)
            throw new InvalidOperationException($"protobuf writer: message {field} counted {counter.Count} bytes but wrote {Count - before}");
    }
}
