namespace Bramble.Kernels.Binary;

/// <summary>Which binary convolution algorithm a kernel runs (tests and benchmarks force one; sessions use Auto).</summary>
internal enum BinaryConvPath
{
    /// <summary>Planar where it applies and the image is large enough, else Words.</summary>
    Auto,

    /// <summary>Channel-packed words, XOR + popcount per 64 channels (any ISA, also Gemm).</summary>
    Words,

    /// <summary>Planar (128/256-bit ISAs; falls back to Words where it cannot apply): nibble tables on x86, byte counts on ARM.</summary>
    Planar,

    /// <summary>
    /// Planar with ARM's byte planes and XOR + popcount even where there is no CNT instruction (on the 128-bit path;
    /// 256-bit keeps the tables): lets x86 tests run the ARM layout and sweep.
    /// </summary>
    PlanarBytes,
}
