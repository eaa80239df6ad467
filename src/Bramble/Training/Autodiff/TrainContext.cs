using Bramble.Kernels;
using Bramble.Kernels.Threading;

namespace Bramble.Training.Autodiff;

/// <summary>What a training step's ops share: mode, workers, instruction-set cap and the seeded random source.</summary>
public sealed class TrainContext : IDisposable
{
    public TrainContext(int threads = 2, int seed = 1, Isa? maxIsa = null)
    {
        Pool = threads > 1 ? new WorkerPool(threads) : null;
        Isa = maxIsa is { } cap ? CpuFeatures.Effective(cap) : CpuFeatures.Best;
        Random = new Random(seed);
    }

    /// <summary>Training mode: batch statistics in BatchNormalization, active Dropout.</summary>
    public bool Training { get; set; } = true;

    public WorkerPool? Pool { get; }
    public Isa Isa { get; }

    /// <summary>Dropout masks draw from here; seeded so a run is reproducible.</summary>
    public Random Random { get; set; }

    /// <summary>
    /// Batch-parallel kernels always cut a batch into this many parts, whatever the thread count, and
    /// sum per-part weight gradients in part order: results do not depend on the number of threads.
    /// </summary>
    public const int Parts = 4;

    /// <summary>When set, every op's forward and backward time is added to it (<c>bramble train --profile</c>).</summary>
    public TrainingProfile? Profile { get; set; }

    public void Dispose() => Pool?.Dispose();
}
