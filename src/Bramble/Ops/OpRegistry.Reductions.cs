using Bramble.Ops.Reduce;

namespace Bramble.Ops;

public static partial class OpRegistry
{
    static partial void RegisterReductions(Registrar add)
    {
        add("ReduceSum", (n, opset) => new ReduceSum(n, opset));
        add("ReduceMean", (n, opset) => new ReduceMean(n, opset));
        add("ReduceMax", (n, opset) => new ReduceMax(n, opset));
        add("ReduceMin", (n, opset) => new ReduceMin(n, opset));
        add("ReduceProd", (n, opset) => new ReduceProd(n, opset));
        add("ReduceL1", (n, opset) => new ReduceL1(n, opset));
        add("ReduceL2", (n, opset) => new ReduceL2(n, opset));
        add("ReduceSumSquare", (n, opset) => new ReduceSumSquare(n, opset));
        add("ReduceLogSum", (n, opset) => new ReduceLogSum(n, opset));
        add("ReduceLogSumExp", (n, opset) => new ReduceLogSumExp(n, opset));
        add("ArgMax", (n, _) => new ArgMax(n));
        add("ArgMin", (n, _) => new ArgMin(n));
    }
}
