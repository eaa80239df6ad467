using Bramble.Graph;

namespace Bramble.Runtime.Profiling;

/// <summary>Groups nodes the way people ask "where does the time go": conv 3×3 / 1×1 / depthwise, GEMM, elementwise…</summary>
public static class OpCategory
{
    private static readonly HashSet<string> Elementwise = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Clip", "HardSigmoid", "HardSwish",
        "Mish", "Softplus", "Exp", "Log", "Sqrt", "Pow", "Neg", "Abs", "Elu", "PRelu", "Max", "Min", "Sum", "Erf",
        "BatchNormalization", "Cast", "Where", "Equal", "Less", "Greater", "Not", "Floor", "Ceil", "Sign",
    };

    public static string Of(Node node, int[][] inputShapes)
    {
        switch (node.OpType)
        {
            case "Conv":
            case "FusedConv":
            {
                if (inputShapes.Length < 2 || inputShapes[1].Length < 3) return "conv";
                var w = inputShapes[1];
                long group = node.GetInt("group", 1);
                string kernel = string.Join("x", w.Skip(2));
                if (group > 1 && group == inputShapes[0][1] && w[1] == 1) return $"conv depthwise {kernel}";
                return group > 1 ? $"conv grouped {kernel}" : $"conv {kernel}";
            }
            case "ConvTranspose": return "conv transpose";
            case "Gemm" or "MatMul": return "gemm";
            case "MaxPool" or "AveragePool" or "GlobalAveragePool" or "GlobalMaxPool": return "pooling";
            case "Resize" or "Upsample": return "resize";
            case "Concat" or "Split" or "Slice" or "Transpose" or "Reshape" or "Gather" or "Pad" or "Expand" or "Tile": return "data movement";
            case "Softmax" or "LogSoftmax": return "softmax";
        }
        if (node.Domain == "ai.bramble" && node.OpType is "BinaryConv" or "BinaryGemm" or "BinarizeActivation") return "binary";
        if (node.OpType.StartsWith("QLinear", StringComparison.Ordinal) || node.OpType.EndsWith("Integer", StringComparison.Ordinal)) return "int8";
        if (node.OpType.StartsWith("Reduce", StringComparison.Ordinal)) return "reduction";
        return Elementwise.Contains(node.OpType) ? "elementwise" : "other";
    }
}
