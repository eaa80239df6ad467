namespace Bramble.Import.Onnx;

/// <summary>How <see cref="OnnxWriter"/> lays out a model.</summary>
public sealed class OnnxWriteOptions
{
    /// <summary>
    /// Initializers of at least this many bytes go to a sidecar file as ONNX external data (useful for
    /// models above protobuf's 2 GiB message limit, or to keep weights apart). Null: everything inline.
    /// </summary>
    public long? ExternalDataThreshold { get; init; }

    /// <summary>Sidecar file name, relative to the model's folder; default: the model's file name + ".data".</summary>
    public string? ExternalDataFile { get; init; }

    /// <summary>Each external tensor starts at a multiple of this (so the sidecar can be memory-mapped aligned).</summary>
    public int ExternalDataAlignment { get; init; } = 64;

    /// <summary>
    /// Write each initializer whose non-zero values plus their int64 indices take fewer bytes than its dense
    /// form as a graph sparse_initializer (pruned weights above about two-thirds sparsity). Readers densify
    /// them again, so the model computes exactly the same.
    /// </summary>
    public bool SparseInitializers { get; init; }
}
