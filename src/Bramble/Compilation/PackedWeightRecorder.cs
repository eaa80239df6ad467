using Bramble.Kernels;
using Bramble.Tensors;

namespace Bramble.Compilation;

/// <summary>
/// The source of prepared-weight buffers while the compiler prepares one step: ordinary new buffers that the
/// kernels fill and own, remembered in order so the compiler can store their bytes in the weight blob.
/// Read them after Prepare and before the operator is disposed.
/// </summary>
internal sealed class PackedWeightRecorder : PackedWeightSource
{
    private readonly List<NativeBuffer> _buffers = new();

    public override bool Prefilled => false;

    public IReadOnlyList<NativeBuffer> Buffers => _buffers;

    public long Bytes { get; private set; }

    public override NativeBuffer Take(long bytes)
    {
        var buffer = new NativeBuffer(bytes);
        _buffers.Add(buffer);
        Bytes += bytes;
        return buffer;
    }
}
