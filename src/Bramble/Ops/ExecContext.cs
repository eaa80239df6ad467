using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Ops;

/// <summary>
/// The tensors an operator reads and writes in one execution. Created once per node per execution
/// state and re-bound to new tensors between runs, so executing allocates nothing.
/// </summary>
public sealed class ExecContext
{
    internal readonly Tensor?[] Inputs;
    internal readonly Tensor?[] Outputs;

    public ExecContext(Node node, int inputCount, int outputCount, WorkerPool pool, Runtime.SessionOptions options)
    {
        Node = node;
        Inputs = new Tensor?[inputCount];
        Outputs = new Tensor?[outputCount];
        Pool = pool;
        Options = options;
    }

    public Node Node { get; }

    /// <summary>The session's worker pool; kernels partition work over it.</summary>
    public WorkerPool Pool { get; }

    public Runtime.SessionOptions Options { get; }

    public int InputCount => Inputs.Length;
    public int OutputCount => Outputs.Length;

    public bool HasInput(int i) => i < Inputs.Length && Inputs[i] != null;

    public Tensor Input(int i) => (i < Inputs.Length ? Inputs[i] : null)
        ?? throw new ShapeException($"{Node.Describe()}: input {i} is missing");

    public Tensor? OptionalInput(int i) => i < Inputs.Length ? Inputs[i] : null;

    public bool HasOutput(int i) => i < Outputs.Length && Outputs[i] != null;

    public Tensor Output(int i) => Outputs[i] ?? throw new InvalidOperationException($"{Node.Describe()}: output {i} is not bound");

    /// <summary>Scratch memory planned for this node (see <see cref="PrepareContext.RequestWorkspace"/>), or empty.</summary>
    public unsafe Span<byte> Workspace => WorkspacePointer == null ? default : new Span<byte>(WorkspacePointer, checked((int)WorkspaceBytes));

    internal unsafe byte* WorkspacePointer;
    internal long WorkspaceBytes;
    public unsafe byte* WorkspaceData => WorkspacePointer;
}
