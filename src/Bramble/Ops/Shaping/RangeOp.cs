using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>ONNX Range: start, start+delta, … up to (excluding) limit; max(ceil((limit-start)/delta), 0) elements.</summary>
public sealed class RangeOp(Node node) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var type = ctx.InputType(0);
        if (type is not (DataType.Float32 or DataType.Float64 or DataType.Int16 or DataType.Int32 or DataType.Int64))
            throw new UnsupportedOperatorException($"{Node.Describe()}: Range of {type.Name()} is not supported");
        for (int i = 0; i < 3; i++)
        {
            if (ctx.InputType(i) != type) throw ctx.Error("start, limit and delta must have the same type");
            if (ctx.InputShape(i).Length != 0 && ShapeUtil.ElementCount(ctx.InputShape(i)) != 1) throw ctx.Error($"input {i} must be a scalar");
        }
        var start = ctx.RequireValue(0);
        var limit = ctx.RequireValue(1);
        var delta = ctx.RequireValue(2);
        double count;
        if (ShapeArgs.IsInteger(type))
        {
            long s = start.GetInt64(0), l = limit.GetInt64(0), d = delta.GetInt64(0);
            if (d == 0) throw ctx.Error("delta is 0");
            // Exact ceiling division for integers (doubles would round large int64 values).
            long diff = l - s;
            count = d > 0 ? (diff > 0 ? (diff + d - 1) / d : 0) : (diff < 0 ? (-diff + -d - 1) / -d : 0);
        }
        else
        {
            double d = delta.GetDouble(0);
            if (d == 0 || double.IsNaN(d)) throw ctx.Error($"delta {d} is invalid");
            count = Math.Max(Math.Ceiling((limit.GetDouble(0) - start.GetDouble(0)) / d), 0);
            if (double.IsNaN(count)) throw ctx.Error("start or limit is not a number");
        }
        if (count > ShapeArgs.MaxElements) throw ctx.Error($"Range of {count} elements is too large");
        ctx.SetOutput(0, type, [(int)count]);
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var y = ctx.Output(0);
        byte* s = ctx.Input(0).Data, d = ctx.Input(2).Data;
        switch (y.Type)
        {
            case DataType.Float32: Fill((float*)y.Data, y.Length, *(float*)s, *(float*)d); break;
            case DataType.Float64: Fill((double*)y.Data, y.Length, *(double*)s, *(double*)d); break;
            case DataType.Int16: Fill((short*)y.Data, y.Length, *(short*)s, *(short*)d); break;
            case DataType.Int32: Fill((int*)y.Data, y.Length, *(int*)s, *(int*)d); break;
            case DataType.Int64: Fill((long*)y.Data, y.Length, *(long*)s, *(long*)d); break;
        }
    }

    private static unsafe void Fill<T>(T* y, long n, T start, T delta) where T : unmanaged, INumber<T>
    {
        for (long i = 0; i < n; i++) y[i] = start + T.CreateTruncating(i) * delta;
    }
}
