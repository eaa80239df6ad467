using System.Numerics;
using Bramble.Graph;
using Bramble.Ops.Elementwise;
using Bramble.Tensors;

namespace Bramble.Ops.Reduce;

/// <summary>
/// ONNX ArgMax / ArgMin: int64 index of the extreme value along <c>axis</c> (default 0); keepdims (default 1);
/// ties go to the first index unless select_last_index=1 (opset 12+).
/// </summary>
public abstract class ArgExtremeOperator(Node node, bool findMax) : Operator(node)
{
    private int Axis(int rank) => ShapeUtil.NormalizeAxis(Node.GetInt("axis", 0), rank);

    public override void InferOutputs(InferContext ctx)
    {
        TypeDispatch.Require(ctx, 0, TypeDispatch.IsNumeric);
        var shape = ctx.InputShape(0);
        long axis = Node.GetInt("axis", 0);
        if (shape.Length == 0 || axis < -shape.Length || axis >= shape.Length)
            throw ctx.Error($"axis {axis} is out of range for rank {shape.Length}");
        int a = Axis(shape.Length);
        if (shape[a] == 0 && Product(shape, a) > 0)
            throw ctx.Error($"cannot take the arg{(findMax ? "max" : "min")} over an empty axis {axis}");
        var outShape = new List<int>(shape);
        if (Node.GetInt("keepdims", 1) != 0) outShape[a] = 1;
        else outShape.RemoveAt(a);
        ctx.SetOutput(0, DataType.Int64, outShape.ToArray());
    }

    // Number of outputs: product of every dimension except the axis.
    private static long Product(int[] shape, int skip)
    {
        long n = 1;
        for (int d = 0; d < shape.Length; d++)
            if (d != skip) n *= shape[d];
        return n;
    }

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        int a = Axis(x.Rank);
        long outer = 1, inner = 1;
        for (int d = 0; d < a; d++) outer *= x.Shape[d];
        for (int d = a + 1; d < x.Rank; d++) inner *= x.Shape[d];
        var kernel = new Kernel
        {
            X = x, Y = ctx.Output(0), Outer = outer, Length = x.Shape[a], Inner = inner,
            FindMax = findMax, Last = Node.GetInt("select_last_index", 0) != 0,
        };
        TypeDispatch.Numeric(x.Type, ref kernel, Node);
    }

    private struct Kernel : INumericKernel
    {
        public Tensor X, Y;
        public long Outer, Length, Inner;
        public bool FindMax, Last;

        public readonly unsafe void Run<T>() where T : unmanaged, INumber<T>, IMinMaxValue<T>
        {
            T* px = (T*)X.Data;
            long* py = (long*)Y.Data;
            for (long o = 0; o < Outer; o++)
            for (long i = 0; i < Inner; i++)
            {
                T* line = px + o * Length * Inner + i;
                long best = 0;
                for (long k = 1; k < Length; k++)
                {
                    T v = line[k * Inner], b = line[best * Inner];
                    bool better = FindMax ? v > b : v < b;
                    if (better || (Last && v == b)) best = k;
                }
                py[o * Inner + i] = best;
            }
        }
    }
}

public sealed class ArgMax(Node node) : ArgExtremeOperator(node, findMax: true);
public sealed class ArgMin(Node node) : ArgExtremeOperator(node, findMax: false);
