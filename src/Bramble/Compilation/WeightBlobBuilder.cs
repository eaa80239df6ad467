using Bramble.Tensors;

namespace Bramble.Compilation;

/// <summary>
/// Lays the constants a compiled model reads into one blob, each at a 64-byte aligned offset (the
/// alignment Bramble's tensors promise kernels), in the order the generated code first uses them.
/// The same tensor object is stored once however many steps read it.
/// </summary>
internal sealed unsafe class WeightBlobBuilder : IDisposable
{
    private readonly Dictionary<Tensor, long> _offsets = new(ReferenceEqualityComparer.Instance);
    private readonly List<Tensor> _order = new();
    // Copies of prepared (packed) weights made by AddCopy: the blob owns them.
    private readonly List<Tensor> _copies = new();

    public long Length { get; private set; }

    public int Count => _order.Count;

    /// <summary>The offset of <paramref name="tensor"/> in the blob, adding it if new.</summary>
    public long Add(Tensor tensor)
    {
        if (tensor.Type == DataType.String)
            throw new UnsupportedOperatorException("compile: string tensors cannot be stored as weights");
        if (_offsets.TryGetValue(tensor, out long offset)) return offset;
        offset = Align(Length);
        _offsets[tensor] = offset;
        _order.Add(tensor);
        Length = offset + tensor.ByteLength;
        return offset;
    }

    /// <summary>Bytes of the blob that are copies of prepared weights (see <see cref="AddCopy"/>).</summary>
    public long CopiedBytes { get; private set; }

    /// <summary>Stores a copy of <paramref name="bytes"/> at <paramref name="data"/> (a kernel's packed weights); returns its offset.</summary>
    public long AddCopy(byte* data, long bytes)
    {
        var copy = Tensor.Allocate(DataType.UInt8, checked((int)bytes));
        Buffer.MemoryCopy(data, copy.Data, bytes, bytes);
        _copies.Add(copy);
        CopiedBytes += bytes;
        return Add(copy);
    }

    public void Dispose()
    {
        foreach (var copy in _copies) copy.Dispose();
        _copies.Clear();
    }

    public static long Align(long n) => (n + NativeBuffer.Alignment - 1) / NativeBuffer.Alignment * NativeBuffer.Alignment;

    /// <summary>Writes the blob (zero padding between tensors).</summary>
    public unsafe void WriteTo(Stream stream)
    {
        long position = 0;
        Span<byte> zeros = stackalloc byte[NativeBuffer.Alignment];
        zeros.Clear();
        foreach (var tensor in _order)
        {
            long offset = _offsets[tensor];
            stream.Write(zeros[..(int)(offset - position)]);
            // Chunked: a span is limited to 2 GB, and a model's tensor may not be.
            long done = 0;
            while (done < tensor.ByteLength)
            {
                int chunk = (int)Math.Min(1 << 30, tensor.ByteLength - done);
                stream.Write(new ReadOnlySpan<byte>(tensor.Data + done, chunk));
                done += chunk;
            }
            position = offset + tensor.ByteLength;
        }
    }
}
