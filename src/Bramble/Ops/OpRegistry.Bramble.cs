using Bramble.Ops.Fused;

namespace Bramble.Ops;

public static partial class OpRegistry
{
    // Bramble-domain ops made by the session's fusion passes.
    static partial void RegisterBramble(Registrar add)
    {
        add("FusedConv", (n, _) => new FusedConv(n), domain: BrambleDomain);
        add("FusedGemm", (n, _) => new FusedGemm(n), domain: BrambleDomain);
    }
}
