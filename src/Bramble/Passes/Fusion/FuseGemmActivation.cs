using Bramble.Graph;

namespace Bramble.Passes.Fusion;

/// <summary>Gemm (+ C) → activation becomes ai.bramble:FusedGemm.</summary>
public sealed class FuseGemmActivation : IGraphPass
{
    public string Name => "fuse-gemm-activation";

    public int Run(Model model) => FuseActivation.Run(model, "Gemm", "FusedGemm");
}
