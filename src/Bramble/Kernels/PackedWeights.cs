using Bramble.Tensors;

namespace Bramble.Kernels;

/// <summary>
/// Where kernels get the memory for weights they prepare once (GEMM panels, Winograd-transformed filters,
/// depthwise and tap-major copies). Normally each is a new native buffer the kernel then fills. Compiled
/// models swap the source for the duration of one operator's Prepare, on that thread: `bramble compile`
/// records every such buffer so its bytes can be stored in the executable, and the executable hands the
/// stored bytes back in place, already filled, so nothing is packed or copied at startup.
/// </summary>
public static unsafe class PackedWeights
{
    [ThreadStatic] private static PackedWeightSource? t_source;

    /// <summary>True while the current source hands out buffers that already hold the prepared weights: kernels must not fill them.</summary>
    internal static bool Prefilled => t_source?.Prefilled == true;

    /// <summary>Memory for <paramref name="bytes"/> of prepared weights (zeroed when new; filled when <see cref="Prefilled"/>).</summary>
    internal static NativeBuffer Allocate(long bytes) => t_source?.Take(bytes) ?? new NativeBuffer(bytes);

    /// <summary>
    /// The data of a constant a kernel prepares from, or null when a compiled model did not store it (its
    /// prepared form is prefilled, so the kernel never reads it).
    /// </summary>
    internal static float* Source(Tensor weights) => weights.HasData ? (float*)weights.Data : null;

    /// <summary>Makes <paramref name="source"/> the source of this thread until the returned scope is disposed.</summary>
    public static Scope Use(PackedWeightSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var previous = t_source;
        t_source = source;
        return new Scope(previous);
    }

    /// <summary>Restores the previous source of the thread.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly PackedWeightSource? _previous;

        internal Scope(PackedWeightSource? previous) => _previous = previous;

        public void Dispose() => t_source = _previous;
    }
}

/// <summary>Supplies the buffers of <see cref="PackedWeights.Allocate"/> while it is the thread's source.</summary>
public abstract class PackedWeightSource
{
    /// <summary>True when <see cref="Take"/> returns buffers that already hold the prepared weights.</summary>
    public abstract bool Prefilled { get; }

    /// <summary>The next buffer of prepared weights, <paramref name="bytes"/> long; the kernel owns (disposes) it.</summary>
    public abstract NativeBuffer Take(long bytes);
}
