using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops;

/// <summary>Thrown when shape inference needs an input's value that is only known at run time.</summary>
public sealed class DynamicShapeException : Exception
{
    public DynamicShapeException(string message) : base(message) { }
}

/// <summary>What an operator sees during shape inference: input types/shapes, constant values where known.</summary>
public sealed class InferContext
{
    private readonly DataType[] _inTypes;
    private readonly int[]?[] _inShapes;
    private readonly Tensor?[] _inValues;

    public InferContext(Node node, long opset, DataType[] inTypes, int[]?[] inShapes, Tensor?[] inValues)
    {
        Node = node;
        Opset = opset;
        _inTypes = inTypes;
        _inShapes = inShapes;
        _inValues = inValues;
        OutputTypes = new DataType[node.Outputs.Count];
        OutputShapes = new int[]?[node.Outputs.Count];
        OutputValues = new Tensor?[node.Outputs.Count];
    }

    public Node Node { get; }

    /// <summary>The opset version of the node's domain in this model.</summary>
    public long Opset { get; }

    public int InputCount => _inTypes.Length;
    public int OutputCount => OutputTypes.Length;

    /// <summary>True when input <paramref name="i"/> exists and is not an omitted optional input.</summary>
    public bool HasInput(int i) => i < _inTypes.Length && _inShapes[i] != null;

    public DataType InputType(int i) => HasInput(i) ? _inTypes[i] : throw Missing(i);

    public int[] InputShape(int i) => _inShapes[i] ?? throw Missing(i);

    public int InputRank(int i) => InputShape(i).Length;

    /// <summary>The input's value when it is constant (an initializer, a folded value, or any input at run time); else null.</summary>
    public Tensor? InputValue(int i) => i < _inValues.Length ? _inValues[i] : null;

    /// <summary>The input's value, which shape inference needs; throws <see cref="DynamicShapeException"/> if only known at run time.</summary>
    public Tensor RequireValue(int i) =>
        InputValue(i) ?? throw new DynamicShapeException($"{Node.Describe()} needs the value of input {i} ('{Node.InputOrEmpty(i)}') to know its output shape");

    public DataType[] OutputTypes { get; }
    public int[]?[] OutputShapes { get; }

    /// <summary>Output values known without running (e.g. Shape of a statically shaped tensor); owned by the planner.</summary>
    public Tensor?[] OutputValues { get; }

    public void SetOutput(int i, DataType type, int[] shape)
    {
        foreach (int d in shape)
            if (d < 0) throw new ShapeException($"{Node.Describe()}: inferred a negative dimension in output shape {ShapeUtil.Format(shape)}");
        OutputTypes[i] = type;
        OutputShapes[i] = shape;
    }

    /// <summary>
    /// Declares output <paramref name="i"/>'s value as known at planning time. With <paramref name="owned"/>
    /// (a tensor made for this call) the planner takes ownership; otherwise (a tensor the model owns, e.g. a
    /// Constant node's attribute) it is borrowed and lives as long as the model.
    /// </summary>
    public void SetOutputValue(int i, Tensor value, bool owned = true)
    {
        SetOutput(i, value.Type, value.Shape);
        OutputValues[i] = value;
        OutputValueOwned[i] = owned;
    }

    /// <summary>Whether each known output value was handed over (true) or borrowed from the model (false).</summary>
    public bool[] OutputValueOwned => _owned ??= new bool[OutputTypes.Length];

    private bool[]? _owned;

    /// <summary>An error about this node, for invalid attributes or input combinations.</summary>
    public ShapeException Error(string message) => new($"{Node.Describe()}: {message}");

    private ShapeException Missing(int i) => Error($"input {i} is missing");
}
