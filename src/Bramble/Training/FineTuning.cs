using Bramble.Graph;
using Bramble.Training.Autodiff;
using Bramble.Training.Data;

namespace Bramble.Training;

/// <summary>
/// Fine-tuning of an existing (compressed) model: its weights become trainable parameters, the named
/// weights keep their zeros through the mask hooks (pruned connections stay pruned), and the result is
/// exported as a new standard ONNX model with the same graph and new numbers.
/// </summary>
public static class FineTuning
{
    /// <summary>
    /// Trains <paramref name="model"/> on <paramref name="train"/> for <see cref="TrainOptions.Epochs"/> epochs.
    /// Every weight listed in <paramref name="keepZeros"/> is masked where it is zero now, so it is still
    /// exactly zero afterwards. With <see cref="TrainOptions.DistillWeight"/> &gt; 0 the loss blends in distillation
    /// against <paramref name="teacher"/>'s logits (typically the uncompressed original). The input models are not
    /// modified; the caller disposes the returned one.
    /// </summary>
    public static Model Run(Model model, Dataset train, TrainOptions options, IEnumerable<string>? keepZeros = null,
        Action<BatchProgress>? progress = null, Action<EpochReport>? epochDone = null, Model? teacher = null)
    {
        if (options.DistillWeight > 0 && teacher == null) throw new BrambleException("fine-tuning: a distillation weight needs a teacher model");
        // The training graph sorts the graph it is given; a structural copy leaves the caller's untouched.
        using var structure = model.CloneStructure();
        var graph = new TrainingGraph(structure.Graph);
        foreach (string name in keepZeros ?? [])
        {
            var p = graph.Parameter(name);
            p.SetMask(NonZeroMask(p.Latent));
        }
        using (var distiller = options.DistillWeight > 0 ? new Teacher(teacher!, options.Threads) : null)
        using (var trainer = new Trainer(graph, options, distiller))
            trainer.Fit(train, null, progress, epochDone);
        var tuned = graph.ExportModel(model.Graph.DocString);
        foreach (var (domain, version) in model.Opsets) tuned.Opsets[domain] = Math.Max(version, tuned.Opsets.GetValueOrDefault(domain));
        tuned.Source = model.Source;
        return tuned;
    }

    /// <summary>1 where <paramref name="weights"/> is non-zero, 0 where it is exactly zero.</summary>
    public static float[] NonZeroMask(ReadOnlySpan<float> weights)
    {
        var mask = new float[weights.Length];
        for (int i = 0; i < mask.Length; i++) mask[i] = weights[i] == 0f ? 0f : 1f;
        return mask;
    }
}
