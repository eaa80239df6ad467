using Bramble.Graph;
using Bramble.Training.Autodiff;

namespace Bramble.Training.Gradients;

/// <summary>
/// Pointwise activations: Relu, LeakyRelu, Clip, Sigmoid, HardSwish, Sign. The backward reads the forward
/// input (or, for Sigmoid, the output) and multiplies the incoming gradient by the local slope. Sign's true
/// slope is zero almost everywhere, so it uses the straight-through estimator of binary networks instead:
/// the gradient passes where |x| ≤ 1 (the slope of hard-tanh) and stops outside.
/// </summary>
public sealed class ActivationGradient : GradientOp
{
    private readonly string _kind;
    private readonly float _alpha;
    private float _min = float.NegativeInfinity, _max = float.PositiveInfinity;

    public ActivationGradient(Node node, TValue[] inputs, TValue[] outputs) : base(node, inputs, outputs)
    {
        _kind = node.OpType;
        _alpha = node.GetFloat("alpha", 0.01f);
        if (_kind == "Clip")
        {
            // Opset < 11 carries the bounds as attributes; later opsets as optional constant inputs.
            _min = node.GetFloat("min", float.NegativeInfinity);
            _max = node.GetFloat("max", float.PositiveInfinity);
        }
    }

    public override void Forward(TrainContext ctx)
    {
        var x = In(0);
        if (_kind == "Clip")
        {
            if (Optional(1) is { Length: 1 } lo) _min = lo.Data[0];
            if (Optional(2) is { Length: 1 } hi) _max = hi.Data[0];
        }
        Out.Resize(x.Shape);
        float[] s = x.Data, d = Out.Data;
        switch (_kind)
        {
            case "Relu":
                PointwiseVectors.Clamp(s, d, 0f, float.PositiveInfinity);
                break;
            case "LeakyRelu":
                PointwiseVectors.LeakyRelu(s, d, _alpha);
                break;
            case "Clip":
                PointwiseVectors.Clamp(s, d, _min, _max);
                break;
            case "Sigmoid":
                for (int i = 0; i < s.Length; i++) d[i] = 1f / (1f + MathF.Exp(-s[i]));
                break;
            case "HardSwish":
                for (int i = 0; i < s.Length; i++) d[i] = s[i] * MathF.Min(1f, MathF.Max(0f, s[i] / 6f + 0.5f));
                break;
            case "Sign":
                // ONNX Sign: 0 stays 0, so training computes exactly what the exported graph computes.
                for (int i = 0; i < s.Length; i++) d[i] = s[i] > 0 ? 1f : s[i] < 0 ? -1f : 0f;
                break;
            default:
                throw new UnsupportedOperatorException($"{Node.Describe()}: no gradient for activation {_kind}");
        }
    }

    public override void Backward(TrainContext ctx)
    {
        var x = In(0);
        if (!x.NeedsGrad) return;
        float[] s = x.Data, y = Out.Data, dy = Out.Grad, dx = x.Grad;
        switch (_kind)
        {
            case "Relu":
                PointwiseVectors.AddWherePositive(s, dy, dx);
                break;
            case "LeakyRelu":
                PointwiseVectors.AddLeakyRelu(s, dy, dx, _alpha);
                break;
            case "Clip":
                PointwiseVectors.AddWhereInRange(s, dy, dx, _min, _max);
                break;
            case "Sigmoid":
                for (int i = 0; i < s.Length; i++) dx[i] += dy[i] * y[i] * (1f - y[i]);
                break;
            case "HardSwish":
                for (int i = 0; i < s.Length; i++)
                {
                    float v = s[i];
                    float slope = v < -3f ? 0f : v > 3f ? 1f : v / 3f + 0.5f;
                    dx[i] += dy[i] * slope;
                }
                break;
            case "Sign":
                for (int i = 0; i < s.Length; i++) if (MathF.Abs(s[i]) <= 1f) dx[i] += dy[i];
                break;
        }
    }
}
