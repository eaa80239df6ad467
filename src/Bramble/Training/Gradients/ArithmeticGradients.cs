using Bramble.Graph;
using Bramble.Training.Autodiff;

namespace Bramble.Training.Gradients;

/// <summary>
/// Add, Sub and Mul with numpy broadcasting (residual adds, per-channel scales). A broadcast input's
/// gradient is the output gradient summed over the broadcast dimensions.
/// </summary>
public sealed class ArithmeticGradient : GradientOp
{
    private readonly BroadcastMap _mapA = new(), _mapB = new();
    private readonly char _op;

    public ArithmeticGradient(Node node, TValue[] inputs, TValue[] outputs) : base(node, inputs, outputs)
        => _op = node.OpType switch { "Add" => '+', "Sub" => '-', "Mul" => '*', _ => throw new UnsupportedOperatorException($"{node.Describe()}: no gradient") };

    public override void Forward(TrainContext ctx)
    {
        var a = In(0);
        var b = In(1);
        int[] shape = BroadcastMap.Shape(a.Shape, b.Shape, Node.Describe());
        Out.Resize(shape);
        _mapA.Update(shape, a.Shape, Node.Describe());
        _mapB.Update(shape, b.Shape, Node.Describe());
        int[]? ma = _mapA.Map, mb = _mapB.Map;
        float[] x = a.Data, y = b.Data, d = Out.Data;
        if (ma == null && mb == null)
        {
            switch (_op)
            {
                case '+': for (int i = 0; i < d.Length; i++) d[i] = x[i] + y[i]; break;
                case '-': for (int i = 0; i < d.Length; i++) d[i] = x[i] - y[i]; break;
                default: for (int i = 0; i < d.Length; i++) d[i] = x[i] * y[i]; break;
            }
            return;
        }
        for (int i = 0; i < d.Length; i++)
        {
            float u = x[ma == null ? i : ma[i]], v = y[mb == null ? i : mb[i]];
            d[i] = _op == '+' ? u + v : _op == '-' ? u - v : u * v;
        }
    }

    public override void Backward(TrainContext ctx)
    {
        var a = In(0);
        var b = In(1);
        int[]? ma = _mapA.Map, mb = _mapB.Map;
        float[] g = Out.Grad;
        if (a.NeedsGrad)
            for (int i = 0; i < g.Length; i++)
                a.Grad[ma == null ? i : ma[i]] += _op == '*' ? g[i] * b.Data[mb == null ? i : mb[i]] : g[i];
        if (b.NeedsGrad)
            for (int i = 0; i < g.Length; i++)
                b.Grad[mb == null ? i : mb[i]] += _op == '*' ? g[i] * a.Data[ma == null ? i : ma[i]] : _op == '-' ? -g[i] : g[i];
    }
}
