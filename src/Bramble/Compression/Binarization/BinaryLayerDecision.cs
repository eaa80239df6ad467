using Bramble.Graph;

namespace Bramble.Compression.Binarization;

/// <summary>One Conv/Gemm considered for binarisation: binarised (<see cref="Reason"/> null) or kept real, and why.</summary>
public sealed record BinaryLayerDecision(Node Layer, string Weight, int[] WeightShape, string? Reason)
{
    public bool Binarised => Reason == null;

    /// <summary>Output channels (conv filters or dense outputs): one XNOR-Net scale α each.</summary>
    public int Outputs => WeightShape[0];
}
