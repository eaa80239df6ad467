using Bramble.Graph;
using Bramble.Training.Autodiff;

namespace Bramble.Training;

/// <summary>
/// A frozen network whose logits a student is distilled against (<see cref="Gradients.DistillationLoss"/>):
/// typically the uncompressed original of a pruned or decomposed model. It runs through the training
/// graph in inference mode (running BN statistics, no dropout) on exactly the batch the student sees,
/// augmentation included, so its targets always match the student's inputs.
/// </summary>
public sealed class Teacher : IDisposable
{
    private readonly Model _structure;
    private readonly TrainingGraph _graph;
    private readonly TrainContext _ctx;

    /// <summary>Builds the teacher from <paramref name="model"/> (copied: the caller keeps and disposes its model).</summary>
    public Teacher(Model model, int threads = 1)
    {
        // The training graph sorts the graph it is given and keeps it for export: a structural copy leaves the caller's untouched.
        _structure = model.CloneStructure();
        try
        {
            _graph = new TrainingGraph(_structure.Graph);
            foreach (var p in _graph.Parameters) p.Trainable = false;
            _graph.RefreshGradientFlow();
            _ctx = new TrainContext(threads) { Training = false };
        }
        catch
        {
            _structure.Dispose();
            throw;
        }
    }

    /// <summary>One sample's dimensions: a student must take the same.</summary>
    public int[] SampleShape => _graph.SampleShape;

    /// <summary>The teacher's logits for <paramref name="batch"/> samples; valid until the next call.</summary>
    public ReadOnlySpan<float> Logits(ReadOnlySpan<float> samples, int batch) => _graph.Forward(samples, batch, _ctx).Data;

    public void Dispose()
    {
        _ctx.Dispose();
        _structure.Dispose();
    }
}
