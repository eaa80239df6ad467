using System.Runtime.CompilerServices;
using Bramble.Graph;

namespace Bramble.Import.Onnx;

/// <summary>
/// Parts of an ONNX file that Bramble's IR has no place for — sequence/map/optional value types, TypeProto
/// attributes, model-local functions, training info — kept as their original message bytes beside the IR
/// objects they belong to, so that saving a loaded model writes them back unchanged. Weak tables: the
/// bytes live exactly as long as the IR object.
/// </summary>
internal static class OnnxOpaque
{
    private static readonly ConditionalWeakTable<ValueInfo, byte[]> ValueTypes = new();
    private static readonly ConditionalWeakTable<Graph.Attribute, byte[][]> AttributeTypes = new();
    private static readonly ConditionalWeakTable<Tensors.Tensor, string> AttributeTensorNames = new();
    private static readonly ConditionalWeakTable<Model, List<(int Field, byte[] Bytes)>> ModelFields = new();

    /// <summary>The TypeProto of a value whose type is not a tensor type.</summary>
    public static void SetValueType(ValueInfo value, byte[] typeProto) => ValueTypes.AddOrUpdate(value, typeProto);

    /// <summary>The original TypeProto, unless the IR has since given the value a tensor type or shape.</summary>
    public static byte[]? ValueType(ValueInfo value) =>
        value.Type == Tensors.DataType.Undefined && value.Shape == null && ValueTypes.TryGetValue(value, out var b) ? b : null;

    public static void SetAttributeTypes(Graph.Attribute attribute, byte[][] typeProtos) => AttributeTypes.AddOrUpdate(attribute, typeProtos);

    public static byte[][] AttributeTypeProtos(Graph.Attribute attribute) =>
        AttributeTypes.TryGetValue(attribute, out var b) ? b : [];

    /// <summary>The name an attribute's TensorProto had (initializers are named by the graph instead).</summary>
    public static void SetTensorName(Tensors.Tensor tensor, string name)
    {
        if (name.Length > 0) AttributeTensorNames.AddOrUpdate(tensor, name);
    }

    public static string TensorName(Tensors.Tensor tensor) => AttributeTensorNames.TryGetValue(tensor, out var n) ? n : "";

    public static void SetModelFields(Model model, List<(int Field, byte[] Bytes)> fields) => ModelFields.AddOrUpdate(model, fields);

    /// <summary>Model-level messages kept verbatim (training_info, functions), in file order.</summary>
    public static IReadOnlyList<(int Field, byte[] Bytes)> ModelFieldsOf(Model model) =>
        ModelFields.TryGetValue(model, out var f) ? f : [];
}
