namespace Bramble.Graph;

/// <summary>
/// One operator application. Inputs and outputs are value names; an empty string marks an omitted
/// optional input or output, as in ONNX.
/// </summary>
public sealed class Node
{
    public Node(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, string name = "", string domain = "")
    {
        OpType = opType;
        Inputs = inputs.ToList();
        Outputs = outputs.ToList();
        Name = name;
        Domain = domain;
    }

    public string Name { get; set; }
    public string OpType { get; set; }

    /// <summary>Operator set domain: "" (= ai.onnx), "ai.onnx.ml", "com.microsoft", or Bramble's own "ai.bramble".</summary>
    public string Domain { get; set; }

    public List<string> Inputs { get; }
    public List<string> Outputs { get; }
    public Dictionary<string, Attribute> Attributes { get; } = new();
    public string DocString { get; set; } = "";

    /// <summary>How the node is named in errors: its name if it has one, else its first output.</summary>
    public string DisplayName => Name.Length > 0 ? Name : Outputs.FirstOrDefault(o => o.Length > 0) ?? "(unnamed)";

    public string Describe() => $"node '{DisplayName}' ({OpType})";

    public Node With(Attribute attribute)
    {
        Attributes[attribute.Name] = attribute;
        return this;
    }

    public bool HasAttribute(string name) => Attributes.ContainsKey(name);

    public long GetInt(string name, long fallback) => Attributes.TryGetValue(name, out var a) ? a.Int : fallback;
    public float GetFloat(string name, float fallback) => Attributes.TryGetValue(name, out var a) ? a.Float : fallback;
    public string GetString(string name, string fallback) => Attributes.TryGetValue(name, out var a) ? a.String : fallback;
    public long[]? GetInts(string name) => Attributes.TryGetValue(name, out var a) ? a.Ints : null;
    public float[]? GetFloats(string name) => Attributes.TryGetValue(name, out var a) ? a.Floats : null;
    public string[]? GetStrings(string name) => Attributes.TryGetValue(name, out var a) ? a.Strings : null;
    public Tensors.Tensor? GetTensor(string name) => Attributes.TryGetValue(name, out var a) ? a.Tensor : null;

    /// <summary>Input name at <paramref name="index"/>, or "" when absent.</summary>
    public string InputOrEmpty(int index) => index < Inputs.Count ? Inputs[index] : "";

    public override string ToString() =>
        $"{OpType}({string.Join(", ", Inputs)}) -> {string.Join(", ", Outputs)} [{string.Join(" ", Attributes.Values)}]";
}
