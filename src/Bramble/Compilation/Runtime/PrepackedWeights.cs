using Bramble.Kernels;
using Bramble.Tensors;

namespace Bramble.Compilation;

/// <summary>
/// The source of one compiled step's prepared weights: the (offset, bytes) pairs the compiler recorded, handed
/// out in order as buffers borrowed from the weight image, already packed. A step that asks for a different
/// number or size of buffers than was recorded was compiled by another Bramble version or for another kernel.
/// </summary>
internal sealed unsafe class PrepackedWeights(WeightImage image, long[] entries, string where) : PackedWeightSource
{
    private int _next;

    public override bool Prefilled => true;

    /// <summary>Bytes handed out so far.</summary>
    public long Bytes { get; private set; }

    public override NativeBuffer Take(long bytes)
    {
        if (entries.Length % 2 != 0 || 2 * _next >= entries.Length)
            throw Mismatch($"prepares more packed weights than the {entries.Length / 2} compiled");
        long offset = entries[2 * _next], length = entries[2 * _next + 1];
        if (length != bytes)
            throw Mismatch($"packs weights {_next} as {bytes} bytes, compiled as {length}");
        if (offset < 0 || offset % NativeBuffer.Alignment != 0 || offset + length > image.Length)
            throw Mismatch($"packed weights {_next} at offset {offset} lie outside the {image.Length}-byte weight image");
        _next++;
        Bytes += bytes;
        return NativeBuffer.Borrow(image.Pointer + offset, bytes);
    }

    /// <summary>Checks that Prepare used every recorded buffer.</summary>
    public void Finish()
    {
        if (2 * _next != entries.Length) throw Mismatch($"prepared {_next} packed weights, compiled {entries.Length / 2}");
    }

    private BrambleException Mismatch(string what) =>
        new($"{where}: {what}: regenerate the model with this Bramble version");
}
