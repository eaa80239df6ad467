using Bramble.Import;
using System.Buffers;
using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Passes;
using Bramble.Tensors;

namespace Bramble.Runtime;

/// <summary>
/// Runs a model. Created once from a path, a stream or a <see cref="Model"/>; <see cref="Run(IReadOnlyDictionary{string, Tensor})"/>
/// is thread-safe. For each distinct set of input shapes the session builds an <see cref="ExecutionPlan"/>
/// (shapes, folded constants, prepared kernels, arena) once and reuses it, so steady-state runs allocate nothing.
/// </summary>
public sealed partial class InferenceSession : IDisposable
{
    private const int MaxCachedPlans = 8;
    private readonly Model _model;
    private readonly WorkerPool _pool;
    private readonly List<PlanEntry> _plans = new();
    private readonly object _planLock = new();
    private readonly ValueInfo[] _inputs;

    private sealed class PlanEntry(ExecutionPlan? plan, int[][] shapes)
    {
        public readonly ExecutionPlan? Plan = plan;
        public readonly int[][] Shapes = shapes;
        public readonly Stack<ExecutionState> States = new();
    }

    /// <summary>
    /// Loads a model file (ONNX, or Darknet .cfg with its .weights beside it) and prepares it to run. When every
    /// input shape is known (declared or bound by <see cref="SessionOptions.InputShapes"/>), weights that the kernels
    /// pack are then held only in packed form (see <see cref="OriginalWeightsReleased"/>).
    /// </summary>
    public InferenceSession(string path, SessionOptions? options = null)
        : this(ModelLoader.Load(path), options, ownsModel: true) { }

    /// <summary>Runs an already loaded model; the session does not dispose it and leaves its tensors intact.</summary>
    public InferenceSession(Model model, SessionOptions? options = null) : this(model, options, ownsModel: false) { }

    /// <summary>
    /// Runs <paramref name="model"/>; with <paramref name="ownsModel"/> the session takes it over like a model it
    /// loaded from a path: it rewrites it in place, may free weights it holds in packed form, and disposes it.
    /// The caller must not use the model afterwards (read <see cref="Model"/> instead).
    /// </summary>
    public InferenceSession(Model model, SessionOptions? options, bool ownsModel)
    {
        Options = options ?? new SessionOptions();
        try
        {
            GraphValidator.ValidateAndSort(model.Graph);
            // A caller's model stays as it was: the session rewrites a structural copy sharing its weights.
            // The session always disposes _model; a copy frees only the tensors it does not share.
            _model = ownsModel ? model : model.CloneStructure();
            // Only tensors the session's model owns are freed: a caller's model keeps all of its own.
            _model.FreeDroppedEagerly = true;
        }
        catch
        {
            if (ownsModel) model.Dispose();
            throw;
        }
        try
        {
            PassPipeline.Run(_model, PassPipeline.For(Options.Optimization), out var seen);
            _model.ReleaseDropped(seen);
            foreach (var node in _model.Graph.Nodes) OpRegistry.Create(node, _model.OpsetFor(node.Domain)).Dispose();
            _inputs = _model.Graph.RealInputs.ToArray();
            foreach (var name in Options.InputShapes.Keys)
                if (_inputs.All(i => i.Name != name))
                    throw new ShapeException($"--shape names '{name}', which is not an input of the model (inputs: {string.Join(", ", _inputs.Select(i => i.Name))})");
            _pool = new WorkerPool(Options.Threads);
            // With every input dimension known, plan now: errors surface at load and the first run is fast.
            var shapes = _inputs.Select(BoundShape).ToArray();
            if (shapes.All(s => s != null))
            {
                // Every input shape is fixed, so this is the only plan the session will ever build (Run rejects
                // other shapes): the originals of packed weights can go. With symbolic dimensions each new shape
                // builds a new plan whose kernels pack again from the originals, so those are kept; a caller's
                // model (not owned) is never touched.
                _releaseWhilePlanning = ownsModel;
                try
                {
                    GetPlan(shapes!);
                }
                finally
                {
                    _releaseWhilePlanning = false;
                }
            }
        }
        catch
        {
            _pool?.Dispose();
            _model.Dispose();
            throw;
        }
    }

    public SessionOptions Options { get; }

    /// <summary>
    /// The model the session runs (after its graph passes). When <see cref="OriginalWeightsReleased"/>, the
    /// initializers that kernels packed keep their shape and type but no data: reading them throws.
    /// </summary>
    public Model Model => _model;

    private bool _releaseWhilePlanning;
    private readonly HashSet<Tensor> _released = new(ReferenceEqualityComparer.Instance);

    /// <summary>True when the session freed original weights after packing them, holding each weight once.</summary>
    public bool OriginalWeightsReleased
    {
        get { lock (_planLock) return _released.Count > 0; }
    }

    /// <summary>Bytes of constant tensors still held: the model's initializers and the plans' folded constants, minus freed ones.</summary>
    public long RetainedConstantBytes
    {
        get
        {
            lock (_planLock)
            {
                var live = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
                foreach (var t in _model.Graph.Initializers.Values) live.Add(t);
                foreach (var entry in _plans)
                    if (entry.Plan != null) foreach (var t in entry.Plan.FoldedConstants) live.Add(t);
                long bytes = 0;
                foreach (var t in live)
                    if (!_released.Contains(t)) bytes += t.ByteLength;
                return bytes;
            }
        }
    }

    /// <summary>Bytes of the weight copies the plans' kernels made (packed panels).</summary>
    public long PackedWeightBytes
    {
        get
        {
            lock (_planLock)
            {
                long bytes = 0;
                foreach (var entry in _plans) bytes += entry.Plan?.PreparedWeightBytes ?? 0;
                return bytes;
            }
        }
    }

    /// <summary>Graph inputs (without initializers), in order.</summary>
    public IReadOnlyList<ValueInfo> InputMetadata => _inputs;

    public IReadOnlyList<ValueInfo> OutputMetadata => _model.Graph.Outputs;

    /// <summary>An input's shape with symbolic dimensions bound by <see cref="SessionOptions.InputShapes"/>; null if still unknown.</summary>
    private int[]? BoundShape(ValueInfo input)
    {
        if (Options.InputShapes.TryGetValue(input.Name, out var bound)) return bound;
        return input.StaticShape;
    }

    /// <summary>Runs the model; returns new output tensors by name, which the caller owns and disposes.</summary>
    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        var ordered = OrderInputs(inputs);
        var entry = GetPlan(ordered);
        var result = new Dictionary<string, Tensor>();
        var outputs = _model.Graph.Outputs;
        if (entry.Plan == null)
        {
            var tensors = DynamicExecutor.Run(_model, ordered, Options, _pool);
            for (int i = 0; i < outputs.Count; i++) result[outputs[i].Name] = tensors[i];
            return result;
        }
        var state = Take(entry);
        try
        {
            state.Run(ordered);
            for (int i = 0; i < outputs.Count; i++) result[outputs[i].Name] = state.Output(i).Clone();
        }
        finally
        {
            Return(entry, state);
        }
        return result;
    }

    /// <summary>
    /// Runs the model writing into caller-owned output tensors (matched by name to <see cref="OutputMetadata"/>);
    /// allocates no managed memory once the plan for these input shapes exists.
    /// </summary>
    public void Run(ReadOnlySpan<NamedTensor> inputs, ReadOnlySpan<NamedTensor> outputs)
    {
        foreach (var given in inputs)
            if (InputIndex(given.Name) < 0)
                throw new ShapeException($"'{given.Name}' is not an input of the model");
        var ordered = ArrayPool<Tensor>.Shared.Rent(_inputs.Length);
        try
        {
            for (int i = 0; i < _inputs.Length; i++)
            {
                ordered[i] = Find(inputs, _inputs[i].Name)
                    ?? throw new ShapeException($"input '{_inputs[i].Name}' is missing (expected {_inputs[i].Type.Name()}{_inputs[i].ShapeText})");
                Validate(_inputs[i], ordered[i]);
            }
            var bound = new ReadOnlySpan<Tensor>(ordered, 0, _inputs.Length);
            var entry = GetPlan(bound);
            if (entry.Plan == null)
            {
                var tensors = DynamicExecutor.Run(_model, bound.ToArray(), Options, _pool);
                try
                {
                    foreach (var target in outputs) target.Tensor.CopyFrom(tensors[OutputIndex(target.Name)]);
                }
                finally
                {
                    foreach (var t in tensors) t.Dispose();
                }
                return;
            }
            var state = Take(entry);
            try
            {
                state.Run(bound);
                foreach (var target in outputs) target.Tensor.CopyFrom(state.Output(OutputIndex(target.Name)));
            }
            finally
            {
                Return(entry, state);
            }
        }
        finally
        {
            Array.Clear(ordered, 0, _inputs.Length);
            ArrayPool<Tensor>.Shared.Return(ordered);
        }
    }

    private int InputIndex(string name)
    {
        for (int i = 0; i < _inputs.Length; i++)
            if (_inputs[i].Name == name) return i;
        return -1;
    }

    private int OutputIndex(string name)
    {
        var declared = _model.Graph.Outputs;
        for (int i = 0; i < declared.Count; i++)
            if (declared[i].Name == name) return i;
        throw new ShapeException($"'{name}' is not an output of the model");
    }

    private static Tensor? Find(ReadOnlySpan<NamedTensor> items, string name)
    {
        foreach (var item in items)
            if (item.Name == name) return item.Tensor;
        return null;
    }

    private Tensor[] OrderInputs(IReadOnlyDictionary<string, Tensor> inputs)
    {
        foreach (var name in inputs.Keys)
            if (Array.FindIndex(_inputs, i => i.Name == name) < 0)
                throw new ShapeException($"'{name}' is not an input of the model (inputs: {string.Join(", ", _inputs.Select(i => i.Name))})");
        var ordered = new Tensor[_inputs.Length];
        for (int i = 0; i < _inputs.Length; i++)
        {
            if (!inputs.TryGetValue(_inputs[i].Name, out var t))
                throw new ShapeException($"input '{_inputs[i].Name}' is missing (expected {_inputs[i].Type.Name()}{_inputs[i].ShapeText})");
            Validate(_inputs[i], t);
            ordered[i] = t;
        }
        return ordered;
    }

    /// <summary>Checks a given input against the declared type, rank and fixed dimensions.</summary>
    private void Validate(ValueInfo declared, Tensor given)
    {
        if (declared.Type != DataType.Undefined && given.Type != declared.Type)
            throw new ShapeException($"input '{declared.Name}': expected {declared.Type.Name()}, got {given.Type.Name()}");
        // Checked without building Dim arrays: this runs on every call, which must not allocate.
        if (Options.InputShapes.TryGetValue(declared.Name, out var bound))
        {
            if (!bound.AsSpan().SequenceEqual(given.Shape))
                throw new ShapeException($"input '{declared.Name}': expected shape {ShapeUtil.Format(bound)}, got {ShapeUtil.Format(given.Shape)}");
            return;
        }
        var expected = declared.Shape;
        if (expected == null) return;
        bool ok = expected.Length == given.Rank;
        for (int d = 0; ok && d < expected.Length; d++)
            ok = !expected[d].IsFixed || expected[d].Value == given.Shape[d];
        if (!ok)
            throw new ShapeException($"input '{declared.Name}': expected shape [{string.Join("x", expected.Select(d => d.ToString()))}], got {ShapeUtil.Format(given.Shape)}");
    }

    private PlanEntry GetPlan(ReadOnlySpan<Tensor> inputs)
    {
        lock (_planLock)
        {
            foreach (var entry in _plans)
                if (SameShapes(entry.Shapes, inputs)) return entry;
        }
        var shapes = new int[inputs.Length][];
        for (int i = 0; i < inputs.Length; i++) shapes[i] = inputs[i].Shape;
        return GetPlan(shapes);
    }

    private PlanEntry GetPlan(int[][] shapes)
    {
        lock (_planLock)
        {
            foreach (var entry in _plans)
                if (SameShapes(entry.Shapes, shapes)) return entry;
            if (_released.Count > 0)
                throw new ShapeException($"input shapes {string.Join(", ", shapes.Select(s => ShapeUtil.Format(s)))} differ from the fixed shapes this session was planned for; it freed the original weights after packing them");
            var copies = shapes.Select(s => (int[])s.Clone()).ToArray();
            var plan = ExecutionPlan.TryBuild(_model, copies, Options, _pool, _releaseWhilePlanning ? t => !_model.Shares(t) : null);
            if (plan != null) _released.UnionWith(plan.Released);
            var created = new PlanEntry(plan, copies);
            if (_plans.Count >= MaxCachedPlans) Evict(_plans[0]);
            _plans.Add(created);
            return created;
        }
    }

    private void Evict(PlanEntry entry)
    {
        _plans.Remove(entry);
        while (entry.States.TryPop(out var s)) s.Dispose();
        entry.Plan?.Dispose();
    }

    private static bool SameShapes(int[][] a, ReadOnlySpan<Tensor> b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (!a[i].AsSpan().SequenceEqual(b[i].Shape)) return false;
        return true;
    }

    private static bool SameShapes(int[][] a, int[][] b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++)
            if (!a[i].AsSpan().SequenceEqual(b[i])) return false;
        return true;
    }

    private ExecutionState Take(PlanEntry entry)
    {
        lock (entry.States)
        {
            if (entry.States.TryPop(out var state)) return state;
        }
        return new ExecutionState(entry.Plan!, _pool, Options);
    }

    private static void Return(PlanEntry entry, ExecutionState state)
    {
        lock (entry.States) entry.States.Push(state);
    }

    /// <summary>The plan for the given input shapes (built if needed), for the profiler and `bramble info`; null when shapes are dynamic.</summary>
    internal ExecutionPlan? PlanFor(int[][] shapes) => GetPlan(shapes).Plan;

    public void Dispose()
    {
        lock (_planLock)
        {
            foreach (var entry in _plans.ToArray()) Evict(entry);
        }
        _pool.Dispose();
        _model.Dispose();
    }
}
