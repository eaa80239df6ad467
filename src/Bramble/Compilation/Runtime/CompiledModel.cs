using Bramble.Tensors;

namespace Bramble.Compilation;

/// <summary>A named graph input or output of a compiled model and the fixed tensor that holds it.</summary>
public readonly record struct CompiledTensor(string Name, Tensor Tensor);

/// <summary>
/// Base class of generated models: the runtime they were built on, their bound inputs and outputs, and
/// <see cref="Run"/>, which generated code implements as a fixed sequence of step calls. Write the inputs'
/// tensors, call <see cref="Run"/>, read the outputs' tensors; one instance runs one inference at a time.
/// </summary>
public abstract class CompiledModel : IDisposable
{
    private CompiledTensor[] _inputs = [];
    private CompiledTensor[] _outputs = [];

    protected CompiledModel(CompiledRuntime runtime) => Runtime = runtime;

    protected CompiledRuntime Runtime { get; }

    /// <summary>The model's name as given to `bramble compile --name`.</summary>
    public abstract string ModelName { get; }

    /// <summary>The detection-head description (Darknet/YOLO models), or null.</summary>
    public virtual string? DetectionMetadataJson => null;

    public IReadOnlyList<CompiledTensor> Inputs => _inputs;

    public IReadOnlyList<CompiledTensor> Outputs => _outputs;

    /// <summary>Bytes of the arena (intermediates, workspaces, inputs) this model planned.</summary>
    public long ArenaBytes => Runtime.ArenaBytes;

    /// <summary>Bytes of read-only weights.</summary>
    public long WeightBytes => Runtime.Weights.Length;

    /// <summary>Bytes of the model's weights before packing (what the session loads); the image holds them packed.</summary>
    public virtual long OriginalWeightBytes => 0;

    /// <summary>Bytes of prepared (packed) weights used in place from the weight image.</summary>
    public long PrefilledWeightBytes => Runtime.PrefilledWeightBytes;

    /// <summary>Bytes of prepared weights the kernels packed at startup: 0 when all were packed at compile time.</summary>
    public long StartupPackedBytes => Runtime.StartupPackedBytes;

    /// <summary>Runs one inference over the input tensors into the output tensors; allocates nothing.</summary>
    public abstract void Run();

    /// <summary>Called once by the generated constructor.</summary>
    protected void Bind(CompiledTensor[] inputs, CompiledTensor[] outputs)
    {
        _inputs = inputs;
        _outputs = outputs;
    }

    public Tensor Input(string name) => Find(_inputs, name, "input");

    public Tensor Output(string name) => Find(_outputs, name, "output");

    private Tensor Find(CompiledTensor[] items, string name, string kind)
    {
        foreach (var item in items)
            if (item.Name == name) return item.Tensor;
        throw new ShapeException($"'{name}' is not an {kind} of compiled model {ModelName} ({kind}s: {string.Join(", ", items.Select(i => i.Name))})");
    }

    /// <summary>Copies <paramref name="source"/> into a fixed tensor, checking type and element count.</summary>
    protected static void CopyIn<T>(ReadOnlySpan<T> source, Tensor target, string name) where T : unmanaged
    {
        var span = target.AsSpan<T>();
        if (source.Length != span.Length)
            throw new ShapeException($"input '{name}': expected {span.Length} elements {ShapeUtil.Format(target.Shape)}, got {source.Length}");
        source.CopyTo(span);
    }

    /// <summary>Copies a fixed output tensor into <paramref name="target"/>, checking the element count.</summary>
    protected static void CopyOut<T>(Tensor source, Span<T> target, string name) where T : unmanaged
    {
        var span = source.AsReadOnlySpan<T>();
        if (target.Length != span.Length)
            throw new ShapeException($"output '{name}': expected room for {span.Length} elements {ShapeUtil.Format(source.Shape)}, got {target.Length}");
        span.CopyTo(target);
    }

    public void Dispose()
    {
        Runtime.Dispose();
        GC.SuppressFinalize(this);
    }
}
