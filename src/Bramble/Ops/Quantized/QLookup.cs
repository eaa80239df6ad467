using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Ops.Quantized;

/// <summary>
/// Bramble's QLookup (domain ai.bramble): y = table[x] for 8-bit codes, the 256-entry table indexed by the code's
/// byte (an int8 code −1 reads entry 255). <see cref="Passes.Quantization.FoldQdqLookup"/> turns
/// DequantizeLinear → any chain of elementwise float ops on that one value (HardSwish written out as Add/Clip/Mul/Div,
/// a scalar scale and shift, Sigmoid, …) → QuantizeLinear into one: the chain maps each of the 256 input codes to
/// one output code, so it is evaluated once for all of them instead of in float for every element.
/// </summary>
public sealed unsafe class QLookup(Node node) : Operator(node)
{
    /// <summary>Elements per parallel part: large enough that the split costs less than it saves.</summary>
    private const int PartElements = 1 << 16;

    public override void InferOutputs(InferContext ctx)
    {
        QuantParams.Require8Bit(ctx, 0, "x");
        var tableType = QuantParams.Require8Bit(ctx, 1, "table");
        var table = ctx.InputShape(1);
        if (table.Length != 1 || table[0] != 256) throw ctx.Error($"table must have shape [256], got {ShapeUtil.Format(table)}");
        ctx.SetOutput(0, tableType, ctx.InputShape(0));
    }

    public override string KernelName => "int8 table";

    public override void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        var body = new Body { X = x.Data, Y = ctx.Output(0).Data, Table = ctx.Input(1).Data, Count = x.Length };
        int parts = (int)Math.Min(int.MaxValue, (x.Length + PartElements - 1) / PartElements);
        if (parts <= 1) body.Invoke(0);
        else ctx.Pool.For(parts, ref body);
    }

    private struct Body : IParallelBody
    {
        public byte* X, Y, Table;
        public long Count;

        public readonly void Invoke(int part)
        {
            long start = (long)part * PartElements, end = Math.Min(Count, start + PartElements);
            byte* table = Table;
            long i = start;
            for (; i + 4 <= end; i += 4)
            {
                Y[i] = table[X[i]];
                Y[i + 1] = table[X[i + 1]];
                Y[i + 2] = table[X[i + 2]];
                Y[i + 3] = table[X[i + 3]];
            }
            for (; i < end; i++) Y[i] = table[X[i]];
        }
    }
}
