using Bramble.Ops;

namespace Bramble.Compilation;

/// <summary>
/// One node of a compiled model: its operator, prepared once for constant shapes, and a context bound to
/// fixed tensors in the arena and the weight image. Executing it re-binds nothing and allocates nothing.
/// </summary>
public sealed class CompiledStep
{
    private readonly Operator _op;
    private readonly ExecContext _context;

    internal CompiledStep(Operator op, ExecContext context)
    {
        _op = op;
        _context = context;
    }

    /// <summary>The node this step runs (for error messages and profiling).</summary>
    public string Description => _op.Node.Describe();

    /// <summary>The kernel the operator chose in preparation.</summary>
    public string KernelName => _op.KernelName;

    public void Execute() => _op.Execute(_context);
}
