using Bramble.Tensors;

namespace Bramble.Graph;

/// <summary>Attribute kinds; values equal ONNX's AttributeProto.AttributeType.</summary>
public enum AttributeType
{
    Undefined = 0,
    Float = 1,
    Int = 2,
    String = 3,
    Tensor = 4,
    Graph = 5,
    SparseTensor = 11,
    TypeProto = 13,
    Floats = 6,
    Ints = 7,
    Strings = 8,
    Tensors = 9,
    Graphs = 10,
    SparseTensors = 12,
    TypeProtos = 14,
}

/// <summary>A named node attribute holding exactly one of the ONNX attribute forms.</summary>
public sealed class Attribute
{
    public Attribute(string name, AttributeType type)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; }
    public AttributeType Type { get; }
    public float Float { get; init; }
    public long Int { get; init; }
    public string String { get; init; } = "";
    public Tensor? Tensor { get; init; }
    public Graph? Graph { get; init; }
    public float[] Floats { get; init; } = [];
    public long[] Ints { get; init; } = [];
    public string[] Strings { get; init; } = [];
    public Tensor[] Tensors { get; init; } = [];
    public Graph[] Graphs { get; init; } = [];

    /// <summary>Names another attribute of the enclosing function (ONNX ref_attr_name); kept for round trips.</summary>
    public string? RefAttrName { get; init; }

    public static Attribute Of(string name, long value) => new(name, AttributeType.Int) { Int = value };
    public static Attribute Of(string name, float value) => new(name, AttributeType.Float) { Float = value };
    public static Attribute Of(string name, string value) => new(name, AttributeType.String) { String = value };
    public static Attribute Of(string name, long[] value) => new(name, AttributeType.Ints) { Ints = value };
    public static Attribute Of(string name, float[] value) => new(name, AttributeType.Floats) { Floats = value };
    public static Attribute Of(string name, string[] value) => new(name, AttributeType.Strings) { Strings = value };
    public static Attribute Of(string name, Tensor value) => new(name, AttributeType.Tensor) { Tensor = value };

    public override string ToString() => Type switch
    {
        AttributeType.Float => $"{Name}={Float}",
        AttributeType.Int => $"{Name}={Int}",
        AttributeType.String => $"{Name}=\"{String}\"",
        AttributeType.Ints => $"{Name}=[{string.Join(",", Ints)}]",
        AttributeType.Floats => $"{Name}=[{string.Join(",", Floats)}]",
        _ => $"{Name}:{Type}",
    };
}
