using Bramble.Graph;

namespace Bramble.Passes.Fusion;

/// <summary>Conv (+ bias) → activation becomes ai.bramble:FusedConv.</summary>
public sealed class FuseConvActivation : IGraphPass
{
    public string Name => "fuse-conv-activation";

    public int Run(Model model) => FuseActivation.Run(model, "Conv", "FusedConv");
}
