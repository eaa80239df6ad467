using System.Runtime.CompilerServices;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Tensors;

namespace Bramble.Runtime;

/// <summary>
/// Everything one in-flight run of a plan needs: the arena, a tensor per value, a context per step.
/// Built once and reused, so a run allocates no managed memory. One state serves one run at a time;
/// concurrent runs of a session each take their own.
/// </summary>
internal sealed unsafe class ExecutionState : IDisposable
{
    private readonly ExecutionPlan _plan;
    private readonly NativeBuffer _arena;
    private readonly Tensor?[] _slots;
    private readonly ExecContext[] _contexts;
    // Views over graph inputs must follow the caller's buffers: (view id, root input id).
    private readonly (int View, int Root)[] _inputViews;

    public ExecutionState(ExecutionPlan plan, WorkerPool pool, SessionOptions options)
    {
        _plan = plan;
        _arena = new NativeBuffer(plan.ArenaBytes);
        var values = plan.Values;
        _slots = new Tensor?[values.Length];
        var inputViews = new List<(int, int)>();
        for (int v = 0; v < values.Length; v++)
        {
            var value = values[v];
            if (value.Constant != null) _slots[v] = value.Constant;
            else if (value.Request >= 0) _slots[v] = Tensor.View(value.Type, value.Shape, _arena.Pointer + value.Offset, _arena);
        }
        for (int v = 0; v < values.Length; v++)
        {
            if (values[v].ViewOf < 0) continue;
            int root = plan.StorageRoot(v);
            byte* data = _slots[root] is { } r ? r.Data : null;
            _slots[v] = Tensor.View(values[v].Type, values[v].Shape, data, _arena);
            if (values[root].GraphInput >= 0) inputViews.Add((v, root));
        }
        _inputViews = inputViews.ToArray();

        _contexts = new ExecContext[plan.Steps.Length];
        for (int s = 0; s < plan.Steps.Length; s++)
        {
            var step = plan.Steps[s];
            var ctx = new ExecContext(step.Op.Node, step.Inputs.Length, step.Outputs.Length, pool, options);
            for (int o = 0; o < step.Outputs.Length; o++)
                ctx.Outputs[o] = step.Outputs[o] >= 0 ? _slots[step.Outputs[o]] : null;
            if (step.WorkspaceBytes > 0)
            {
                ctx.WorkspacePointer = _arena.Pointer + step.WorkspaceOffset;
                ctx.WorkspaceBytes = step.WorkspaceBytes;
            }
            _contexts[s] = ctx;
        }
    }

    public ExecutionPlan Plan => _plan;

    /// <summary>Optional per-step timestamps (start, end) of the last run, filled when profiling.</summary>
    public long[]? StepTimes { get; set; }

    /// <summary>Runs the plan on <paramref name="inputs"/> (graph inputs in declaration order).</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public void Run(ReadOnlySpan<Tensor> inputs)
    {
        var ids = _plan.GraphInputIds;
        for (int i = 0; i < ids.Length; i++) _slots[ids[i]] = inputs[i];
        foreach (var (view, root) in _inputViews) _slots[view]!.RebindView(_slots[root]!.Data);

        var steps = _plan.Steps;
        var times = StepTimes;
        for (int s = 0; s < steps.Length; s++)
        {
            var step = steps[s];
            var ctx = _contexts[s];
            var stepInputs = step.Inputs;
            for (int i = 0; i < stepInputs.Length; i++)
                ctx.Inputs[i] = stepInputs[i] >= 0 ? _slots[stepInputs[i]] : null;
            if (step.Op.IsView) continue;
            if (times != null)
            {
                times[2 * s] = System.Diagnostics.Stopwatch.GetTimestamp();
                step.Op.Execute(ctx);
                times[2 * s + 1] = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            else
            {
                step.Op.Execute(ctx);
            }
        }
    }

    /// <summary>The tensor holding graph output <paramref name="index"/> after <see cref="Run"/>.</summary>
    public Tensor Output(int index) => _slots[_plan.GraphOutputIds[index]]!;

    public void Dispose() => _arena.Dispose();
}
