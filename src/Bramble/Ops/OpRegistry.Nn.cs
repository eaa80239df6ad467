using Bramble.Ops.Nn;

namespace Bramble.Ops;

public static partial class OpRegistry
{
    static partial void RegisterNn(Registrar add)
    {
        add("Conv", (n, _) => new Conv(n));
        add("ConvTranspose", (n, _) => new ConvTranspose(n));
        add("MaxPool", (n, _) => new MaxPool(n));
        add("AveragePool", (n, _) => new AveragePool(n));
        add("LpPool", (n, _) => new LpPool(n));
        add("GlobalAveragePool", (n, _) => new GlobalPool(n, GlobalPoolKind.Average));
        add("GlobalMaxPool", (n, _) => new GlobalPool(n, GlobalPoolKind.Max));
        add("GlobalLpPool", (n, _) => new GlobalPool(n, GlobalPoolKind.Lp));
        add("BatchNormalization", (n, opset) => new BatchNormalization(n, opset));
        add("InstanceNormalization", (n, _) => new InstanceNormalization(n));
        add("LRN", (n, _) => new Lrn(n));
        add("LpNormalization", (n, _) => new LpNormalization(n));
        add("Gemm", (n, _) => new Gemm(n));
        add("MatMul", (n, _) => new MatMul(n));
        add("Resize", (n, opset) => new Resize(n, opset), minOpset: 10);
        // Upsample is deprecated from opset 10 but still found in opset-10 models; it keeps its opset-9 meaning.
        add("Upsample", (n, opset) => new Upsample(n, opset));
        add("Pad", (n, opset) => new Pad(n, opset));
        add("DepthToSpace", (n, _) => new DepthToSpace(n));
        add("SpaceToDepth", (n, _) => new SpaceToDepth(n));
    }
}
