using Bramble.Graph;

namespace Bramble.Ops.Shaping;

/// <summary>
/// Base of operators whose output 0 is input 0's bytes under another shape. The planner aliases the
/// memory and skips <see cref="Execute"/>; the dynamic executor and constant folding still call it, so it copies.
/// </summary>
public abstract class ViewOperator(Node node) : Operator(node)
{
    public override bool IsView => true;

    public override void Execute(ExecContext ctx) => ElementCopy.Whole(ctx.Input(0), ctx.Output(0));
}
