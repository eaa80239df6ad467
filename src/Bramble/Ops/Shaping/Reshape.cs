using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX Reshape: shape from input 1 (opset ≥ 5) or the "shape" attribute (opset 1–4). A 0 copies the
/// input's dimension at the same index (unless allowzero = 1, opset 14, where 0 means an empty dimension);
/// one -1 is inferred from the element count.
/// </summary>
public sealed class Reshape(Node node, long opset) : ViewOperator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        var requested = ShapeArgs.FromInputOrAttribute(ctx, 1, "shape");
        if (!requested.Present) throw ctx.Error("the target shape is missing");
        bool allowZero = opset >= 14 && Node.GetInt("allowzero", 0) != 0;
        ctx.SetOutput(0, ctx.InputType(0), Resolve(Node, input, requested, allowZero));
    }

    internal static int[] Resolve(Node node, int[] input, IntArg requested, bool allowZero)
    {
        var output = new int[requested.Length];
        int inferred = -1;
        long known = 1;
        bool hasZero = false;
        string Requested()
        {
            var parts = new long[requested.Length];
            for (int i = 0; i < parts.Length; i++) parts[i] = requested[i];
            return "[" + string.Join("x", parts) + "]";
        }
        for (int i = 0; i < output.Length; i++)
        {
            long v = requested[i];
            if (v == -1)
            {
                if (inferred >= 0) throw new ShapeException($"{node.Describe()}: shape {Requested()} has more than one -1");
                inferred = i;
                continue;
            }
            if (v == 0 && !allowZero)
            {
                if (i >= input.Length)
                    throw new ShapeException($"{node.Describe()}: shape {Requested()} copies dimension {i} (0) but the input {ShapeUtil.Format(input)} has rank {input.Length}");
                output[i] = input[i];
            }
            else
            {
                output[i] = ShapeArgs.Dim(node, v, $"dimension {i} of shape {Requested()}:");
            }
            if (v == 0) hasZero = true;
            // Saturate instead of overflowing: any product beyond the input's count is a mismatch anyway.
            known = output[i] != 0 && known > long.MaxValue / output[i] ? long.MaxValue : known * output[i];
        }
        long total = ShapeUtil.ElementCount(input);
        if (inferred >= 0)
        {
            if (allowZero && hasZero)
                throw new ShapeException($"{node.Describe()}: shape {Requested()} has both 0 and -1 with allowzero=1");
            if (known == 0 || total % known != 0)
                throw new ShapeException($"{node.Describe()}: cannot reshape {ShapeUtil.Format(input)} ({total} elements) to {Requested()}");
            output[inferred] = checked((int)(total / known));
        }
        else if (known != total)
        {
            throw new ShapeException($"{node.Describe()}: cannot reshape {ShapeUtil.Format(input)} ({total} elements) to {Requested()} ({known} elements)");
        }
        return output;
    }
}
