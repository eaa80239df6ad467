namespace Bramble.Kernels.Binary;

/// <summary>Which binary convolution algorithm a kernel runs (tests and benchmarks force one; sessions use Auto).</summary>
internal enum BinaryConvPath
{
    /// <summary>Planar where it applies and the image is large enough, else Words.</summary>
    Auto,

    /// <summary>Channel-packed words, XOR + popcount per 64 channels (any ISA, also Gemm).</summary>
    Words,

    /// <summary>Byte-planar nibble tables (128/256-bit ISAs; falls back to Words where it cannot apply).</summary>
    Planar,
}
