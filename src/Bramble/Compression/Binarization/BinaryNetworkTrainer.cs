using Bramble.Graph;
using Bramble.Training;
using Bramble.Training.Autodiff;
using Bramble.Training.Data;
using Bramble.Training.Hooks;

namespace Bramble.Compression.Binarization;

/// <summary>
/// Binarises a trained float CNN and fine-tunes it as a binary (XNOR) network, starting from the float
/// weights as the teacher's: chosen layers read Sign(activations) and compute with α·sign(latent weights),
/// trained through straight-through estimators; the first and last layers stay real by default.
/// <see cref="Export"/> gives the storage form that Bramble packs to bits at load.
/// </summary>
public sealed class BinaryNetworkTrainer : IDisposable
{
    private readonly Model _rewritten;
    private readonly Trainer _trainer;

    public BinaryNetworkTrainer(Model floatModel, TrainOptions options, bool keepFirst = true, bool keepLast = true)
    {
        _rewritten = floatModel.CloneStructure();
        // Exporters such as Paddle's store weights as Constant nodes; as initializers they become trainable weights.
        new Passes.PromoteConstants().Run(_rewritten);
        Layers = BinaryTrainingRewrite.Apply(_rewritten.Graph, keepFirst, keepLast);
        if (!Layers.Any(l => l.Binarised))
            throw new BrambleException($"binarize: none of the {Layers.Count} Conv/Gemm layers can be binarised (" +
                string.Join("; ", Layers.GroupBy(l => l.Reason).Select(g => $"{g.Count()}× {g.Key}")) + ")");
        Graph = new TrainingGraph(_rewritten.Graph);
        foreach (var layer in Layers.Where(l => l.Binarised))
            Graph.Parameter(layer.Weight).SetTransform(new XnorBinarize());
        _trainer = new Trainer(Graph, options);
    }

    /// <summary>Every Conv/Gemm of the model: binarised, or kept real with the reason.</summary>
    public IReadOnlyList<BinaryLayerDecision> Layers { get; }

    public TrainingGraph Graph { get; }

    /// <summary>Test accuracy of the binary network before any fine-tuning (the float weights, binarised).</summary>
    public double Evaluate(Dataset data) => _trainer.Evaluate(data);

    public List<EpochReport> Fit(Dataset train, Dataset? test = null, Action<BatchProgress>? progress = null, Action<EpochReport>? epochDone = null) =>
        _trainer.Fit(train, test, progress, epochDone);

    /// <summary>The trained network in binary storage form (standard ONNX; see <see cref="BinaryStorageForm"/>).</summary>
    public Model Export(string? docString = null)
    {
        var model = Graph.ExportModel(docString);
        BinaryStorageForm.Apply(model, Layers, name => Graph.Parameter(name).Latent);
        return model;
    }

    public void Dispose()
    {
        _trainer.Dispose();
        _rewritten.Dispose();
    }
}
