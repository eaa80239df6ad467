using Bramble.Graph;
using Bramble.Kernels;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Compilation;

/// <summary>
/// What generated code builds a compiled model from: one arena of planned size, the mapped weight image,
/// the worker pool, and factories that place tensors at the constant offsets the compiler planned and
/// prepare each step's operator once. Used only at startup; the model's Run calls steps directly.
/// </summary>
public sealed unsafe class CompiledRuntime : IDisposable
{
    private readonly NativeBuffer _arena;
    private readonly WeightImage _weights;
    private readonly Isa _packedFor;
    private readonly HashSet<Tensor> _constants = new(ReferenceEqualityComparer.Instance);
    // Operators built by Step: disposed with the runtime (they hold packed weights).
    private readonly List<Operator> _operators = new();

    /// <param name="arenaBytes">Planned arena size (intermediates, workspaces and the graph inputs).</param>
    /// <param name="threads">Worker threads including the caller's.</param>
    /// <param name="isa">Widest ISA kernels may use (lowered to what this CPU supports).</param>
    /// <param name="referenceKernels">Whether the model was compiled with reference kernels.</param>
    /// <param name="weights">The weight image; the runtime owns and disposes it.</param>
    /// <param name="packedFor">The ISA the kernels' weights were packed for at compile time (their panel layout depends on it).</param>
    public CompiledRuntime(long arenaBytes, int threads, Isa isa, bool referenceKernels, WeightImage weights, Isa packedFor)
    {
        _weights = weights;
        _packedFor = packedFor;
        Options = OptionsFor(threads, isa, referenceKernels);
        _arena = new NativeBuffer(arenaBytes);
        Pool = new WorkerPool(threads);
    }

    public SessionOptions Options { get; }

    public WorkerPool Pool { get; }

    public long ArenaBytes => _arena.ByteLength;

    public WeightImage Weights => _weights;

    /// <summary>A tensor in the arena at a planned offset.</summary>
    public Tensor Arena(DataType type, int[] shape, long offset) =>
        Tensor.View(type, shape, _arena.Pointer + Check(type, shape, offset, _arena.ByteLength, "arena"), _arena);

    /// <summary>A read-only constant in the weight image at a planned offset.</summary>
    public Tensor Weight(DataType type, int[] shape, long offset)
    {
        var t = Tensor.View(type, shape, _weights.Pointer + Check(type, shape, offset, _weights.Length, "weight image"), _weights);
        _constants.Add(t);
        return t;
    }

    /// <summary>A reshaped alias of <paramref name="root"/>'s bytes (what Reshape/Flatten/Squeeze compile to).</summary>
    public Tensor View(Tensor root, DataType type, int[] shape)
    {
        if (ShapeUtil.ElementCount(shape) * type.Size() > root.ByteLength)
            throw new BrambleException($"compiled view {ShapeUtil.Format(shape)} is larger than the tensor it aliases");
        var t = Tensor.View(type, shape, root.Data, root);
        if (_constants.Contains(root)) _constants.Add(t);
        return t;
    }

    private static long Check(DataType type, int[] shape, long offset, long capacity, string where)
    {
        long bytes = ShapeUtil.ElementCount(shape) * type.Size();
        if (offset < 0 || offset + bytes > capacity)
            throw new BrambleException($"compiled tensor {ShapeUtil.Format(shape)} at offset {offset} lies outside the {where} ({capacity} bytes): the generated code and its weights do not match");
        return offset;
    }

    /// <summary>
    /// A constant stored only in the packed form its kernel uses (see <see cref="Step"/>'s <c>packed</c>): its
    /// shape and type, for shape inference, and no data; reading it throws.
    /// </summary>
    public Tensor PackedOnly(DataType type, int[] shape)
    {
        var t = Tensor.View(type, shape, null, null);
        _constants.Add(t);
        return t;
    }

    /// <summary>Bytes of prepared weights used in place from the weight image (packed when the model was compiled).</summary>
    public long PrefilledWeightBytes { get; private set; }

    /// <summary>Bytes of prepared weights the operators made at startup (0 when every kernel's weights were packed at compile time).</summary>
    public long StartupPackedBytes { get; private set; }

    /// <summary>
    /// Creates and prepares the operator of <paramref name="node"/> for exactly these tensors (shapes and
    /// constant inputs as the compiler saw them) and binds its context over them. <paramref name="packed"/> lists
    /// (offset, bytes) pairs in the weight image: the weights its kernels prepare, in the order they prepare them,
    /// packed at compile time and used in place, so Prepare packs and copies nothing.
    /// </summary>
    public CompiledStep Step(Node node, long opset, Tensor?[] inputs, Tensor?[] outputs, long workspaceOffset, long workspaceBytes, long[] packed)
    {
        var types = new DataType[inputs.Length];
        var shapes = new int[]?[inputs.Length];
        var values = new Tensor?[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (inputs[i] is not { } t) continue;
            types[i] = t.Type;
            shapes[i] = t.Shape;
            if (_constants.Contains(t)) values[i] = t;
        }
        PrepackedWeights? source = null;
        if (packed.Length > 0)
        {
            var isa = CpuFeatures.Effective(Options.MaxIsa);
            if (isa != _packedFor)
                throw new BrambleException($"this model's weights were packed for {_packedFor} kernels, and this CPU runs {isa}: compile it on (or for) this CPU, e.g. bramble compile --isa {isa.ToString().ToLowerInvariant()}");
            source = new PrepackedWeights(_weights, packed, node.Describe());
        }
        Operator op;
        PrepareContext prepare;
        using (source == null ? default(PackedWeights.Scope?) : PackedWeights.Use(source))
            op = PrepareOperator(node, opset, types, shapes, values, Options, out prepare);
        _operators.Add(op);
        source?.Finish();
        PrefilledWeightBytes += source?.Bytes ?? 0;
        StartupPackedBytes += op.PreparedWeightBytes - (source?.Bytes ?? 0);
        CheckOutputs(node, prepare.Shapes, outputs);
        // Weights packed at startup were read once: let their pages go (see WeightImage.ReleasePages).
        for (int i = 0; i < values.Length; i++)
            if (values[i] is { HasData: true } value && op.OwnsCopyOfInput(i)) _weights.ReleasePages(value.Data, value.ByteLength);
        if (prepare.WorkspaceBytes > workspaceBytes)
            throw new BrambleException($"{node.Describe()}: needs {prepare.WorkspaceBytes} bytes of workspace, compiled with {workspaceBytes}: regenerate with this Bramble version");

        var context = new ExecContext(node, inputs.Length, outputs.Length, Pool, Options);
        inputs.CopyTo(context.Inputs, 0);
        outputs.CopyTo(context.Outputs, 0);
        if (workspaceBytes > 0)
        {
            context.WorkspacePointer = _arena.Pointer + Check(DataType.UInt8, [checked((int)workspaceBytes)], workspaceOffset, _arena.ByteLength, "arena");
            context.WorkspaceBytes = workspaceBytes;
        }
        return new CompiledStep(op, context);
    }

    /// <summary>
    /// The operator of <paramref name="node"/> inferred over these input types, shapes and constant values and
    /// prepared: how the compiler records a step's packed weights and the executable re-creates the step.
    /// </summary>
    internal static Operator PrepareOperator(Node node, long opset, DataType[] types, int[]?[] shapes, Tensor?[] values, SessionOptions options, out PrepareContext prepare)
    {
        var op = OpRegistry.Create(node, opset);
        try
        {
            var infer = new InferContext(node, opset, types, shapes, values);
            op.InferOutputs(infer);
            prepare = new PrepareContext(infer, options);
            op.Prepare(prepare);
            return op;
        }
        catch
        {
            op.Dispose();
            throw;
        }
    }

    /// <summary>The session options a compiled model prepares its operators with (compile time and run time alike).</summary>
    internal static SessionOptions OptionsFor(int threads, Isa isa, bool referenceKernels) =>
        new() { Threads = threads, MaxIsa = isa, ReferenceKernels = referenceKernels };

    private static void CheckOutputs(Node node, InferContext infer, Tensor?[] outputs)
    {
        for (int o = 0; o < outputs.Length; o++)
        {
            if (outputs[o] is not { } t) continue;
            if (infer.OutputTypes[o] != t.Type || infer.OutputShapes[o] is not { } s || !s.AsSpan().SequenceEqual(t.Shape))
                throw new BrambleException($"{node.Describe()}: output {o} is now {infer.OutputTypes[o].Name()}{ShapeUtil.Format(infer.OutputShapes[o] ?? [])}, compiled as {t.Type.Name()}{ShapeUtil.Format(t.Shape)}: regenerate with this Bramble version");
        }
    }

    /// <summary>Builds a node from literal parts (generated code's way of restating the graph).</summary>
    public static Node Node(string opType, string domain, string name, string[] inputs, string[] outputs, params Bramble.Graph.Attribute[] attributes)
    {
        var node = new Node(opType, inputs, outputs, name, domain);
        foreach (var a in attributes) node.Attributes[a.Name] = a;
        return node;
    }

    public void Dispose()
    {
        foreach (var op in _operators) op.Dispose();
        _operators.Clear();
        Pool.Dispose();
        _arena.Dispose();
        _weights.Dispose();
    }
}
