using Bramble.Graph;

namespace Bramble.Compression.Decomposition;

/// <summary>What happened to one candidate layer. Rank 0 = left alone (see <see cref="Note"/>).</summary>
public sealed class LayerReport
{
    public required string Name { get; init; }
    public required string Geometry { get; init; }
    public required string Output { get; init; }
    public int Rank { get; set; }
    public int MaxRank { get; init; }
    public long MacsBefore { get; init; }
    public long MacsAfter { get; set; }

    /// <summary>What rank selection priced the layer at as it is and as chosen (MACs or measured ms, see <see cref="DecompositionResult.CostUnit"/>).</summary>
    public double CostBefore { get; set; } = double.NaN;
    public double CostAfter { get; set; } = double.NaN;

    /// <summary>Spectrum energy kept (PCA, SVD) or 1 − relative kernel error² (flattening); NaN when unknown.</summary>
    public double EnergyKept { get; set; } = double.NaN;
    public string Note { get; set; } = "";

    /// <summary>Names of the nodes that replaced the layer (empty when left alone).</summary>
    public List<string> Replacement { get; } = new();

    /// <summary>Filled by evaluation: median time of the layer before and after (ms), and the relative error of its output on calibration data.</summary>
    public double MsBefore { get; set; } = double.NaN;
    public double MsAfter { get; set; } = double.NaN;
    public double OutputError { get; set; } = double.NaN;

    public bool Decomposed => Rank > 0;
}

/// <summary>The decomposed model (the caller disposes it) and the per-layer report.</summary>
public sealed class DecompositionResult(Model model, List<LayerReport> layers, string costUnit = "MACs") : IDisposable
{
    public Model Model { get; } = model;
    public List<LayerReport> Layers { get; } = layers;

    /// <summary>Unit of the layers' <see cref="LayerReport.CostBefore"/>/<see cref="LayerReport.CostAfter"/>, e.g. "MACs" or "ms (thread CPU time, 1 thread(s), batch 8)".</summary>
    public string CostUnit { get; } = costUnit;

    /// <summary>Why the result misses what was asked (e.g. a speedup no offered rank reaches); null when it does not.</summary>
    public string? Warning { get; init; }

    public void Dispose() => Model.Dispose();
}
