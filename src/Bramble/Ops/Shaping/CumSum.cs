using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX CumSum along the axis given by input 1 (scalar); exclusive = sum of earlier elements only, reverse = from the end.</summary>
public sealed class CumSum(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        var type = ctx.InputType(0);
        if (!ElementValues.IsNumeric(type) || type is DataType.Int8 or DataType.UInt8 or DataType.Int16 or DataType.UInt16)
            throw new UnsupportedOperatorException($"{Node.Describe()}: CumSum of {type.Name()} is not supported");
        if (ShapeUtil.ElementCount(ctx.InputShape(1)) != 1) throw ctx.Error("axis must be a scalar");
        if (!ShapeArgs.IsInteger(ctx.InputType(1))) throw ctx.Error("axis must be an integer");
        if (input.Length == 0) throw ctx.Error("input must have rank ≥ 1");
        if (ctx.InputValue(1) is { } axis) ShapeArgs.Axis(Node, axis.GetInt64(0), input.Length);
        ctx.SetOutput(0, type, input);
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var y = ctx.Output(0);
        int axis = ShapeArgs.Axis(Node, ctx.Input(1).GetInt64(0), x.Rank);
        var job = new Job
        {
            X = x.Data, Y = y.Data,
            Outer = ElementCopy.Product(x.Shape, 0, axis), Dim = x.Shape[axis],
            Inner = ElementCopy.Product(x.Shape, axis + 1, x.Rank),
            Exclusive = Node.GetInt("exclusive", 0) != 0, Reverse = Node.GetInt("reverse", 0) != 0,
        };
        switch (x.Type)
        {
            case DataType.Float32: job.Run<float>(); break;
            case DataType.Float64: job.Run<double>(); break;
            case DataType.Float16: job.Run<Half>(); break;
            case DataType.Int32: job.Run<int>(); break;
            case DataType.UInt32: job.Run<uint>(); break;
            case DataType.Int64: job.Run<long>(); break;
            case DataType.UInt64: job.Run<ulong>(); break;
        }
    }

    private unsafe struct Job
    {
        public byte* X, Y;
        public long Outer, Dim, Inner;
        public bool Exclusive, Reverse;

        public readonly void Run<T>() where T : unmanaged, INumber<T>
        {
            T* x = (T*)X, y = (T*)Y;
            for (long o = 0; o < Outer; o++)
                for (long i = 0; i < Inner; i++)
                {
                    T sum = T.Zero;
                    for (long step = 0; step < Dim; step++)
                    {
                        long j = Reverse ? Dim - 1 - step : step;
                        long at = (o * Dim + j) * Inner + i;
                        T v = x[at];
                        if (Exclusive) { y[at] = sum; sum += v; }
                        else { sum += v; y[at] = sum; }
                    }
                }
        }
    }
}
