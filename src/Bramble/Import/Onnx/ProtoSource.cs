using Microsoft.Win32.SafeHandles;

namespace Bramble.Import.Onnx;

/// <summary>
/// Random-access bytes a protobuf message is read from. Reads are positional so that the reader can come
/// back to a tensor's data after it has seen the tensor's shape, and copy it straight into the tensor.
/// </summary>
internal abstract class ProtoSource : IDisposable
{
    public abstract long Length { get; }

    /// <summary>Reads up to <c>destination.Length</c> bytes at <paramref name="offset"/>; returns the count (0 at the end).</summary>
    public abstract int Read(long offset, Span<byte> destination);

    /// <summary>Fills <paramref name="destination"/> completely or returns false when the source ends first.</summary>
    public bool ReadExactly(long offset, Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            int n = Read(offset, destination);
            if (n <= 0) return false;
            offset += n;
            destination = destination[n..];
        }
        return true;
    }

    public virtual void Dispose() { }
}

/// <summary>A file read through <see cref="RandomAccess"/>: nothing of it is held in managed memory.</summary>
internal sealed class FileProtoSource : ProtoSource
{
    private readonly SafeFileHandle _handle;
    private readonly bool _ownsHandle;

    public FileProtoSource(SafeFileHandle handle, bool ownsHandle)
    {
        _handle = handle;
        _ownsHandle = ownsHandle;
        Length = RandomAccess.GetLength(handle);
    }

    public override long Length { get; }

    public override int Read(long offset, Span<byte> destination)
    {
        if (offset >= Length) return 0;
        return RandomAccess.Read(_handle, destination, offset);
    }

    public override void Dispose()
    {
        if (_ownsHandle) _handle.Dispose();
    }
}

/// <summary>Bytes already in memory (a MemoryStream's buffer, or a non-seekable stream copied once).</summary>
internal sealed class MemoryProtoSource : ProtoSource
{
    private readonly ReadOnlyMemory<byte> _bytes;

    public MemoryProtoSource(ReadOnlyMemory<byte> bytes) => _bytes = bytes;

    public override long Length => _bytes.Length;

    public override int Read(long offset, Span<byte> destination)
    {
        if (offset >= _bytes.Length) return 0;
        int n = (int)Math.Min(destination.Length, _bytes.Length - offset);
        _bytes.Span.Slice((int)offset, n).CopyTo(destination);
        return n;
    }
}
