using Bramble.Graph;

namespace Bramble.Ops;

/// <summary>
/// One node's executable operator. Its life has three phases (after XNNPACK's create/reshape/setup):
/// <list type="number">
/// <item><see cref="InferOutputs"/>: shapes and types of the outputs from those of the inputs (and from constant input values where the op needs them, e.g. Reshape's shape);</item>
/// <item><see cref="Prepare"/>: once shapes are bound, one-time work such as packing constant weights and choosing a kernel;</item>
/// <item><see cref="Execute"/>: compute outputs, already allocated with the inferred shapes, from inputs.</item>
/// </list>
/// The base implementation of an op is its reference kernel: simple and obviously correct; fast kernels
/// live in Kernels/ and are chosen in <see cref="Prepare"/> unless the session asks for reference kernels.
/// </summary>
public abstract class Operator : IDisposable
{
    protected Operator(Node node) => Node = node;

    public Node Node { get; }

    /// <summary>Sets every output's type and shape (and its value, when it is known without running, as for Shape).</summary>
    public abstract void InferOutputs(InferContext ctx);

    /// <summary>One-time preparation for bound shapes (weight packing, kernel choice). Default: nothing.</summary>
    public virtual void Prepare(PrepareContext ctx) { }

    /// <summary>Computes the outputs. Must not allocate managed memory on the hot path.</summary>
    public abstract void Execute(ExecContext ctx);

    /// <summary>False for ops whose result must not be folded at load time (random generators).</summary>
    public virtual bool IsDeterministic => true;

    /// <summary>
    /// True when output 0 is the same bytes as input 0 under another shape (Reshape, Flatten, Squeeze,
    /// Unsqueeze, Identity, inference-time Dropout): the planner then makes the output a view and
    /// <see cref="Execute"/> is not called.
    /// </summary>
    public virtual bool IsView => false;

    /// <summary>Multiply-accumulate count for the given bound shapes (0 for ops without arithmetic that matters).</summary>
    public virtual long CountMacs(InferContext ctx) => 0;

    /// <summary>Name of the kernel that <see cref="Execute"/> runs, for profiles (e.g. "conv3x3 winograd avx512").</summary>
    public virtual string KernelName => "reference";

    /// <summary>
    /// True when <see cref="Prepare"/> made its own copy of constant input <paramref name="index"/> (packed weights)
    /// and <see cref="Execute"/> never reads that input's data again, so a session may free the original.
    /// </summary>
    public virtual bool OwnsCopyOfInput(int index) => false;

    /// <summary>Bytes of the weight copies <see cref="Prepare"/> made (packed panels); 0 when it made none.</summary>
    public virtual long PreparedWeightBytes => 0;

    /// <summary>Frees what <see cref="Prepare"/> built (packed weights, kernel state); the plan calls it when it is dropped.</summary>
    public virtual void Dispose() { }

    public override string ToString() => Node.Describe();
}
