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
    private readonly HashSet<Tensor> _constants = new(ReferenceEqualityComparer.Instance);
    // Operators built by Step: disposed with the runtime (they hold packed weights).
    private readonly List<Operator> _operators = new();

    /// <param name="arenaBytes">Planned arena size (intermediates, workspaces and the graph inputs).</param>
    /// <param name="threads">Worker threads including the caller's.</param>
    /// <param name="isa">Widest ISA kernels may use (lowered to what this CPU supports).</param>
    /// <param name="referenceKernels">Whether the model was compiled with reference kernels.</param>
    /// <param name="weights">The weight image; the runtime owns and disposes it.</param>
    public CompiledRuntime(long arenaBytes, int threads, Isa isa, bool referenceKernels, WeightImage weights)
    {
        _weights = weights;
        Options = new SessionOptions { Threads = threads, MaxIsa = isa, ReferenceKernels = referenceKernels };
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
    /// Creates and prepares the operator of <paramref name="node"/> for exactly these tensors (shapes and
    /// constant inputs as the compiler saw them) and binds its context over them.
    /// </summary>
    public CompiledStep Step(Node node, long opset, Tensor?[] inputs, Tensor?[] outputs, long workspaceOffset, long workspaceBytes)
    {
        var op = OpRegistry.Create(node, opset);
        _operators.Add(op);
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
        var infer = new InferContext(node, opset, types, shapes, values);
        op.InferOutputs(infer);
        for (int o = 0; o < outputs.Length; o++)
        {
            if (outputs[o] is not { } t) continue;
            if (infer.OutputTypes[o] != t.Type || infer.OutputShapes[o] is not { } s || !s.AsSpan().SequenceEqual(t.Shape))
                throw new BrambleException($"{node.Describe()}: output {o} is now {infer.OutputTypes[o].Name()}{ShapeUtil.Format(infer.OutputShapes[o] ?? [])}, compiled as {t.Type.Name()}{ShapeUtil.Format(t.Shape)}: regenerate with this Bramble version");
        }
        var prepare = new PrepareContext(infer, Options);
        op.Prepare(prepare);
        // Prepare has packed what it needs from the mapped weights: let their pages go (see WeightImage.ReleasePages).
        foreach (var value in values)
            if (value != null) _weights.ReleasePages(value.Data, value.ByteLength);
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
