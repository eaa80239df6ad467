using Bramble.Kernels;

namespace Bramble.Runtime;

/// <summary>How much the session rewrites the graph before running it.</summary>
public enum OptimizationLevel
{
    /// <summary>Run the graph as given (constant folding of shape sub-graphs still happens: shapes need it).</summary>
    None = 0,
    /// <summary>Plus layout-neutral rewrites: folding BatchNormalization into Conv, dropping Identity/Dropout.</summary>
    Basic = 1,
    /// <summary>Plus kernel fusion (bias + activation epilogues, elementwise chains).</summary>
    All = 2,
}

/// <summary>Options of an <see cref="InferenceSession"/>; the shape follows ONNX Runtime's SessionOptions.</summary>
public sealed class SessionOptions
{
    /// <summary>Worker threads including the caller's; 1 means no pool at all.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Widest instruction set kernels may use (tests and benchmarks force narrower variants with it).</summary>
    public Isa MaxIsa { get; init; } = CpuFeatures.Best;

    /// <summary>Run every op with its reference kernel: slow, obviously correct; the oracle for fast kernels.</summary>
    public bool ReferenceKernels { get; init; }

    /// <summary>
    /// Per-layer memory allowance of Winograd convolution. A 3×3 layer whose transformed weights (4× its original
    /// weights) fit holds them transformed; a larger one — the deep, wide layers (YOLOv3's 512→1024: 75 MiB
    /// transformed), where a 1 GB board cannot afford 4× — keeps only its 3×3 weights and, with
    /// <see cref="WinogradStreaming"/>, transforms one block of output channels at a time into the workspace on
    /// every run (a few % slower than holding them, still ~2× the implicit GEMM), else takes the implicit GEMM.
    /// The default (16 MiB) holds the spatially large layers transformed, where the per-run transform would cost
    /// the most relative to the layer. 0 turns Winograd off; long.MaxValue holds every Winograd layer transformed.
    /// </summary>
    public long WinogradMaxWeightBytes { get; init; } = 16L << 20;

    /// <summary>Whether layers over <see cref="WinogradMaxWeightBytes"/> run streamed Winograd (true, default) or the implicit GEMM.</summary>
    public bool WinogradStreaming { get; init; } = true;

    public OptimizationLevel Optimization { get; init; } = OptimizationLevel.All;

    /// <summary>Record per-node timings of every run (see the profiler).</summary>
    public bool EnableProfiling { get; init; }

    /// <summary>Binds symbolic input dimensions at creation: input name → full shape.</summary>
    public Dictionary<string, int[]> InputShapes { get; init; } = new();

    /// <summary>The ISA level actually used: the cap lowered to what the CPU supports.</summary>
    public Isa EffectiveIsa => CpuFeatures.Effective(MaxIsa);
}
