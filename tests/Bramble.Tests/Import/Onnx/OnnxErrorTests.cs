using Bramble.Graph;
using Bramble.Import.Onnx;
using Bramble.Tensors;
using GraphIR = Bramble.Graph.Graph;
using T = Bramble.Import.Onnx.OnnxFields.Tensor;

namespace Bramble.Tests.Import.Onnx;

/// <summary>Corrupt, truncated and hostile files: always a one-line ModelFormatException naming the file, never a crash or a big allocation.</summary>
public class OnnxErrorTests
{
    private static void OneLine(Exception e, string file)
    {
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(file, e.Message);
    }

    private static ModelFormatException LoadFails(byte[] bytes, TempFolder temp, string name = "bad.onnx")
    {
        string path = temp.File(name);
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<ModelFormatException>(() => OnnxReader.Load(path));
        OneLine(e, path);
        return e;
    }

    /// <summary>A small conv-like model whose 'conv1.weight' initializer is 4096 bytes.</summary>
    private static Model ConvModel()
    {
        var g = new GraphIR { Name = "conv" };
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 4, 8, 8));
        var w = Tensor.Allocate(DataType.Float32, 16, 4, 4, 4);
        var span = w.AsSpan<float>();
        for (int i = 0; i < span.Length; i++) span[i] = i;
        g.Initializers["conv1.weight"] = w;
        g.Initializers["conv1.bias"] = Tensor.FromArray(new float[16], 16);
        g.Nodes.Add(new Node("Conv", ["x", "conv1.weight", "conv1.bias"], ["y"], "conv1").With(Bramble.Graph.Attribute.Of("pads", new[] { 1L, 1, 1, 1 })));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 16, 7, 7));
        return new Model(g);
    }

    [Fact]
    public void EmptyFile()
    {
        using var temp = new TempFolder();
        var e = LoadFails([], temp, "empty.onnx");
        Assert.EndsWith("empty.onnx is empty", e.Message);
        File.WriteAllBytes(temp.File("empty.pb"), []);
        var t = Assert.Throws<ModelFormatException>(() => OnnxReader.ReadTensor(temp.File("empty.pb")));
        Assert.EndsWith("empty.pb is empty", t.Message);
    }

    [Fact]
    public void MissingFile()
    {
        var e = Assert.Throws<ModelFormatException>(() => OnnxReader.Load("/nonexistent/model.onnx"));
        Assert.Equal("/nonexistent/model.onnx: file not found", e.Message);
    }

    [Fact]
    public void InvalidWireTypeNamesItsOffset()
    {
        using var temp = new TempFolder();
        // ir_version = 8, then a tag with wire type 7 at offset 2.
        var e = LoadFails([0x08, 0x08, 0x0F, 0x00], temp, "wire.onnx");
        Assert.EndsWith("wire.onnx is not an ONNX model: invalid wire type 7 at offset 2", e.Message);
        var g = LoadFails([0x0B], temp, "group.onnx");
        Assert.Contains("group wire type 3 at offset 0", g.Message);
    }

    [Fact]
    public void RandomBytesAreNotAModel()
    {
        using var temp = new TempFolder();
        for (int seed = 0; seed < 200; seed++)
        {
            var bytes = new byte[new Random(seed).Next(1, 5000)];
            new Random(seed + 1000).NextBytes(bytes);
            var e = LoadFails(bytes, temp, $"random{seed}.onnx");
            Assert.Contains("random" + seed + ".onnx", e.Message);
        }
        // Text is the most common wrong file.
        var text = LoadFails("<html><body>not found</body></html>"u8.ToArray(), temp, "page.onnx");
        Assert.Contains("is not an ONNX model", text.Message);
    }

    [Fact]
    public void TruncatedRawDataNamesTheTensor()
    {
        using var temp = new TempFolder();
        using var model = ConvModel();
        OnnxWriter.Save(model, temp.File("full.onnx"));
        byte[] bytes = File.ReadAllBytes(temp.File("full.onnx"));
        int rawStart = FindRawData(bytes, 4096);
        int cut = rawStart + 50;
        var e = LoadFails(bytes[..cut], temp, "cut.onnx");
        Assert.EndsWith($"cut.onnx is truncated: field 'raw_data' of tensor 'conv1.weight' needs 4096 bytes at offset {rawStart}, only 50 remain", e.Message);
    }

    /// <summary>Offset of the first byte of a raw_data field of <paramref name="length"/> bytes.</summary>
    private static int FindRawData(byte[] bytes, int length)
    {
        byte[] prefix = [(T.RawData << 3) | 2, (byte)(length & 0x7F | 0x80), (byte)(length >> 7)];
        int at = bytes.AsSpan().IndexOf(prefix);
        Assert.True(at >= 0);
        return at + prefix.Length;
    }

    [Fact]
    public void EveryTruncationIsAOneLineFormatError()
    {
        using var temp = new TempFolder();
        using var model = OnnxRoundTripTests.FullModel();
        using var conv = ConvModel();
        foreach (var m in new[] { model, conv })
        {
            OnnxWriter.Save(m, temp.File("full.onnx"));
            byte[] bytes = File.ReadAllBytes(temp.File("full.onnx"));
            using (OnnxReader.Load(temp.File("full.onnx"))) { }
            string path = temp.File("cut.onnx");
            for (int cut = 1; cut < bytes.Length; cut += cut < 300 ? 1 : 37)
            {
                File.WriteAllBytes(path, bytes[..cut]);
                var e = Assert.Throws<ModelFormatException>(() => OnnxReader.Load(path));
                OneLine(e, path);
            }
        }
    }

    [Fact]
    public void TruncatedTensorFile()
    {
        using var temp = new TempFolder();
        using var tensor = Tensor.FromArray(Enumerable.Range(0, 100).Select(i => (float)i).ToArray(), 10, 10);
        OnnxWriter.WriteTensor(tensor, "input", temp.File("t.pb"));
        byte[] bytes = File.ReadAllBytes(temp.File("t.pb"));
        for (int cut = 1; cut < bytes.Length; cut++)
        {
            File.WriteAllBytes(temp.File("cut.pb"), bytes[..cut]);
            var e = Assert.Throws<ModelFormatException>(() => OnnxReader.ReadTensor(temp.File("cut.pb")));
            OneLine(e, "cut.pb");
        }
    }

    [Fact]
    public void HugeLengthsAllocateNothing()
    {
        using var temp = new TempFolder();
        // graph field claiming 2^60 bytes; then a node name claiming 2^40 bytes inside a small graph.
        byte[] hugeGraph = ProtoBytes.Build(w => { w.Tag(7, WireType.Len); w.Varint(1UL << 60); });
        byte[] hugeName = ProtoBytes.Model(g => { g.Tag(2, WireType.Len); g.Varint(1UL << 40); });
        // dims of 2^31-1 x 2^31-1 with 4 bytes of data.
        byte[] hugeDims = ProtoBytes.Model(g => g.Message(5, t =>
        {
            t.Int64(T.Dims, int.MaxValue);
            t.Int64(T.Dims, int.MaxValue);
            t.Int64(T.DataType, 1);
            t.String(T.Name, "huge");
            t.Bytes(T.RawData, new byte[4]);
        }));
        foreach (var (bytes, expected) in new[] { (hugeGraph, "needs 1152921504606846976 bytes"), (hugeName, "claims 1099511627776 bytes"), (hugeDims, "tensor 'huge'") })
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var e = LoadFails(bytes, temp);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains(expected, e.Message);
            Assert.True(allocated < 4_000_000, $"{allocated} bytes allocated for: {e.Message}");
        }
    }

    [Fact]
    public void DataSizeMismatchNamesTheTensor()
    {
        using var temp = new TempFolder();
        var raw = LoadFails(ProtoBytes.Model(g => g.Message(5, t =>
        {
            t.Int64(T.Dims, 2);
            t.Int64(T.Dims, 2);
            t.Int64(T.DataType, 1);
            t.String(T.Name, "w");
            t.Bytes(T.RawData, new byte[12]);
        })), temp);
        Assert.Contains("tensor 'w' has 12 bytes of raw_data, but its shape [2x2] of float32 needs 16", raw.Message);

        var typed = LoadFails(ProtoBytes.Model(g => g.Message(5, t =>
        {
            t.Int64(T.Dims, 3);
            t.Int64(T.DataType, 7);
            t.String(T.Name, "ids");
            t.PackedVarints(T.Int64Data, [1, 2]);
        })), temp);
        Assert.Contains("tensor 'ids' has 2 values in int64_data, but its shape [3] of int64 needs 3", typed.Message);
    }

    [Fact]
    public void StringInitializerIsUnsupportedAndNamed()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("s.onnx"), ProtoBytes.Model(g => g.Message(5, t =>
        {
            t.Int64(T.Dims, 1);
            t.Int64(T.DataType, 8);
            t.String(T.Name, "vocabulary");
            t.String(T.StringData, "hello");
        })));
        var e = Assert.Throws<UnsupportedOperatorException>(() => OnnxReader.Load(temp.File("s.onnx")));
        Assert.Contains("tensor 'vocabulary' has type string", e.Message);
        OneLine(e, "s.onnx");
    }

    [Fact]
    public void ModelWithoutGraph()
    {
        using var temp = new TempFolder();
        var e = LoadFails(ProtoBytes.Build(w => w.Int64(1, 8)), temp);
        Assert.Contains("is not an ONNX model: it has no graph", e.Message);
    }

    [Fact]
    public void DeepNestingIsRejectedNotAStackOverflow()
    {
        using var temp = new TempFolder();
        // graph { node { attribute { g { node { attribute { g ... } } } } } }, 3000 levels.
        byte[] graph = [];
        for (int i = 0; i < 1000; i++)
        {
            byte[] inner = graph;
            graph = ProtoBytes.Build(g => g.Message(1, n =>
            {
                n.String(4, "If");
                n.Message(5, a => { a.String(1, "then_branch"); a.Bytes(6, inner); a.Int64(20, 5); });
            }));
        }
        var e = LoadFails(ProtoBytes.Build(w => w.Bytes(7, graph)), temp);
        Assert.Contains("nested more than", e.Message);
    }

    private static Model WithExternal(TempFolder temp, out string path)
    {
        var model = ConvModel();
        path = temp.File("ext.onnx");
        OnnxWriter.Save(model, path, new OnnxWriteOptions { ExternalDataThreshold = 1000, ExternalDataFile = "weights.bin" });
        return model;
    }

    [Fact]
    public void MissingOrShortExternalData()
    {
        using var temp = new TempFolder();
        using var model = WithExternal(temp, out string path);
        byte[] data = File.ReadAllBytes(temp.File("weights.bin"));

        File.WriteAllBytes(temp.File("weights.bin"), data[..(data.Length - 10)]);
        var shortFile = Assert.Throws<ModelFormatException>(() => OnnxReader.Load(path));
        Assert.Contains("external data file 'weights.bin' is too short for tensor 'conv1.weight'", shortFile.Message);
        OneLine(shortFile, "ext.onnx");

        File.Delete(temp.File("weights.bin"));
        var missing = Assert.Throws<ModelFormatException>(() => OnnxReader.Load(path));
        Assert.Contains("tensor 'conv1.weight' keeps its data in 'weights.bin', which does not exist", missing.Message);
        OneLine(missing, "ext.onnx");

        var noFolder = Assert.Throws<ModelFormatException>(() => OnnxReader.Load(new MemoryStream(File.ReadAllBytes(path)), "mem.onnx"));
        Assert.Contains("needs the model's folder", noFolder.Message);
    }

    [Fact]
    public void ExternalPathsMayNotLeaveTheModelsFolder()
    {
        using var temp = new TempFolder();
        Directory.CreateDirectory(temp.File("inner"));
        File.WriteAllBytes(temp.File("secret.bin"), new byte[4096]);
        foreach (var location in new[] { "../secret.bin", temp.File("secret.bin"), "a/../../secret.bin" })
        {
            File.WriteAllBytes(temp.File("inner/m.onnx"), ProtoBytes.Model(g => g.Message(5, t =>
            {
                t.Int64(T.Dims, 4);
                t.Int64(T.DataType, 1);
                t.String(T.Name, "stolen");
                t.Message(T.ExternalData, e => { e.String(1, "location"); e.String(2, location); });
                t.Int64(T.DataLocation, 1);
            })));
            var e = Assert.Throws<ModelFormatException>(() => OnnxReader.Load(temp.File("inner/m.onnx")));
            Assert.Contains($"tensor 'stolen' names external file '{location}'", e.Message);
        }
    }

    [Fact]
    public void ExternalDataLengthMustMatchTheShape()
    {
        using var temp = new TempFolder();
        File.WriteAllBytes(temp.File("w.bin"), new byte[64]);
        File.WriteAllBytes(temp.File("m.onnx"), ProtoBytes.Model(g => g.Message(5, t =>
        {
            t.Int64(T.Dims, 4);
            t.Int64(T.DataType, 1);
            t.String(T.Name, "w");
            t.Message(T.ExternalData, e => { e.String(1, "location"); e.String(2, "w.bin"); });
            t.Message(T.ExternalData, e => { e.String(1, "offset"); e.String(2, "8"); });
            t.Message(T.ExternalData, e => { e.String(1, "length"); e.String(2, "12"); });
            t.Int64(T.DataLocation, 1);
        })));
        var e = Assert.Throws<ModelFormatException>(() => OnnxReader.Load(temp.File("m.onnx")));
        Assert.Contains("tensor 'w' has 12 bytes of external data in 'w.bin', but its shape [4] of float32 needs 16", e.Message);
    }

    [Fact]
    public void FailedLoadsFreeTheirTensors()
    {
        using var temp = new TempFolder();
        using var model = ConvModel();
        model.Graph.Initializers["late"] = Tensor.FromArray(new float[8], 8);
        OnnxWriter.Save(model, temp.File("m.onnx"));
        byte[] bytes = File.ReadAllBytes(temp.File("m.onnx"));
        // Corrupt the last initializer's type so loading fails after the weights were read.
        int at = bytes.AsSpan().IndexOf("late"u8);
        Assert.True(at > 0);
        int typeAt = bytes.AsSpan(0, at).LastIndexOf(new byte[] { (T.DataType << 3), 1 });
        bytes[typeAt + 1] = 8; // string
        File.WriteAllBytes(temp.File("m.onnx"), bytes);
        Assert.Throws<UnsupportedOperatorException>(() => OnnxReader.Load(temp.File("m.onnx")));
    }
}
