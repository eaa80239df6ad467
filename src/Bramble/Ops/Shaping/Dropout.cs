using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX Dropout at inference: output = input and the optional mask is all ones/true. Training mode
/// (opset 12's training_mode input) is random unless the ratio is 0, so it is reported as unsupported.
/// </summary>
public sealed class Dropout(Node node, long opset) : ViewOperator(node)
{
    private bool HasMask => Node.Outputs.Count > 1 && Node.Outputs[1].Length > 0;

    /// <summary>A view only without a mask: the mask output must be written, so the step must run.</summary>
    public override bool IsView => !HasMask;

    public override void InferOutputs(InferContext ctx)
    {
        var type = ctx.InputType(0);
        var shape = ctx.InputShape(0);
        // training_mode decides the semantics, so its value must be known before running.
        if (ctx.HasInput(2) && ctx.RequireValue(2).GetInt64(0) != 0)
        {
            double ratio = ctx.HasInput(1) ? ctx.RequireValue(1).GetDouble(0) : Node.GetFloat("ratio", 0.5f);
            if (ratio != 0)
                throw new UnsupportedOperatorException($"{Node.Describe()}: training-mode Dropout (ratio {ratio}) is random and not supported for inference");
        }
        ctx.SetOutput(0, type, shape);
        // Before opset 10 the mask has the input's type; since then it is bool.
        if (ctx.OutputCount > 1) ctx.SetOutput(1, opset < 10 ? type : DataType.Bool, shape);
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        base.Execute(ctx);
        if (!ctx.HasOutput(1)) return;
        var mask = ctx.Output(1);
        if (mask.Type == DataType.Bool) mask.AsSpan<byte>().Fill(1);
        else ElementValues.Fill(mask, 1.0);
    }
}
