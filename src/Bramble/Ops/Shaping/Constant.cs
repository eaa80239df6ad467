using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX Constant: one of the attributes value (tensor), value_float(s), value_int(s). String and sparse
/// constants are not supported. The value is known at planning time.
/// </summary>
public sealed class Constant : Operator
{
    private Tensor? _value;

    /// <summary>Validates the attribute at load (errors surface when the session is created); the value is built on first use.</summary>
    public Constant(Node node) : base(node) => Check(node);

    private static void Check(Node node)
    {
        if (node.Attributes.Count != 1)
            throw new ShapeException($"{node.Describe()}: needs exactly one value attribute, has {node.Attributes.Count}");
        var a = node.Attributes.Values.First();
        if (a.Name is not ("value" or "value_float" or "value_floats" or "value_int" or "value_ints"))
            throw new UnsupportedOperatorException($"{node.Describe()}: constant attribute '{a.Name}' is not supported");
        if (a.Name == "value" && a.Tensor == null)
            throw new ModelFormatException($"{node.Describe()}: attribute 'value' holds no tensor");
    }

    private Tensor Value => _value ??= ValueOf(Node);

    private static Tensor ValueOf(Node node)
    {
        var a = node.Attributes.Values.First();
        return a.Name switch
        {
            "value" => a.Tensor ?? throw new ModelFormatException($"{node.Describe()}: attribute 'value' holds no tensor"),
            "value_float" => Tensor.Scalar(a.Float),
            "value_floats" => Tensor.FromArray(a.Floats, a.Floats.Length),
            "value_int" => Tensor.Scalar(a.Int),
            "value_ints" => Tensor.FromArray(a.Ints, a.Ints.Length),
            _ => throw new UnsupportedOperatorException($"{node.Describe()}: constant attribute '{a.Name}' is not supported"),
        };
    }

    public override void InferOutputs(InferContext ctx) =>
        ctx.SetOutputValue(0, Value, owned: !ReferenceEquals(Value, Node.Attributes.Values.First().Tensor));

    public override void Execute(ExecContext ctx) => ElementCopy.Whole(Value, ctx.Output(0));
}
