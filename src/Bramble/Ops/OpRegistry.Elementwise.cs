using Bramble.Ops.Elementwise;

namespace Bramble.Ops;

public static partial class OpRegistry
{
    static partial void RegisterElementwise(Registrar add)
    {
        add("Relu", (n, _) => new Relu(n));
    }
}
