using Bramble.Graph;
using Bramble.Import;
using Bramble.Import.Onnx;
using Bramble.Tensors;
using GraphIR = Bramble.Graph.Graph;

namespace Bramble.Tests.Import.Onnx;

/// <summary>Models built in code, saved with <see cref="OnnxWriter"/> and read back with <see cref="OnnxReader"/>.</summary>
public class OnnxRoundTripTests
{
    /// <summary>One tensor of every type Bramble holds, with values that catch sign, width and byte-order mistakes.</summary>
    internal static List<(string Name, Tensor Tensor)> TensorsOfEveryType() =>
    [
        ("f32", Tensor.FromArray(new[] { 1.5f, -2.25f, float.MaxValue, float.Epsilon, 0f, -0f }, 2, 3)),
        ("f64", Tensor.FromArray(new[] { Math.PI, -1e300 }, 2)),
        ("f16", Tensor.FromArray(new[] { (Half)1.5, (Half)(-65504), Half.Epsilon }, 3)),
        ("i8", Tensor.FromArray(new sbyte[] { -128, 127, -1 }, 3)),
        ("u8", Tensor.FromArray(new byte[] { 0, 255, 7 }, 3, 1)),
        ("i16", Tensor.FromArray(new short[] { short.MinValue, short.MaxValue }, 2)),
        ("u16", Tensor.FromArray(new ushort[] { ushort.MaxValue, 1 }, 2)),
        ("i32", Tensor.FromArray(new[] { int.MinValue, -1, int.MaxValue }, 1, 3)),
        ("u32", Tensor.FromArray(new[] { uint.MaxValue, 0u }, 2)),
        ("i64", Tensor.FromArray(new[] { long.MinValue, -1L, long.MaxValue }, 3)),
        ("u64", Tensor.FromArray(new[] { ulong.MaxValue, 42UL }, 2)),
        ("b", Tensor.FromArray(new[] { true, false, true }, 3)),
        ("scalar", Tensor.Scalar(3.25f)),
        ("empty", Tensor.Allocate(DataType.Float32, 0, 3)),
    ];

    private static GraphIR Branch(string name, float value)
    {
        var g = new GraphIR { Name = name, DocString = $"{name} branch" };
        g.Initializers[name + "_c"] = Tensor.FromArray(new[] { value, value }, 2);
        g.Nodes.Add(new Node("Identity", [name + "_c"], [name + "_out"], name + "_id"));
        g.Outputs.Add(ValueInfo.Of(name + "_out", DataType.Float32, 2));
        return g;
    }

    /// <summary>A model that uses every part of the IR the ONNX format can carry.</summary>
    internal static Model FullModel()
    {
        var g = new GraphIR { Name = "everything", DocString = "a graph with one of each" };
        g.Inputs.Add(new ValueInfo("x", DataType.Float32, [Dim.Symbolic("batch"), Dim.Fixed(3), Dim.Symbolic(null)]) { DocString = "the input" });
        g.Inputs.Add(new ValueInfo("cond", DataType.Bool, []));
        g.Inputs.Add(new ValueInfo("anything", DataType.Undefined, null));
        g.Inputs.Add(new ValueInfo("f32", DataType.Float32, [Dim.Fixed(2), Dim.Fixed(3)])); // initializer as default input
        foreach (var (name, t) in TensorsOfEveryType()) g.Initializers[name] = t;

        var ifNode = new Node("If", ["cond"], ["branch"], "choose") { DocString = "picks a branch" };
        ifNode.With(new Bramble.Graph.Attribute("then_branch", AttributeType.Graph) { Graph = Branch("then", 1) });
        ifNode.With(new Bramble.Graph.Attribute("else_branch", AttributeType.Graph) { Graph = Branch("else", -1) });
        g.Nodes.Add(ifNode);

        var custom = new Node("Everything", ["x", "", "f32"], ["y", ""], "all_attributes", "ai.bramble");
        custom.With(Bramble.Graph.Attribute.Of("f", 0.1f))
            .With(Bramble.Graph.Attribute.Of("zero_f", 0f))
            .With(Bramble.Graph.Attribute.Of("i", -7L))
            .With(Bramble.Graph.Attribute.Of("zero_i", 0L))
            .With(Bramble.Graph.Attribute.Of("s", "grüße ✓"))
            .With(Bramble.Graph.Attribute.Of("empty_s", ""))
            .With(Bramble.Graph.Attribute.Of("t", Tensor.FromArray(new[] { 1L, 2L }, 2)))
            .With(Bramble.Graph.Attribute.Of("floats", new[] { 1f, float.NegativeInfinity, float.NaN }))
            .With(Bramble.Graph.Attribute.Of("ints", new[] { -1L, long.MaxValue, 0L }))
            .With(Bramble.Graph.Attribute.Of("empty_ints", Array.Empty<long>()))
            .With(Bramble.Graph.Attribute.Of("strings", new[] { "a", "", "ζ" }))
            .With(new Bramble.Graph.Attribute("tensors", AttributeType.Tensors) { Tensors = [Tensor.Scalar(1.0), Tensor.FromArray(new byte[] { 1, 2 }, 2)] })
            .With(new Bramble.Graph.Attribute("graphs", AttributeType.Graphs) { Graphs = [Branch("g1", 2), Branch("g2", 3)] })
            .With(new Bramble.Graph.Attribute("sparse", AttributeType.SparseTensor) { Tensor = Tensor.FromArray(new[] { 0f, 0f, 5f, 0f, -1f, 0f }, 2, 3) })
            .With(new Bramble.Graph.Attribute("sparses", AttributeType.SparseTensors) { Tensors = [Tensor.FromArray(new[] { 0, 9, 0 }, 3)] })
            .With(new Bramble.Graph.Attribute("alpha_ref", AttributeType.Float) { RefAttrName = "alpha" });
        g.Nodes.Add(custom);
        g.Outputs.Add(new ValueInfo("y", DataType.Float16, [Dim.Symbolic("batch"), Dim.Fixed(0)]));
        g.Outputs.Add(ValueInfo.Of("branch", DataType.Float32, 2));
        g.ValueInfos["mid"] = new ValueInfo("mid", DataType.Int64, [Dim.Fixed(4)]) { DocString = "annotated" };
        g.ValueInfos["rank_only"] = new ValueInfo("rank_only", DataType.UInt8, [Dim.Symbolic(null), Dim.Symbolic(null)]);

        var model = new Model(g)
        {
            IrVersion = 9,
            ProducerName = "bramble-tests",
            ProducerVersion = "1.2.3",
            Domain = "org.example",
            ModelVersion = 42,
            DocString = "round trip",
        };
        model.Opsets.Clear();
        model.Opsets[""] = 18;
        model.Opsets["ai.bramble"] = 1;
        model.Opsets["com.microsoft"] = 1;
        model.MetadataProps["author"] = "me";
        model.MetadataProps["empty"] = "";
        return model;
    }

    [Fact]
    public void FullModelSurvivesSaveAndLoad()
    {
        using var temp = new TempFolder();
        using var model = FullModel();
        OnnxWriter.Save(model, temp.File("m.onnx"));
        using var loaded = OnnxReader.Load(temp.File("m.onnx"));
        ModelAssert.Equal(model, loaded);
        Assert.Equal(temp.File("m.onnx"), loaded.Source);

        // Spot checks that do not go through the comparer.
        Assert.Equal(new[] { (Half)1.5, (Half)(-65504), Half.Epsilon }, loaded.Graph.Initializers["f16"].ToArray<Half>());
        Assert.Equal(new[] { long.MinValue, -1L, long.MaxValue }, loaded.Graph.Initializers["i64"].ToArray<long>());
        var node = loaded.Graph.Nodes[1];
        Assert.Equal("ai.bramble", node.Domain);
        Assert.Equal("grüße ✓", node.GetString("s", ""));
        Assert.Equal(-7, node.GetInt("i", 0));
        Assert.Equal(new[] { 0f, 0f, 5f, 0f, -1f, 0f }, node.GetTensor("sparse")!.ToArray<float>());
        Assert.Equal("alpha", node.Attributes["alpha_ref"].RefAttrName);
        Assert.Equal(-1f, loaded.Graph.Nodes[0].Attributes["else_branch"].Graph!.Initializers["else_c"].ToArray<float>()[0]);
        Assert.Equal("batch", loaded.Graph.Inputs[0].Shape![0].Param);
        Assert.Null(loaded.Graph.Inputs[2].Shape);
    }

    [Fact]
    public void SavingALoadedModelReproducesTheFile()
    {
        using var temp = new TempFolder();
        using var model = FullModel();
        OnnxWriter.Save(model, temp.File("a.onnx"));
        using var loaded = OnnxReader.Load(temp.File("a.onnx"));
        OnnxWriter.Save(loaded, temp.File("b.onnx"));
        Assert.Equal(File.ReadAllBytes(temp.File("a.onnx")), File.ReadAllBytes(temp.File("b.onnx")));
    }

    [Fact]
    public void StreamsAndModelLoaderReadTheSameModel()
    {
        using var temp = new TempFolder();
        using var model = FullModel();
        string path = temp.File("m.onnx");
        OnnxWriter.Save(model, path);
        byte[] bytes = File.ReadAllBytes(path);

        using (var viaLoader = ModelLoader.Load(path)) ModelAssert.Equal(model, viaLoader);
        using (var memory = new MemoryStream(bytes))
        using (var fromMemory = ModelLoader.Load(memory, "m.onnx"))
        {
            ModelAssert.Equal(model, fromMemory);
            Assert.Equal("m.onnx", fromMemory.Source);
        }
        using (var file = File.OpenRead(path))
        using (var fromFile = OnnxReader.Load(file, path)) ModelAssert.Equal(model, fromFile);
        using (var pipe = new ForwardOnlyStream(bytes))
        using (var fromPipe = OnnxReader.Load(pipe, "pipe.onnx")) ModelAssert.Equal(model, fromPipe);
    }

    [Fact]
    public void TensorFilesRoundTripWithTheirNames()
    {
        using var temp = new TempFolder();
        foreach (var (name, tensor) in TensorsOfEveryType())
        {
            using (tensor)
            {
                string path = temp.File(name + ".pb");
                OnnxWriter.WriteTensor(tensor, name, path);
                using var back = OnnxReader.ReadTensor(path, out string readName);
                Assert.Equal(name, readName);
                ModelAssert.Equal(tensor, back, name);
            }
        }
    }

    [Fact]
    public void LargeInitializersGoToExternalDataAndComeBack()
    {
        using var temp = new TempFolder();
        using var model = FullModel();
        var big = Tensor.Allocate(DataType.Float32, 300, 70);
        var span = big.AsSpan<float>();
        for (int i = 0; i < span.Length; i++) span[i] = i * 0.5f - 1000;
        model.Graph.Initializers["big"] = big;
        model.Graph.Initializers["big2"] = Tensor.FromArray(Enumerable.Range(0, 1000).Select(i => (long)i * 3).ToArray(), 1000);

        string path = temp.File("ext.onnx");
        OnnxWriter.Save(model, path, new OnnxWriteOptions { ExternalDataThreshold = 1024, ExternalDataFile = "weights.bin" });
        Assert.True(File.Exists(temp.File("weights.bin")));
        Assert.True(new FileInfo(path).Length < 4096, "the model file should only reference the large tensors");
        Assert.True(new FileInfo(temp.File("weights.bin")).Length >= big.ByteLength + 8000);

        using var loaded = OnnxReader.Load(path);
        ModelAssert.Equal(model, loaded);

        // The same file from a stream needs to know the folder.
        using var stream = File.OpenRead(path);
        using var viaStream = OnnxReader.Load(stream, "ext.onnx");
        ModelAssert.Equal(model, viaStream);
    }

    [Fact]
    public void DefaultSidecarIsNamedAfterTheModel()
    {
        using var temp = new TempFolder();
        using var model = FullModel();
        model.Graph.Initializers["big"] = Tensor.Allocate(DataType.Float32, 1000);
        OnnxWriter.Save(model, temp.File("net.onnx"), new OnnxWriteOptions { ExternalDataThreshold = 100 });
        Assert.True(File.Exists(temp.File("net.onnx.data")));
        using var loaded = OnnxReader.Load(temp.File("net.onnx"));
        ModelAssert.Equal(model, loaded);
    }
}

/// <summary>A stream that can only be read forwards, like a pipe or a network response.</summary>
internal sealed class ForwardOnlyStream(byte[] bytes) : Stream
{
    private int _position;
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count)
    {
        // Short reads on purpose: readers must not assume full buffers.
        int n = Math.Min(Math.Min(count, 1000), bytes.Length - _position);
        Array.Copy(bytes, _position, buffer, offset, n);
        _position += n;
        return n;
    }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
