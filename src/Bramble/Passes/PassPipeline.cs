using Bramble.Tensors;
using Bramble.Graph;
using Bramble.Runtime;

namespace Bramble.Passes;

/// <summary>The passes a session applies for each optimisation level, in order.</summary>
public static class PassPipeline
{
    public static IReadOnlyList<IGraphPass> For(OptimizationLevel level)
    {
        var passes = new List<IGraphPass>();
        if (level >= OptimizationLevel.Basic)
        {
            // First: the passes below look for weights among the initializers.
            passes.Add(new PromoteConstants());
            passes.Add(new RemoveIdentities());
            passes.Add(new Binary.BinarizeLayers());
            passes.Add(new FoldBatchNormalization());
            passes.Add(new Quantization.FoldQdqConv());
            passes.Add(new Quantization.FoldQdqGemm());
            passes.Add(new Quantization.FoldQdqAdd());
            passes.Add(new Quantization.FoldQdqLookup());
            // Before fusion: it looks for plain 1×1 Convs whose weights are mostly zeros.
            passes.Add(new Sparse.UseSparseKernels());
        }
        if (level >= OptimizationLevel.All)
        {
            passes.Add(new Fusion.FoldConvAffine());
            passes.Add(new Fusion.FuseConvAdd());
            passes.Add(new Fusion.FuseConvActivation());
            passes.Add(new Fusion.FuseGemmActivation());
        }
        return passes;
    }

    /// <summary>Runs the passes; returns (pass name, rewrites) for each.</summary>
    public static List<(string Pass, int Rewrites)> Run(Model model, IEnumerable<IGraphPass> passes) =>
        Run(model, passes, out _);

    /// <summary>
    /// Runs the passes and also returns every initializer tensor the model held at any point (before, between
    /// and after the passes), so the owner can free those that a later pass dropped again.
    /// </summary>
    public static List<(string Pass, int Rewrites)> Run(Model model, IEnumerable<IGraphPass> passes, out IReadOnlyCollection<Tensor> seen)
    {
        var log = new List<(string, int)>();
        var all = new HashSet<Tensor>(model.Graph.Initializers.Values, ReferenceEqualityComparer.Instance);
        foreach (var pass in passes)
        {
            log.Add((pass.Name, pass.Run(model)));
            GraphValidator.ValidateAndSort(model.Graph);
            all.UnionWith(model.Graph.Initializers.Values);
        }
        seen = all;
        return log;
    }
}
