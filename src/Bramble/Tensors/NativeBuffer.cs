using System.Runtime.InteropServices;

namespace Bramble.Tensors;

/// <summary>
/// A 64-byte aligned block of native memory (one cache line, one AVX-512 vector), zeroed on allocation.
/// Owned explicitly: Dispose frees it; the finalizer is only a safety net for forgotten buffers.
/// </summary>
public sealed unsafe class NativeBuffer : IDisposable
{
    public const int Alignment = 64;
    private void* _pointer;

    public NativeBuffer(long byteLength)
    {
        if (byteLength < 0) throw new ArgumentOutOfRangeException(nameof(byteLength));
        ByteLength = byteLength;
        // Allocate at least one line so an empty tensor still has a valid, aligned pointer.
        nuint size = (nuint)Math.Max(Alignment, (byteLength + Alignment - 1) / Alignment * Alignment);
        // Large buffers (weights, packed weights, arenas) are mapped: freeing one returns its memory at once.
        _pointer = PageMemory.TryMap(size);
        _mapped = _pointer != null;
        if (!_mapped)
        {
            try
            {
                _pointer = NativeMemory.AlignedAlloc(size, Alignment);
            }
            catch (OutOfMemoryException)
            {
                throw new BrambleException($"out of memory allocating {byteLength} bytes");
            }
            NativeMemory.Clear(_pointer, size);
        }
        GC.AddMemoryPressure((long)size);
        _allocated = (long)size;
    }

    private readonly long _allocated;
    private readonly bool _mapped;
    // Borrowed: memory owned elsewhere (a compiled model's mapped weights); Dispose only forgets it.
    private readonly bool _borrowed;

    private NativeBuffer(byte* pointer, long byteLength)
    {
        _pointer = pointer;
        ByteLength = byteLength;
        _borrowed = true;
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// A buffer over <paramref name="byteLength"/> bytes at <paramref name="pointer"/> (64-byte aligned) that someone
    /// else owns and keeps alive; disposing it frees nothing.
    /// </summary>
    public static NativeBuffer Borrow(byte* pointer, long byteLength)
    {
        if (pointer == null || (nuint)pointer % Alignment != 0) throw new ArgumentException("borrowed memory must be 64-byte aligned", nameof(pointer));
        ArgumentOutOfRangeException.ThrowIfNegative(byteLength);
        return new NativeBuffer(pointer, byteLength);
    }

    public long ByteLength { get; }

    public byte* Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pointer == null, this);
            return (byte*)_pointer;
        }
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~NativeBuffer() => Free();

    private void Free()
    {
        if (_pointer == null) return;
        if (_borrowed)
        {
            _pointer = null;
            return;
        }
        if (_mapped) PageMemory.Unmap(_pointer, (nuint)_allocated);
        else NativeMemory.AlignedFree(_pointer);
        _pointer = null;
        GC.RemoveMemoryPressure(_allocated);
    }
}
