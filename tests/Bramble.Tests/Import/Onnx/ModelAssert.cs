using Bramble.Graph;
using Bramble.Tensors;
using GraphIR = Bramble.Graph.Graph;

namespace Bramble.Tests.Import.Onnx;

/// <summary>Deep equality of models, graphs and tensors, failing with the path of the first difference.</summary>
internal static class ModelAssert
{
    public static void Equal(Model expected, Model actual)
    {
        Assert.Equal(expected.IrVersion, actual.IrVersion);
        Assert.Equal(expected.ProducerName, actual.ProducerName);
        Assert.Equal(expected.ProducerVersion, actual.ProducerVersion);
        Assert.Equal(expected.Domain, actual.Domain);
        Assert.Equal(expected.ModelVersion, actual.ModelVersion);
        Assert.Equal(expected.DocString, actual.DocString);
        Assert.Equal(expected.Opsets.OrderBy(kv => kv.Key), actual.Opsets.OrderBy(kv => kv.Key));
        Assert.Equal(expected.MetadataProps.OrderBy(kv => kv.Key), actual.MetadataProps.OrderBy(kv => kv.Key));
        Equal(expected.Graph, actual.Graph, "graph");
    }

    public static void Equal(GraphIR expected, GraphIR actual, string path)
    {
        Same(expected.Name, actual.Name, path + ".name");
        Same(expected.DocString, actual.DocString, path + ".doc");
        Same(expected.Nodes.Count, actual.Nodes.Count, path + ".nodes.count");
        for (int i = 0; i < expected.Nodes.Count; i++) Equal(expected.Nodes[i], actual.Nodes[i], $"{path}.nodes[{i}]");
        Same(string.Join(",", expected.Initializers.Keys), string.Join(",", actual.Initializers.Keys), path + ".initializers");
        foreach (var (name, t) in expected.Initializers) Equal(t, actual.Initializers[name], $"{path}.initializers['{name}']");
        ValueInfos(expected.Inputs, actual.Inputs, path + ".inputs");
        ValueInfos(expected.Outputs, actual.Outputs, path + ".outputs");
        ValueInfos(expected.ValueInfos.Values.ToList(), actual.ValueInfos.Values.ToList(), path + ".value_info");
    }

    private static void ValueInfos(List<ValueInfo> expected, List<ValueInfo> actual, string path)
    {
        Same(expected.Count, actual.Count, path + ".count");
        for (int i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var a = actual[i];
            string p = $"{path}['{e.Name}']";
            Same(e.Name, a.Name, p + ".name");
            Same(e.Type, a.Type, p + ".type");
            Same(e.DocString, a.DocString, p + ".doc");
            Same(e.Shape == null ? "null" : string.Join(",", e.Shape), a.Shape == null ? "null" : string.Join(",", a.Shape), p + ".shape");
        }
    }

    private static void Equal(Node e, Node a, string path)
    {
        Same(e.OpType, a.OpType, path + ".op");
        Same(e.Domain, a.Domain, path + ".domain");
        Same(e.Name, a.Name, path + ".name");
        Same(e.DocString, a.DocString, path + ".doc");
        Same(string.Join("|", e.Inputs), string.Join("|", a.Inputs), path + ".inputs");
        Same(string.Join("|", e.Outputs), string.Join("|", a.Outputs), path + ".outputs");
        Same(string.Join(",", e.Attributes.Keys), string.Join(",", a.Attributes.Keys), path + ".attributes");
        foreach (var (name, ea) in e.Attributes) Equal(ea, a.Attributes[name], $"{path}.{name}");
    }

    private static void Equal(Bramble.Graph.Attribute e, Bramble.Graph.Attribute a, string path)
    {
        Same(e.Type, a.Type, path + ".type");
        Same(e.RefAttrName, a.RefAttrName, path + ".ref");
        if (e.RefAttrName != null) return;
        switch (e.Type)
        {
            case AttributeType.Float: Same(BitConverter.SingleToInt32Bits(e.Float), BitConverter.SingleToInt32Bits(a.Float), path); break;
            case AttributeType.Int: Same(e.Int, a.Int, path); break;
            case AttributeType.String: Same(e.String, a.String, path); break;
            case AttributeType.Floats: Same(string.Join(",", e.Floats.Select(BitConverter.SingleToInt32Bits)), string.Join(",", a.Floats.Select(BitConverter.SingleToInt32Bits)), path); break;
            case AttributeType.Ints: Same(string.Join(",", e.Ints), string.Join(",", a.Ints), path); break;
            case AttributeType.Strings: Same(string.Join("\u0001", e.Strings), string.Join("\u0001", a.Strings), path); break;
            case AttributeType.Tensor or AttributeType.SparseTensor: Equal(e.Tensor!, a.Tensor!, path); break;
            case AttributeType.Tensors or AttributeType.SparseTensors:
                Same(e.Tensors.Length, a.Tensors.Length, path + ".count");
                for (int i = 0; i < e.Tensors.Length; i++) Equal(e.Tensors[i], a.Tensors[i], $"{path}[{i}]");
                break;
            case AttributeType.Graph: Equal(e.Graph!, a.Graph!, path); break;
            case AttributeType.Graphs:
                Same(e.Graphs.Length, a.Graphs.Length, path + ".count");
                for (int i = 0; i < e.Graphs.Length; i++) Equal(e.Graphs[i], a.Graphs[i], $"{path}[{i}]");
                break;
        }
    }

    public static void Equal(Tensor e, Tensor a, string path = "tensor")
    {
        Same(e.Type, a.Type, path + ".type");
        Same(ShapeUtil.Format(e.Shape), ShapeUtil.Format(a.Shape), path + ".shape");
        if (!e.AsSpan<byte>().SequenceEqual(a.AsSpan<byte>())) Assert.Fail($"{path}: data differs");
    }

    private static void Same<T>(T expected, T actual, string path)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
            Assert.Fail($"{path}: expected {expected}, got {actual}");
    }
}
