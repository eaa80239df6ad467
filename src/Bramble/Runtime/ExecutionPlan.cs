using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Tensors;

namespace Bramble.Runtime;

/// <summary>
/// A graph specialised to one set of input shapes: every value's shape is known, constant sub-graphs
/// (including Shape→Gather→Concat→Reshape chains) are folded away, each remaining node is a step with a
/// prepared operator, and every intermediate tensor has an offset in one arena planned by liveness.
/// </summary>
internal sealed class ExecutionPlan : IDisposable
{
    internal sealed class Value
    {
        public required string Name;
        public DataType Type;
        public int[] Shape = [];
        public Tensor? Constant;
        public int GraphInput = -1;
        public int ViewOf = -1;
        public int Request = -1;
        public long Offset;
        public long Bytes => ShapeUtil.ElementCount(Shape) * Type.Size();
    }

    internal sealed class Step
    {
        public required Operator Op;
        public required int[] Inputs;
        public required int[] Outputs;
        public long WorkspaceBytes;
        public long WorkspaceOffset;
        public long Macs;
    }

    private readonly List<Tensor> _folded = new();

    public required Value[] Values { get; init; }
    public required Step[] Steps { get; init; }
    public required int[] GraphInputIds { get; init; }
    public required int[] GraphOutputIds { get; init; }
    public required int[][] InputShapes { get; init; }
    public long ArenaBytes { get; private set; }
    public long TheoreticalMinimumBytes { get; private set; }

    /// <summary>
    /// Builds the plan, or returns null when some shape depends on a value known only at run time
    /// (the session then executes dynamically). With <paramref name="mayFree"/>, constants that every reader
    /// has copied (packed weights, inputs of folded nodes) are freed while the plan is built, as soon as their
    /// last reader is prepared, so the weights never exist twice at once; <paramref name="mayFree"/> says which
    /// of the model's initializers the caller lets go (the plan's own folded constants are always the plan's).
    /// </summary>
    public static ExecutionPlan? TryBuild(Model model, int[][] inputShapes, SessionOptions options, WorkerPool pool,
        Func<Tensor, bool>? mayFree = null)
    {
        var graph = model.Graph;
        var ids = new Dictionary<string, int>();
        var values = new List<Value>();
        int Define(string name, DataType type, int[] shape, Tensor? constant)
        {
            ids[name] = values.Count;
            values.Add(new Value { Name = name, Type = type, Shape = shape, Constant = constant });
            return values.Count - 1;
        }

        var realInputs = graph.RealInputs.ToList();
        var inputIds = new int[realInputs.Count];
        for (int i = 0; i < realInputs.Count; i++)
        {
            inputIds[i] = Define(realInputs[i].Name, realInputs[i].Type, inputShapes[i], null);
            values[inputIds[i]].GraphInput = i;
        }
        foreach (var (name, tensor) in graph.Initializers)
            Define(name, tensor.Type, tensor.Shape, tensor);

        var plan = new ExecutionPlan
        {
            Values = [], Steps = [], GraphInputIds = inputIds, GraphOutputIds = [], InputShapes = inputShapes,
        };
        var steps = new List<Step>();
        var infers = new List<InferContext>();
        var release = mayFree == null ? null : new ConstantRelease(graph, mayFree);
        try
        {
            // Phase 1: every shape and folded constant. A DynamicShapeException can only come from here, before
            // anything is packed or freed, so the dynamic executor still finds every weight.
            foreach (var node in graph.Nodes)
            {
                long opset = model.OpsetFor(node.Domain);
                var op = OpRegistry.Create(node, opset);
                int[] ins = node.Inputs.Select(n => n.Length == 0 ? -1 : ids[n]).ToArray();
                var infer = new InferContext(node, opset,
                    ins.Select(i => i < 0 ? DataType.Undefined : values[i].Type).ToArray(),
                    ins.Select(i => i < 0 ? null : values[i].Shape).ToArray(),
                    ins.Select(i => i < 0 ? null : values[i].Constant).ToArray());
                try
                {
                    op.InferOutputs(infer);
                }
                catch
                {
                    op.Dispose();
                    throw;
                }

                bool allKnown = Enumerable.Range(0, node.Outputs.Count).All(o => node.Outputs[o].Length == 0 || infer.OutputValues[o] != null);
                bool allConstant = op.IsDeterministic && ins.All(i => i < 0 || values[i].Constant != null);
                Tensor?[]? folded = null;
                if (allKnown)
                    folded = infer.OutputValues.ToArray();
                else if (allConstant)
                {
                    try
                    {
                        folded = NodeEvaluator.Run(op, infer, ins.Select(i => i < 0 ? null : values[i].Constant).ToArray(), options, pool);
                    }
                    catch
                    {
                        op.Dispose();
                        throw;
                    }
                }

                int[] outs = new int[node.Outputs.Count];
                for (int o = 0; o < outs.Length; o++)
                {
                    if (node.Outputs[o].Length == 0) { outs[o] = -1; continue; }
                    var type = infer.OutputTypes[o];
                    var shape = infer.OutputShapes[o] ?? throw new ShapeException($"{node.Describe()} did not infer a shape for output {o}");
                    Tensor? constant = folded?[o];
                    // Borrowed values (a Constant node's tensor) stay the model's; everything else folded is the plan's.
                    bool borrowed = allKnown && constant != null && !infer.OutputValueOwned[o];
                    if (constant != null && !borrowed)
                    {
                        plan._folded.Add(constant);
                        release?.OwnedByPlan(constant);
                    }
                    outs[o] = Define(node.Outputs[o], type, shape, constant);
                }
                if (folded != null)
                {
                    // Folding read its inputs' values once; the plan keeps only the result.
                    release?.Folded(ins, values);
                    op.Dispose();
                    continue;
                }
                if (op.IsView) values[outs[0]].ViewOf = ins[0];
                steps.Add(new Step { Op = op, Inputs = ins, Outputs = outs });
                infers.Add(infer);
            }

            // Phase 2: one-time preparation (weight packing); an original is freed once all its readers own copies.
            release?.Begin(values);
            for (int s = 0; s < steps.Count; s++)
            {
                var step = steps[s];
                var prepare = new PrepareContext(infers[s], options);
                step.Op.Prepare(prepare);
                step.WorkspaceBytes = prepare.WorkspaceBytes;
                step.Macs = step.Op.CountMacs(infers[s]);
                release?.Prepared(step.Op, step.Inputs, values);
            }
        }
        catch (DynamicShapeException)
        {
            foreach (var step in steps) step.Op.Dispose();
            plan.Dispose();
            return null;
        }
        catch
        {
            foreach (var step in steps) step.Op.Dispose();
            plan.Dispose();
            throw;
        }

        var built = new ExecutionPlan
        {
            Values = values.ToArray(),
            Steps = steps.ToArray(),
            GraphInputIds = inputIds,
            GraphOutputIds = graph.Outputs.Select(o => ids[o.Name]).ToArray(),
            InputShapes = inputShapes,
        };
        built._folded.AddRange(plan._folded);
        built.Released = release?.Released ?? [];
        built.PlanMemory();
        return built;
    }

    /// <summary>Constants the plan folded and owns.</summary>
    public IReadOnlyList<Tensor> FoldedConstants => _folded;

    /// <summary>Constants this plan freed while it was built (their values keep shape and type, not data).</summary>
    public IReadOnlyCollection<Tensor> Released { get; private set; } = [];

    /// <summary>Bytes of the weight copies the plan's operators made in Prepare (packed panels).</summary>
    public long PreparedWeightBytes
    {
        get
        {
            long bytes = 0;
            foreach (var step in Steps) bytes += step.Op.PreparedWeightBytes;
            return bytes;
        }
    }

    private int Root(int id)
    {
        while (Values[id].ViewOf >= 0) id = Values[id].ViewOf;
        return id;
    }

    /// <summary>Gives each intermediate value (and each step's workspace) an arena offset by liveness.</summary>
    private void PlanMemory()
    {
        int n = Values.Length;
        var first = Enumerable.Repeat(-1, n).ToArray();
        var last = Enumerable.Repeat(-1, n).ToArray();
        for (int s = 0; s < Steps.Length; s++)
        {
            foreach (int o in Steps[s].Outputs)
                if (o >= 0) { int r = Root(o); if (first[r] < 0) first[r] = s; last[r] = Math.Max(last[r], s); }
            foreach (int i in Steps[s].Inputs)
                if (i >= 0) { int r = Root(i); last[r] = Math.Max(last[r], s); }
        }
        foreach (int o in GraphOutputIds) last[Root(o)] = Steps.Length;

        var requests = new List<MemoryPlanner.Request>();
        var owners = new List<int>();
        for (int v = 0; v < n; v++)
        {
            var value = Values[v];
            if (value.Constant != null || value.GraphInput >= 0 || value.ViewOf >= 0 || first[v] < 0) continue;
            value.Request = requests.Count;
            requests.Add(new MemoryPlanner.Request(value.Bytes, first[v], last[v]));
            owners.Add(v);
        }
        for (int s = 0; s < Steps.Length; s++)
        {
            if (Steps[s].WorkspaceBytes <= 0) continue;
            requests.Add(new MemoryPlanner.Request(Steps[s].WorkspaceBytes, s, s));
            owners.Add(-1 - s);
        }
        var placement = MemoryPlanner.Place(requests);
        for (int r = 0; r < requests.Count; r++)
        {
            if (owners[r] >= 0) Values[owners[r]].Offset = placement.Offsets[r];
            else Steps[-1 - owners[r]].WorkspaceOffset = placement.Offsets[r];
        }
        ArenaBytes = placement.ArenaBytes;
        TheoreticalMinimumBytes = placement.TheoreticalMinimumBytes;
    }

    /// <summary>The value whose memory a (possibly view) value uses.</summary>
    public int StorageRoot(int id) => Root(id);

    /// <summary>Multiply-accumulates of one run.</summary>
    public long TotalMacs => Steps.Sum(s => s.Macs);

    public void Dispose()
    {
        foreach (var step in Steps) step.Op.Dispose();
        foreach (var t in _folded) t.Dispose();
        _folded.Clear();
    }
}
