using Bramble.Graph;
using Bramble.Kernels;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Compilation;

/// <summary>
/// Prepares every step of a plan as the compiled executable will (same operator, shapes, constants and options)
/// with a <see cref="PackedWeightRecorder"/>, and stores the weights its kernels prepare (GEMM panels,
/// Winograd-transformed filters, depthwise copies) in the blob, so the executable uses them in place instead of
/// packing at startup. An original weight is then left out of the blob when every step reading it holds its own
/// complete prepared copy; all others stay (<see cref="RawNeeded"/>).
/// </summary>
internal sealed unsafe class PrepackedSteps
{
    public PrepackedSteps(ExecutionPlan plan, Model model, SessionOptions options, WeightBlobBuilder blob)
    {
        var values = plan.Values;
        Entries = new long[plan.Steps.Length][];
        RawNeeded = new bool[values.Length];
        for (int s = 0; s < plan.Steps.Length; s++)
        {
            var step = plan.Steps[s];
            Entries[s] = [];
            if (step.Op.IsView) continue;
            var node = step.Op.Node;
            var types = new DataType[step.Inputs.Length];
            var shapes = new int[]?[step.Inputs.Length];
            var constants = new Tensor?[step.Inputs.Length];
            for (int i = 0; i < step.Inputs.Length; i++)
            {
                int id = step.Inputs[i];
                if (id < 0) continue;
                types[i] = values[id].Type;
                shapes[i] = values[id].Shape;
                constants[i] = ConstantValue(plan, id);
            }
            var recorder = new PackedWeightRecorder();
            Operator op;
            using (PackedWeights.Use(recorder))
                op = CompiledRuntime.PrepareOperator(node, model.OpsetFor(node.Domain), types, shapes, constants, options, out _);
            try
            {
                var entries = new long[2 * recorder.Buffers.Count];
                for (int b = 0; b < recorder.Buffers.Count; b++)
                {
                    var buffer = recorder.Buffers[b];
                    entries[2 * b] = blob.AddCopy(buffer.Pointer, buffer.ByteLength);
                    entries[2 * b + 1] = buffer.ByteLength;
                }
                Entries[s] = entries;
                PackedBytes += recorder.Bytes;
                // Complete: everything the operator holds prepared came through the recorder (an operator that also
                // packs some other way, e.g. into managed arrays, packs again at startup and so needs its originals).
                bool complete = recorder.Bytes > 0 && recorder.Bytes == op.PreparedWeightBytes;
                for (int i = 0; i < step.Inputs.Length; i++)
                    if (step.Inputs[i] >= 0 && !(complete && op.OwnsCopyOfInput(i))) NeedRaw(plan, step.Inputs[i]);
            }
            finally
            {
                op.Dispose();
            }
        }
        // Graph outputs and views are read as bytes at run time.
        foreach (int id in plan.GraphOutputIds) NeedRaw(plan, id);
        for (int id = 0; id < values.Length; id++)
            if (values[id].ViewOf >= 0) NeedRaw(plan, values[id].ViewOf);
    }

    /// <summary>Per plan step: (offset, bytes) pairs of its prepared weights in the blob, in the order Prepare takes them.</summary>
    public long[][] Entries { get; }

    /// <summary>Per plan value: whether the executable needs the value's own bytes (false: only its packed form).</summary>
    public bool[] RawNeeded { get; }

    /// <summary>Bytes of prepared weights stored.</summary>
    public long PackedBytes { get; private set; }

    /// <summary>Marks a value and everything it is a view of as read as bytes.</summary>
    private void NeedRaw(ExecutionPlan plan, int id)
    {
        for (; id >= 0; id = plan.Values[id].ViewOf) RawNeeded[id] = true;
    }

    /// <summary>
    /// The constant value of an input as the executable's runtime sees it: a weight, or a view of one (which
    /// <see cref="CompiledRuntime.View"/> keeps constant); null for values computed at run time.
    /// </summary>
    private static Tensor? ConstantValue(ExecutionPlan plan, int id)
    {
        var value = plan.Values[id];
        if (value.Constant != null) return value.Constant;
        if (value.ViewOf < 0 || ConstantValue(plan, value.ViewOf) is not { } root) return null;
        return Tensor.View(value.Type, value.Shape, root.Data, root);
    }
}
