using System.Runtime.CompilerServices;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// Type-agnostic element movement for the shaping operators: they never look at values, only move
/// elements of <c>elementSize</c> bytes, so one kernel serves float32, int64, bool, float16 and the rest.
/// </summary>
internal static unsafe class ElementCopy
{
    /// <summary>Ranks above this are rejected rather than risking large stack buffers.</summary>
    public const int MaxRank = 64;

    /// <summary>Copies one element of <paramref name="size"/> bytes.</summary>
    public static void One(byte* dst, byte* src, int size)
    {
        switch (size)
        {
            case 1: *dst = *src; break;
            case 2: *(short*)dst = *(short*)src; break;
            case 4: *(int*)dst = *(int*)src; break;
            case 8: *(long*)dst = *(long*)src; break;
            default: Buffer.MemoryCopy(src, dst, size, size); break;
        }
    }

    /// <summary>Copies <paramref name="bytes"/> contiguous bytes.</summary>
    public static void Block(byte* dst, byte* src, long bytes)
    {
        if (bytes > 0) Buffer.MemoryCopy(src, dst, bytes, bytes);
    }

    /// <summary>Copies all of <paramref name="source"/>'s bytes into <paramref name="destination"/> unless they already share memory.</summary>
    public static void Whole(Tensor source, Tensor destination)
    {
        if (source.Data == destination.Data) return;
        long bytes = Math.Min(source.ByteLength, destination.ByteLength);
        Block(destination.Data, source.Data, bytes);
    }

    /// <summary>
    /// Fills the dense row-major output of shape <paramref name="outShape"/> from a strided view of the
    /// source: output element (i0..in) reads <c>src + Σ i_d * srcStrides[d]</c> (strides in BYTES, may be 0
    /// for broadcast or negative for reversed slices). Transpose, Slice and Expand are all this one loop.
    /// </summary>
    [MethodImpl(HotCode.Options)] // per-run hot path (Transpose, Slice): skip tier-0 code
    public static void Strided(byte* src, ReadOnlySpan<long> srcStrides, byte* dst, ReadOnlySpan<int> outShape, int size)
    {
        int rank = outShape.Length;
        if (rank > MaxRank) throw new ShapeException($"rank {rank} exceeds the supported maximum of {MaxRank}");
        long total = 1;
        foreach (int d in outShape) total *= d;
        if (total == 0) return;
        if (rank == 0)
        {
            One(dst, src, size);
            return;
        }
        int inner = outShape[rank - 1];
        long innerStride = srcStrides[rank - 1];
        long rowBytes = (long)inner * size;
        long rows = total / inner;
        Span<int> index = stackalloc int[rank];
        index.Clear();
        long offset = 0; // Σ index[d] * srcStrides[d] over the outer dims, kept incrementally
        for (long r = 0; r < rows; r++)
        {
            byte* row = src + offset;
            if (innerStride == size) Buffer.MemoryCopy(row, dst, rowBytes, rowBytes);
            else Gather(dst, row, innerStride, inner, size);
            dst += rowBytes;
            // Odometer step over the outer dims (rank-2 .. 0).
            for (int d = rank - 2; d >= 0; d--)
            {
                offset += srcStrides[d];
                if (++index[d] < outShape[d]) break;
                offset -= srcStrides[d] * index[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>dst[j] = src[j · stride] for j &lt; n, with the element size resolved once per row rather than per element.</summary>
    [MethodImpl(HotCode.Options)]
    private static void Gather(byte* dst, byte* src, long stride, int n, int size)
    {
        switch (size)
        {
            case 4:
            {
                int* d = (int*)dst;
                for (int j = 0; j < n; j++, src += stride) d[j] = *(int*)src;
                break;
            }
            case 8:
            {
                long* d = (long*)dst;
                for (int j = 0; j < n; j++, src += stride) d[j] = *(long*)src;
                break;
            }
            case 2:
            {
                short* d = (short*)dst;
                for (int j = 0; j < n; j++, src += stride) d[j] = *(short*)src;
                break;
            }
            case 1:
                for (int j = 0; j < n; j++, src += stride) dst[j] = *src;
                break;
            default:
                for (int j = 0; j < n; j++, src += stride) Buffer.MemoryCopy(src, dst + (long)j * size, size, size);
                break;
        }
    }

    /// <summary>Row-major strides of <paramref name="shape"/> in bytes, written into <paramref name="strides"/>.</summary>
    public static void ByteStrides(ReadOnlySpan<int> shape, int size, Span<long> strides)
    {
        long s = size;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }
    }

    /// <summary>Product of <paramref name="shape"/>[from..to).</summary>
    public static long Product(ReadOnlySpan<int> shape, int from, int to)
    {
        long p = 1;
        for (int i = from; i < to; i++) p *= shape[i];
        return p;
    }
}
