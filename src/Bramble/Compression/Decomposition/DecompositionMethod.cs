namespace Bramble.Compression.Decomposition;

/// <summary>The decompositions `bramble decompose` offers.</summary>
public enum DecompositionMethod
{
    /// <summary>Zhang et al.: k×k conv with r filters from the top-r principal directions of its responses, then a 1×1 conv back to d.</summary>
    Pca,
    /// <summary>Jaderberg et al. scheme 2: k×1 conv with r outputs then 1×k conv, from the SVD of the kernel reshaped to (c·k)×(k·d).</summary>
    Spatial,
    /// <summary>1-D convolutions: lateral 1×1, vertical k×1 and horizontal 1×k depthwise, from a CP decomposition of the kernel.</summary>
    Flatten,
    /// <summary>Fully connected W ≈ U_r·Σ_r·V_rᵀ as two Gemm layers.</summary>
    Svd,
}

/// <summary>How flattening groups its rank-1 terms.</summary>
public enum FlattenMode
{
    /// <summary>Jin et al.: every filter is a sum of `rank` separable (c)·(kh)·(kw) terms of its own.</summary>
    PerFilter,
    /// <summary>Lebedev et al.: one CP decomposition of the whole kernel, rank terms shared by all filters (1×1 c→R, k×1 dw, 1×k dw, 1×1 R→d).</summary>
    Cp,
}

/// <summary>What rank selection counts as a layer's cost.</summary>
public enum RankCost
{
    /// <summary>Multiply-accumulates as a direct convolution would do them (ignores Winograd, tiling and per-layer overheads).</summary>
    Macs,
    /// <summary>Measured time of the layer and of its replacement at candidate ranks, through the runtime's real kernels (<see cref="ILayerTimer"/>).</summary>
    Time,
}

/// <summary>Which layers a method applies to and what a given rank costs.</summary>
public static class LayerCosts
{
    public static bool Applies(DecompositionMethod method, LayerInfo l) => method switch
    {
        DecompositionMethod.Pca => l.Kind == LayerKind.Conv && l.Outputs > 1,
        DecompositionMethod.Spatial => l.Kind == LayerKind.Conv && l.KernelH > 1 && l.KernelW > 1,
        DecompositionMethod.Flatten => l.Kind == LayerKind.Conv && l.KernelH > 1 && l.KernelW > 1,
        DecompositionMethod.Svd => l.Kind == LayerKind.FullyConnected && Math.Min(l.Inputs, l.Outputs) > 1,
        _ => false,
    };

    /// <summary>The rank at which the factorisation is exact (or, for CP, a generous ceiling).</summary>
    public static int MaxRank(DecompositionMethod method, LayerInfo l, FlattenMode flatten) => method switch
    {
        DecompositionMethod.Pca => l.Outputs,
        DecompositionMethod.Spatial => Math.Min(l.Inputs * l.KernelH, l.KernelW * l.Outputs),
        DecompositionMethod.Flatten when flatten == FlattenMode.PerFilter => Math.Min(l.Inputs, l.KernelH) * l.KernelW,
        DecompositionMethod.Flatten => Math.Min(l.Inputs * l.KernelH * l.KernelW, l.Outputs * l.KernelH * l.KernelW),
        DecompositionMethod.Svd => Math.Min(l.Inputs, l.Outputs),
        _ => 0,
    };

    /// <summary>Multiply-accumulates of the decomposed layer at <paramref name="rank"/>.</summary>
    public static long MacsAt(DecompositionMethod method, LayerInfo l, int rank, FlattenMode flatten)
    {
        long r = rank, outPos = l.OutputPositions, inPos = l.InputPositions;
        long verticalPos = (long)l.Batch * l.OutH * l.InW; // after the k×1 stage: output rows, input columns
        switch (method)
        {
            case DecompositionMethod.Pca:
                return outPos * r * (l.PatchSize + l.Outputs);
            case DecompositionMethod.Spatial:
                return verticalPos * r * l.Inputs * l.KernelH + outPos * l.Outputs * r * l.KernelW;
            case DecompositionMethod.Flatten when flatten == FlattenMode.PerFilter:
            {
                long channels = r * l.Outputs;
                return inPos * channels * l.Inputs + verticalPos * channels * l.KernelH + outPos * channels * l.KernelW
                    + (rank > 1 ? outPos * channels : 0);
            }
            case DecompositionMethod.Flatten:
                return inPos * r * l.Inputs + verticalPos * r * l.KernelH + outPos * r * l.KernelW + outPos * l.Outputs * r;
            case DecompositionMethod.Svd:
                return l.Batch * r * (l.Inputs + l.Outputs);
            default:
                throw new ArgumentOutOfRangeException(nameof(method));
        }
    }

    /// <summary>Largest rank whose MACs stay below the layer's own divided by <paramref name="minimumGain"/> (0 = none does).</summary>
    public static int LargestUsefulRank(DecompositionMethod method, LayerInfo l, FlattenMode flatten, double minimumGain)
    {
        int max = MaxRank(method, l, flatten);
        double limit = l.Macs / minimumGain;
        int best = 0;
        for (int r = 1; r <= max; r++)
        {
            if (MacsAt(method, l, r, flatten) <= limit) best = r;
            else break; // costs grow with rank
        }
        return best;
    }
}
