using Bramble.Tensors;

namespace Bramble.Ops;

/// <summary>What an operator sees in its one-time preparation: bound shapes, constants, session options.</summary>
public sealed class PrepareContext
{
    public PrepareContext(InferContext shapes, Runtime.SessionOptions options)
    {
        Shapes = shapes;
        Options = options;
    }

    /// <summary>The input and output shapes/types, and constant input values, as inferred.</summary>
    public InferContext Shapes { get; }

    public Runtime.SessionOptions Options { get; }

    /// <summary>Bytes of scratch memory this node needs during Execute; the planner places it in the arena.</summary>
    public long WorkspaceBytes { get; private set; }

    public void RequestWorkspace(long bytes) => WorkspaceBytes = Math.Max(WorkspaceBytes, bytes);

    public Tensor? ConstantInput(int i) => Shapes.InputValue(i);
}
