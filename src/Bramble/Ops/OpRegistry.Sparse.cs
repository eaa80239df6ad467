using Bramble.Ops.Sparse;

namespace Bramble.Ops;

public static partial class OpRegistry
{
    static partial void RegisterSparse(Registrar add)
    {
        add("SparseConv", (n, _) => new SparseConv(n), domain: BrambleDomain);
    }
}
