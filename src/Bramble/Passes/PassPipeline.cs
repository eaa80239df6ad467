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
            passes.Add(new RemoveIdentities());
            passes.Add(new FoldBatchNormalization());
            passes.Add(new Sparse.UseSparseKernels());
        }
        return passes;
    }

    /// <summary>Runs the passes; returns (pass name, rewrites) for each.</summary>
    public static List<(string Pass, int Rewrites)> Run(Model model, IEnumerable<IGraphPass> passes)
    {
        var log = new List<(string, int)>();
        foreach (var pass in passes)
        {
            log.Add((pass.Name, pass.Run(model)));
            GraphValidator.ValidateAndSort(model.Graph);
        }
        return log;
    }
}
