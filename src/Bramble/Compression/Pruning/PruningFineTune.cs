using Bramble.Graph;
using Bramble.Training;
using Bramble.Training.Data;

namespace Bramble.Compression.Pruning;

/// <summary>Progress of a prune-and-retrain schedule: step <c>Step</c> of <c>Steps</c> pruned to <c>Sparsity</c> and starts training.</summary>
public readonly record struct PruningStep(int Step, int Steps, double Sparsity, int Images);

/// <summary>
/// Magnitude pruning with retraining (Han et al. 2015): prune, fine-tune with the pruned weights held
/// at zero by the training mask hooks, repeat. With one step this is one-shot pruning followed by
/// fine-tuning; with several, the sparsity rises along Zhu and Gupta's cubic schedule
/// (<see cref="MagnitudePruning.GradualSparsity"/>) and each step trains on the next slice of the data,
/// so the whole schedule costs <see cref="TrainOptions.Epochs"/> passes over the training set.
/// </summary>
public static class PruningFineTune
{
    /// <summary>
    /// Prunes a copy of <paramref name="model"/> to <paramref name="target"/> in <paramref name="steps"/> steps,
    /// fine-tuning after each. Returns the fine-tuned model (the caller disposes it) and a per-layer report whose
    /// "before" sparsity is the original model's. With <see cref="TrainOptions.DistillWeight"/> &gt; 0 every step is
    /// distilled from <paramref name="model"/> itself (the unpruned original).
    /// </summary>
    public static (Model Model, List<PruningLayerReport> Layers) Magnitude(Model model, MagnitudePruningOptions target, int steps,
        Dataset train, TrainOptions training, Action<PruningStep>? stepStarted = null, Action<BatchProgress>? progress = null)
    {
        if (steps < 1 || steps > 100) throw new BrambleException($"pruning schedule: steps must be in 1..100, got {steps}");
        if (train.Count < steps) throw new BrambleException($"pruning schedule: {train.Count} training images cannot be split into {steps} steps");
        var current = model.CloneStructure();
        List<PruningLayerReport>? first = null, last = null;
        try
        {
            for (int step = 1; step <= steps; step++)
            {
                double sparsity = MagnitudePruning.GradualSparsity(0, target.Sparsity, step, steps);
                var weights = current.Graph.Initializers.Values.ToList();
                last = MagnitudePruning.Apply(current, target with { Sparsity = sparsity });
                current.ReleaseDropped(weights);
                first ??= last;
                int start = (int)((long)train.Count * (step - 1) / steps), end = (int)((long)train.Count * step / steps);
                var chunk = steps == 1 ? train : train.Slice(start, end - start);
                stepStarted?.Invoke(new PruningStep(step, steps, sparsity, chunk.Count));
                var masked = last.Where(l => !l.Exempt).Select(l => l.Weight).Distinct().ToList();
                var tuned = FineTuning.Run(current, chunk, training, masked, progress, teacher: model);
                current.Dispose();
                current = tuned;
            }
        }
        catch
        {
            current.Dispose();
            throw;
        }
        var report = new List<PruningLayerReport>();
        for (int i = 0; i < last!.Count; i++)
            report.Add(last[i] with
            {
                SparsityBefore = first![i].SparsityBefore,
                // Measured on the fine-tuned weights: shows that the masks held.
                SparsityAfter = PrunableLayer.Sparsity(current.Graph.Initializers[last[i].Weight]),
                Note = last[i].Exempt || steps == 1 ? last[i].Note : $"{steps} steps" + (last[i].Note.Length > 0 ? ", " + last[i].Note : ""),
            });
        return (current, report);
    }
}
