using Bramble.Graph;
using Bramble.Training.Autodiff;

namespace Bramble.Training.Gradients;

/// <summary>The ONNX operators training can differentiate, and which of their inputs are state rather than parameters.</summary>
public static class GradientRegistry
{
    private static readonly HashSet<string> Supported =
    [
        "Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSwish",
        "MaxPool", "AveragePool", "GlobalAveragePool", "Add", "Sub", "Mul", "Concat", "Reshape", "Flatten",
        "Identity", "Transpose", "Dropout", "Sign",
    ];

    public static bool IsSupported(Node node) => node.Domain is "" or "ai.onnx" && Supported.Contains(node.OpType);

    public static IReadOnlyCollection<string> OpTypes => Supported;

    public static GradientOp Create(Node node, TValue[] inputs, TValue[] outputs)
    {
        if (!IsSupported(node))
            throw new UnsupportedOperatorException($"{node.Describe()}: training has no gradient for {node.OpType} (supported: {string.Join(", ", Supported.Order(StringComparer.Ordinal))})");
        return node.OpType switch
        {
            "Conv" => new ConvGradient(node, inputs, outputs),
            "Gemm" or "MatMul" => new GemmGradient(node, inputs, outputs),
            "BatchNormalization" => new BatchNormGradient(node, inputs, outputs),
            "Relu" or "LeakyRelu" or "Clip" or "Sigmoid" or "HardSwish" or "Sign" => new ActivationGradient(node, inputs, outputs),
            "MaxPool" or "AveragePool" or "GlobalAveragePool" => new PoolGradient(node, inputs, outputs),
            "Add" or "Sub" or "Mul" => new ArithmeticGradient(node, inputs, outputs),
            "Concat" => new ConcatGradient(node, inputs, outputs),
            "Transpose" => new TransposeGradient(node, inputs, outputs),
            "Dropout" => new DropoutGradient(node, inputs, outputs),
            _ => new ReshapeGradient(node, inputs, outputs),
        };
    }

    /// <summary>
    /// Whether input <paramref name="index"/> of <paramref name="node"/>, when an initializer, is state or a
    /// hyper-parameter (BN running statistics, Clip bounds, Dropout ratio, Reshape's shape) rather than a weight.
    /// </summary>
    public static bool IsNonTrainableInput(Node node, int index) => node.OpType switch
    {
        "BatchNormalization" => index >= 3,
        "Clip" or "Dropout" or "Reshape" => index >= 1,
        _ => false,
    };
}
