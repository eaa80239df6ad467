using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Tensors;

namespace Bramble.Runtime;

/// <summary>Runs one operator on concrete tensors, allocating its outputs: constant folding and dynamic execution share it.</summary>
internal static class NodeEvaluator
{
    /// <summary>Infers shapes from the actual inputs and returns the outputs (owned tensors; null for omitted outputs).</summary>
    public static Tensor?[] Evaluate(Operator op, long opset, Tensor?[] inputs, SessionOptions options, WorkerPool pool)
    {
        var infer = new InferContext(op.Node, opset,
            inputs.Select(t => t?.Type ?? DataType.Undefined).ToArray(),
            inputs.Select(t => t?.Shape).ToArray(),
            inputs);
        op.InferOutputs(infer);
        return Run(op, infer, inputs, options, pool);
    }

    /// <summary>Allocates outputs for already inferred shapes, prepares and executes the operator.</summary>
    public static Tensor?[] Run(Operator op, InferContext infer, Tensor?[] inputs, SessionOptions options, WorkerPool pool)
    {
        var node = op.Node;
        var outputs = new Tensor?[node.Outputs.Count];
        bool allKnown = true;
        for (int i = 0; i < outputs.Length; i++)
        {
            if (node.Outputs[i].Length == 0) continue;
            if (infer.OutputValues[i] is { } known) outputs[i] = infer.OutputValueOwned[i] ? known : known.Clone();
            else allKnown = false;
        }
        if (allKnown) return outputs;

        for (int i = 0; i < outputs.Length; i++)
        {
            if (node.Outputs[i].Length == 0 || outputs[i] != null) continue;
            if (infer.OutputShapes[i] is not { } shape)
                throw new ShapeException($"{node.Describe()} did not infer a shape for output {i}");
            outputs[i] = Tensor.Allocate(infer.OutputTypes[i], shape);
        }
        var prepare = new PrepareContext(infer, options);
        op.Prepare(prepare);
        using var workspace = prepare.WorkspaceBytes > 0 ? new NativeBuffer(prepare.WorkspaceBytes) : null;
        var ctx = new ExecContext(node, inputs.Length, outputs.Length, pool, options);
        Array.Copy(inputs, ctx.Inputs, inputs.Length);
        Array.Copy(outputs, ctx.Outputs, outputs.Length);
        if (workspace != null)
        {
            unsafe
            {
                ctx.WorkspacePointer = workspace.Pointer;
            }
            ctx.WorkspaceBytes = workspace.ByteLength;
        }
        op.Execute(ctx);
        return outputs;
    }
}
