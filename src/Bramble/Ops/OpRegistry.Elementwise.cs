using Bramble.Ops.Elementwise;

namespace Bramble.Ops;

public static partial class OpRegistry
{
    static partial void RegisterElementwise(Registrar add)
    {
        // Broadcasting arithmetic and comparison.
        add("Add", (n, _) => new Add(n));
        add("Sub", (n, _) => new Sub(n));
        add("Mul", (n, _) => new Mul(n));
        add("Div", (n, _) => new Div(n));
        add("Pow", (n, _) => new Pow(n));
        add("Mod", (n, _) => new Mod(n), minOpset: 10);
        add("PRelu", (n, opset) => new PRelu(n, opset));
        add("Equal", (n, _) => new Equal(n));
        add("Less", (n, _) => new Less(n));
        add("Greater", (n, _) => new Greater(n));
        add("LessOrEqual", (n, _) => new LessOrEqual(n), minOpset: 12);
        add("GreaterOrEqual", (n, _) => new GreaterOrEqual(n), minOpset: 12);
        add("And", (n, _) => new And(n));
        add("Or", (n, _) => new Or(n));
        add("Xor", (n, _) => new Xor(n));
        add("Not", (n, _) => new Not(n));
        add("Where", (n, _) => new Where(n), minOpset: 9);

        // Variadic.
        add("Sum", (n, _) => new Sum(n));
        add("Max", (n, _) => new Max(n));
        add("Min", (n, _) => new Min(n));
        add("Mean", (n, _) => new Mean(n));

        // Unary numeric.
        add("Abs", (n, _) => new Abs(n));
        add("Neg", (n, _) => new Neg(n));
        add("Sign", (n, _) => new Sign(n), minOpset: 9);
        add("Relu", (n, _) => new Relu(n));
        add("Clip", (n, opset) => new Clip(n, opset));
        add("Cast", (n, _) => new Cast(n));
        add("CastLike", (n, _) => new CastLike(n), minOpset: 15);
        add("IsNaN", (n, _) => new IsNaN(n), minOpset: 9);
        add("IsInf", (n, _) => new IsInf(n), minOpset: 10);

        // Unary floating point.
        add("Sqrt", (n, _) => new Sqrt(n));
        add("Reciprocal", (n, _) => new Reciprocal(n));
        add("Exp", (n, _) => new Exp(n));
        add("Log", (n, _) => new Log(n));
        add("Erf", (n, _) => new Erf(n), minOpset: 9);
        add("Floor", (n, _) => new Floor(n));
        add("Ceil", (n, _) => new Ceil(n));
        add("Round", (n, _) => new Round(n), minOpset: 11);
        add("Sin", (n, _) => new Sin(n));
        add("Cos", (n, _) => new Cos(n));
        add("Tan", (n, _) => new Tan(n));
        add("Asin", (n, _) => new Asin(n));
        add("Acos", (n, _) => new Acos(n));
        add("Atan", (n, _) => new Atan(n));
        add("Sinh", (n, _) => new Sinh(n), minOpset: 9);
        add("Cosh", (n, _) => new Cosh(n), minOpset: 9);
        add("Tanh", (n, _) => new Tanh(n));
        add("Asinh", (n, _) => new Asinh(n), minOpset: 9);
        add("Acosh", (n, _) => new Acosh(n), minOpset: 9);
        add("Atanh", (n, _) => new Atanh(n), minOpset: 9);
        add("Sigmoid", (n, _) => new Sigmoid(n));

        // Activations.
        add("LeakyRelu", (n, _) => new LeakyRelu(n));
        add("HardSigmoid", (n, _) => new HardSigmoid(n));
        add("HardSwish", (n, _) => new HardSwish(n), minOpset: 14);
        add("Elu", (n, _) => new Elu(n));
        add("Selu", (n, _) => new Selu(n));
        add("Celu", (n, _) => new Celu(n), minOpset: 12);
        add("ThresholdedRelu", (n, _) => new ThresholdedRelu(n), minOpset: 10);
        add("Softplus", (n, _) => new Softplus(n));
        add("Softsign", (n, _) => new Softsign(n));
        add("Mish", (n, _) => new Mish(n), minOpset: 18);
        add("Gelu", (n, _) => new Gelu(n), minOpset: 20);
        add("Shrink", (n, _) => new Shrink(n), minOpset: 9);

        // Normalisation along an axis.
        add("Softmax", (n, opset) => new Softmax(n, opset));
        add("LogSoftmax", (n, opset) => new LogSoftmax(n, opset));
        add("Hardmax", (n, opset) => new Hardmax(n, opset));
    }
}
