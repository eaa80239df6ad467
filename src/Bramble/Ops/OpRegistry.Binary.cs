using Bramble.Ops.Binary;

namespace Bramble.Ops;

public static partial class OpRegistry
{
    // Binary (XNOR) layers in Bramble's own domain; Passes/Binary rewrites the float-equivalent ONNX pattern into them.
    static partial void RegisterBinary(Registrar add)
    {
        add("BinarizeActivation", (node, _) => new BinarizeActivation(node), domain: BrambleDomain);
        add("BinaryConv", (node, _) => new BinaryConv(node), domain: BrambleDomain);
        add("BinaryGemm", (node, _) => new BinaryGemm(node), domain: BrambleDomain);
    }
}
