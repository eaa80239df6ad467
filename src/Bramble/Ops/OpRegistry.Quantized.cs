using Bramble.Ops.Quantized;

namespace Bramble.Ops;

public static partial class OpRegistry
{
    /// <summary>Microsoft's contrib domain, home of ONNX Runtime's quantized ops that ONNX lacks.</summary>
    public const string MicrosoftDomain = "com.microsoft";

    static partial void RegisterQuantized(Registrar add)
    {
        add("QuantizeLinear", (n, _) => new QuantizeLinear(n), minOpset: 10);
        add("DequantizeLinear", (n, _) => new DequantizeLinear(n), minOpset: 10);
        add("DynamicQuantizeLinear", (n, _) => new DynamicQuantizeLinear(n), minOpset: 11);
        add("QLinearConv", (n, _) => new QLinearConv(n), minOpset: 10);
        add("QLinearMatMul", (n, _) => new QLinearMatMul(n), minOpset: 10);
        add("ConvInteger", (n, _) => new ConvInteger(n), minOpset: 10);
        add("MatMulInteger", (n, _) => new MatMulInteger(n), minOpset: 10);
        add("QLinearAdd", (n, _) => new QLinearAdd(n), domain: MicrosoftDomain);
        add("QLinearGlobalAveragePool", (n, _) => new QLinearGlobalAveragePool(n), domain: MicrosoftDomain);
        add("QuantizeLinear", (n, _) => new QuantizeLinear(n), domain: MicrosoftDomain);
        add("DequantizeLinear", (n, _) => new DequantizeLinear(n), domain: MicrosoftDomain);
        // Bramble's fused forms: QDQ Conv/MatMul folded with a following Relu/Clip (attributes fused_min/fused_max).
        add("QLinearConv", (n, _) => new QLinearConv(n), domain: BrambleDomain);
        add("QLookup", (n, _) => new QLookup(n), domain: BrambleDomain);
        add("QLinearAdd", (n, _) => new QLinearAdd(n), domain: BrambleDomain);
        add("QLinearMatMul", (n, _) => new QLinearMatMul(n), domain: BrambleDomain);
        // QDQ Gemm/MatMul (+ bias, Relu/Clip) folded by fold-qdq-gemm.
        add("QGemm", (n, _) => new QGemm(n), domain: BrambleDomain);
    }
}
