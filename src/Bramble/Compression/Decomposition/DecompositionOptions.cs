using Bramble.Runtime;

namespace Bramble.Compression.Decomposition;

/// <summary>What to decompose and how ranks are chosen. Exactly one of Rank/LayerRanks, Energy, Speedup or SaveMs drives the ranks.</summary>
public sealed record DecompositionOptions
{
    public DecompositionMethod Method { get; init; } = DecompositionMethod.Pca;
    public FlattenMode Flatten { get; init; } = FlattenMode.Cp;

    /// <summary>One rank for every layer.</summary>
    public int? Rank { get; init; }

    /// <summary>Ranks by layer (node) name; layers not named keep whatever the other settings choose.</summary>
    public IReadOnlyDictionary<string, int> LayerRanks { get; init; } = new Dictionary<string, int>();

    /// <summary>Keep at least this fraction of each layer's spectrum energy (PCA eigenvalues, squared singular values).</summary>
    public double? Energy { get; init; }

    /// <summary>Divide the decomposable layers' total cost (<see cref="Cost"/>: MACs or measured time) by this, ranks chosen by Zhang's criterion.</summary>
    public double? Speedup { get; init; }

    /// <summary>Remove this many milliseconds from the decomposable layers' measured time (needs <see cref="RankCost.Time"/>), ranks by Zhang's criterion.</summary>
    public double? SaveMs { get; init; }

    /// <summary>What a rank costs: MACs (default: deterministic) or measured time.</summary>
    public RankCost Cost { get; init; } = RankCost.Macs;

    /// <summary>Times layers for <see cref="RankCost.Time"/>; null = a <see cref="SessionLayerTimer"/> with <see cref="Session"/>'s options.</summary>
    public ILayerTimer? Timer { get; init; }

    /// <summary>Batch size layers are timed at (0 = the model's own); small inputs at batch 1 are dominated by per-layer fixed costs.</summary>
    public int TimingBatch { get; init; }

    /// <summary>Alternating timed blocks per variant (each variant's fastest counts).</summary>
    public int TimingRuns { get; init; } = 9;

    /// <summary>
    /// Ranks offered under time pricing are multiples of this (0 = the GEMM micro-kernel's row tile for the session's ISA:
    /// the kernel pads rows to it anyway, so a rank between multiples costs the time of the next one and keeps less energy).
    /// </summary>
    public int RankTile { get; init; }

    /// <summary>At most this many ranks are timed per layer for a budgeted selection (spread evenly over the useful range).</summary>
    public int TimedRanks { get; init; } = 12;

    /// <summary>Under time pricing a rank is offered only if the replacement is at least this many times faster than the layer.</summary>
    public double MinimumTimeGain { get; init; } = 1.1;

    /// <summary>PCA: reconstruct ReLU(y) where a Relu follows the conv (Zhang's nonlinear solution).</summary>
    public bool Nonlinear { get; init; }

    /// <summary>PCA: fit each layer against the inputs the already-decomposed layers produce.</summary>
    public bool Asymmetric { get; init; }

    public int NonlinearIterations { get; init; } = 8;
    public int CpIterations { get; init; } = 40;

    /// <summary>Response vectors sampled per calibration input and layer.</summary>
    public int SamplesPerInput { get; init; } = 64;

    /// <summary>A layer is decomposed only if its MACs shrink by at least this factor (the extra layer costs memory traffic).</summary>
    public double MinimumGain { get; init; } = 1.25;

    /// <summary>Decompose even when the rank saves nothing (tests of exactness at full rank).</summary>
    public bool KeepUnprofitable { get; init; }

    /// <summary>Only these layers (node names); null = every layer the method applies to.</summary>
    public IReadOnlySet<string>? Layers { get; init; }

    /// <summary>Sessions used for response collection (threads, ISA, input shapes).</summary>
    public SessionOptions Session { get; init; } = new();
}
