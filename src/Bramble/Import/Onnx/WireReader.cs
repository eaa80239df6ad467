using System.Text;

namespace Bramble.Import.Onnx;

/// <summary>Protobuf wire types (groups are obsolete and rejected).</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    Len = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

/// <summary>
/// A cursor over protobuf wire format with a small read buffer and a stack of message end limits.
/// Every length is checked against the end of the enclosing message (and so the file) before anything
/// is allocated, so a corrupt length can never cause a large allocation. Errors are one-line
/// <see cref="ModelFormatException"/>s naming the file, the field, the thing being read and the offset.
/// </summary>
internal sealed class WireReader
{
    private const int BufferSize = 64 * 1024;
    // Models nest graphs in attributes (If/Loop/Scan); real ones are a few levels deep. The cap keeps a
    // crafted file from overflowing the stack.
    private const int MaxDepth = 200;

    private readonly ProtoSource _source;
    private readonly string _sourceName;
    private readonly string _kind;
    private readonly byte[] _buffer = new byte[BufferSize];
    private long _bufferStart;
    private int _bufferLength;
    private int _bufferPos;
    private long _limit;
    private int _depth;
    private long _tagOffset;

    /// <param name="source">The bytes.</param>
    /// <param name="sourceName">The file name used in error messages.</param>
    /// <param name="kind">What the file should be, for "is not …" errors ("an ONNX model").</param>
    public WireReader(ProtoSource source, string sourceName, string kind)
    {
        _source = source;
        _sourceName = sourceName;
        _kind = kind;
        _limit = source.Length;
    }

    /// <summary>What is being read, for error messages: "graph 'main'", "tensor 'conv1.weight'".</summary>
    public string Context { get; set; } = "the model";

    public string SourceName => _sourceName;
    public long Position => _bufferStart + _bufferPos;
    public long Limit => _limit;
    public long SourceLength => _source.Length;
    public ProtoSource Source => _source;

    /// <summary>Offset of the last tag read, for messages about the field it introduced.</summary>
    public long TagOffset => _tagOffset;

    public ModelFormatException NotValid(string detail) => new($"{_sourceName} is not {_kind}: {detail}");
    public ModelFormatException Truncated(string detail) => new($"{_sourceName} is truncated: {detail}");
    public ModelFormatException Invalid(string detail) => new($"{_sourceName}: {detail}");

    /// <summary>Reads the next tag of the current message; false at its end.</summary>
    public bool NextField(out int field, out WireType type)
    {
        field = 0;
        type = WireType.Varint;
        if (Position >= _limit) return false;
        _tagOffset = Position;
        ulong tag = ReadVarint("a field tag");
        int wire = (int)(tag & 7);
        ulong number = tag >> 3;
        if (wire is 6 or 7) throw NotValid($"invalid wire type {wire} at offset {_tagOffset}");
        if (wire is 3 or 4) throw NotValid($"unsupported group wire type {wire} at offset {_tagOffset}");
        if (number == 0 || number > 536_870_911) throw NotValid($"invalid field number {number} at offset {_tagOffset}");
        field = (int)number;
        type = (WireType)wire;
        return true;
    }

    /// <summary>Throws unless the field has the wire type its declaration implies.</summary>
    public void Expect(WireType actual, WireType expected, string field)
    {
        if (actual != expected)
            throw NotValid($"field '{field}' of {Context} has wire type {(int)actual} at offset {_tagOffset}, expected {(int)expected}");
    }

    public ulong ReadVarint(string what)
    {
        // Fast path: the whole varint (at most 10 bytes) is in the buffer and inside the limit.
        if (_bufferLength - _bufferPos >= 10 && _limit - Position >= 10)
        {
            ulong value = 0;
            for (int shift = 0, i = 0; i < 10; i++, shift += 7)
            {
                byte b = _buffer[_bufferPos + i];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    if (i == 9 && b > 1) break;
                    _bufferPos += i + 1;
                    return value;
                }
            }
            throw NotValid($"malformed varint in {what} at offset {Position} of {Context}");
        }
        return ReadVarintSlow(what);
    }

    private ulong ReadVarintSlow(string what)
    {
        long start = Position;
        ulong value = 0;
        for (int shift = 0, i = 0; i < 10; i++, shift += 7)
        {
            byte b = ReadByte(what);
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                if (i == 9 && b > 1) break;
                return value;
            }
        }
        throw NotValid($"malformed varint in {what} at offset {start} of {Context}");
    }

    public long ReadInt64(string field) => (long)ReadVarint($"field '{field}'");

    public int ReadInt32(string field) => (int)(long)ReadVarint($"field '{field}'");

    public uint ReadFixed32(string what)
    {
        uint v = ReadByte(what);
        v |= (uint)ReadByte(what) << 8;
        v |= (uint)ReadByte(what) << 16;
        v |= (uint)ReadByte(what) << 24;
        return v;
    }

    public ulong ReadFixed64(string what)
    {
        ulong lo = ReadFixed32(what);
        ulong hi = ReadFixed32(what);
        return lo | hi << 32;
    }

    public float ReadFloat(string field) => BitConverter.UInt32BitsToSingle(ReadFixed32($"field '{field}'"));

    public double ReadDouble(string field) => BitConverter.UInt64BitsToDouble(ReadFixed64($"field '{field}'"));

    private byte ReadByte(string what)
    {
        if (Position >= _limit) throw PastEnd(what);
        if (_bufferPos >= _bufferLength) Refill();
        return _buffer[_bufferPos++];
    }

    private ModelFormatException PastEnd(string what) =>
        _limit >= _source.Length
            ? Truncated($"{what} of {Context} runs past the end of the file at offset {Position}")
            : NotValid($"{what} of {Context} runs past the end of its message at offset {Position}");

    private void Refill()
    {
        long pos = Position;
        _bufferStart = pos;
        _bufferPos = 0;
        int want = (int)Math.Min(BufferSize, _source.Length - pos);
        int n = want > 0 ? _source.Read(pos, _buffer.AsSpan(0, want)) : 0;
        _bufferLength = Math.Max(n, 0);
        if (_bufferLength == 0) throw Truncated($"the file ends at offset {pos} inside {Context}");
    }

    /// <summary>Reads a length prefix and checks that that many bytes remain in the current message.</summary>
    public long ReadLength(string field)
    {
        ulong length = ReadVarint($"the length of field '{field}'");
        long start = Position;
        long remain = _limit - start;
        if (length > (ulong)remain)
        {
            if (_limit >= _source.Length)
                throw Truncated($"field '{field}' of {Context} needs {length} bytes at offset {start}, only {remain} remain");
            throw NotValid($"field '{field}' of {Context} claims {length} bytes at offset {start}, but its message ends {remain} bytes later");
        }
        return (long)length;
    }

    /// <summary>Reads a length prefix and makes the current message end after it; pair with <see cref="PopLimit"/>.</summary>
    public long EnterMessage(WireType type, string field)
    {
        Expect(type, WireType.Len, field);
        long length = ReadLength(field);
        return PushLimit(length);
    }

    public long PushLimit(long length)
    {
        if (++_depth > MaxDepth) throw NotValid($"messages are nested more than {MaxDepth} deep at offset {Position}");
        long old = _limit;
        _limit = Position + length;
        return old;
    }

    public void PopLimit(long oldLimit)
    {
        // A parser stops at the limit; skip whatever it left (nothing, normally).
        Seek(_limit);
        _limit = oldLimit;
        _depth--;
    }

    /// <summary>Moves to an absolute offset inside the current message.</summary>
    public void Seek(long position)
    {
        if (position >= _bufferStart && position <= _bufferStart + _bufferLength)
        {
            _bufferPos = (int)(position - _bufferStart);
            return;
        }
        _bufferStart = position;
        _bufferPos = 0;
        _bufferLength = 0;
    }

    /// <summary>Skips the value of a field this reader does not use.</summary>
    public void Skip(WireType type, int field)
    {
        string name = $"#{field}";
        switch (type)
        {
            case WireType.Varint: ReadVarint($"field {name}"); break;
            case WireType.Fixed64: Advance(8, name); break;
            case WireType.Fixed32: Advance(4, name); break;
            case WireType.Len: Advance(ReadLength(name), name); break;
            default: throw NotValid($"unsupported wire type {(int)type} at offset {_tagOffset}");
        }
    }

    public void Advance(long count, string field)
    {
        if (count > _limit - Position) throw PastEnd($"field '{field}'");
        Seek(Position + count);
    }

    /// <summary>
    /// Copies the next <c>destination.Length</c> bytes into <paramref name="destination"/>. Large reads go
    /// from the source straight into the destination, never through a managed copy.
    /// </summary>
    public void ReadInto(Span<byte> destination, string field)
    {
        if (destination.Length > _limit - Position) throw PastEnd($"field '{field}'");
        int buffered = Math.Min(_bufferLength - _bufferPos, destination.Length);
        if (buffered > 0)
        {
            _buffer.AsSpan(_bufferPos, buffered).CopyTo(destination);
            _bufferPos += buffered;
            destination = destination[buffered..];
        }
        if (destination.Length == 0) return;
        long pos = Position;
        if (!_source.ReadExactly(pos, destination))
            throw Truncated($"field '{field}' of {Context} needs {destination.Length} bytes at offset {pos}, the file ended first");
        Seek(pos + destination.Length);
    }

    public string ReadString(WireType type, string field)
    {
        Expect(type, WireType.Len, field);
        long length = ReadLength(field);
        if (length == 0) return "";
        if (length <= _bufferLength - _bufferPos)
        {
            string s = Encoding.UTF8.GetString(_buffer, _bufferPos, (int)length);
            _bufferPos += (int)length;
            return s;
        }
        var bytes = new byte[checked((int)length)];
        ReadInto(bytes, field);
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>Appends one element (unpacked encoding) or a packed run of int64 varints.</summary>
    public void ReadInt64s(WireType type, List<long> into, string field)
    {
        if (type == WireType.Varint)
        {
            into.Add(ReadInt64(field));
            return;
        }
        long old = EnterMessage(type, field);
        while (Position < _limit) into.Add(ReadInt64(field));
        PopLimit(old);
    }

    /// <summary>Appends one element (unpacked encoding) or a packed run of floats.</summary>
    public void ReadFloats(WireType type, List<float> into, string field)
    {
        if (type == WireType.Fixed32)
        {
            into.Add(ReadFloat(field));
            return;
        }
        long old = EnterMessage(type, field);
        if ((_limit - Position) % 4 != 0) throw NotValid($"packed field '{field}' of {Context} at offset {Position} is not a whole number of floats");
        while (Position < _limit) into.Add(ReadFloat(field));
        PopLimit(old);
    }

    /// <summary>Counts the varints in the next <paramref name="length"/> bytes (each ends with a byte below 0x80) and skips them.</summary>
    public long CountVarints(long length, string field)
    {
        if (length > _limit - Position) throw PastEnd($"field '{field}'");
        long count = 0;
        byte last = 0;
        for (long i = 0; i < length; i++)
        {
            if (_bufferPos >= _bufferLength) Refill();
            last = _buffer[_bufferPos++];
            if (last < 0x80) count++;
        }
        if (length > 0 && last >= 0x80) throw NotValid($"packed field '{field}' of {Context} ends inside a varint at offset {Position}");
        return count;
    }
}
