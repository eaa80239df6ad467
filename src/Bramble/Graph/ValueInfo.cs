using Bramble.Tensors;

namespace Bramble.Graph;

/// <summary>One dimension of a declared shape: a fixed size, or a symbolic name (batch, height…), or unknown.</summary>
public readonly record struct Dim(long Value, string? Param = null)
{
    public bool IsFixed => Value >= 0;
    public static Dim Fixed(long value) => new(value);
    public static Dim Symbolic(string? param) => new(-1, param);
    public override string ToString() => IsFixed ? Value.ToString() : (Param ?? "?");
}

/// <summary>The declared type and (possibly partial) shape of a named value.</summary>
public sealed class ValueInfo
{
    public ValueInfo(string name, DataType type, Dim[]? shape)
    {
        Name = name;
        Type = type;
        Shape = shape;
    }

    public string Name { get; }
    public DataType Type { get; set; }

    /// <summary>Declared dimensions; null when even the rank is unknown.</summary>
    public Dim[]? Shape { get; set; }

    public string DocString { get; set; } = "";

    public bool IsFullyStatic => Shape != null && Shape.All(d => d.IsFixed);

    public int[]? StaticShape => IsFullyStatic ? Shape!.Select(d => checked((int)d.Value)).ToArray() : null;

    public static ValueInfo Of(string name, DataType type, params int[] shape) =>
        new(name, type, shape.Select(d => Dim.Fixed(d)).ToArray());

    public string ShapeText => Shape == null ? "?" : "[" + string.Join("x", Shape.Select(d => d.ToString())) + "]";

    public override string ToString() => $"{Name}: {Type.Name()}{ShapeText}";
}
