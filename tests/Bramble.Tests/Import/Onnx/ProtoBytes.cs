using Bramble.Import.Onnx;

namespace Bramble.Tests.Import.Onnx;

/// <summary>Hand-built protobuf messages for encodings Bramble's writer never produces (typed data fields, sparse initializers, corrupt files).</summary>
internal static class ProtoBytes
{
    /// <summary>The bytes <paramref name="body"/> writes.</summary>
    public static byte[] Build(Action<ProtoWriter> body)
    {
        using var stream = new MemoryStream();
        body(new ProtoWriter(stream));
        return stream.ToArray();
    }

    public static void Message(this ProtoWriter w, int field, Action<ProtoWriter> body) =>
        w.Bytes(field, Build(body));

    /// <summary>A packed run of varints.</summary>
    public static void PackedVarints(this ProtoWriter w, int field, IEnumerable<ulong> values) =>
        w.Bytes(field, Build(inner => { foreach (var v in values) inner.Varint(v); }));

    /// <summary>A ModelProto with opset 17 around the graph <paramref name="graph"/> writes.</summary>
    public static byte[] Model(Action<ProtoWriter> graph) => Build(w =>
    {
        w.Int64(1, 8);
        w.Message(7, graph);
        w.Message(8, o => { o.String(1, ""); o.Int64(2, 17); });
    });
}
