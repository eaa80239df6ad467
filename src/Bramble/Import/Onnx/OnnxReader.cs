using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Import.Onnx;

/// <summary>
/// Reads ONNX models (ModelProto) and bare tensor files (TensorProto, as in ONNX's test_data_set_*/input_0.pb)
/// without any protobuf library. Files are read positionally: tensor data goes from the file straight into
/// each tensor's aligned native buffer, so loading needs about the weights' size in memory, not twice it.
/// Every problem with the bytes is a one-line <see cref="ModelFormatException"/> naming the file.
/// </summary>
public static class OnnxReader
{
    private const string ModelKind = "an ONNX model";
    private const string TensorKind = "an ONNX tensor";

    /// <summary>Loads an ONNX model. External data files are resolved relative to the model's folder.</summary>
    public static Model Load(string path)
    {
        using var source = OpenFile(path);
        return ParseModel(source, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>
    /// Loads an ONNX model from a stream (read from its current position to its end).
    /// </summary>
    /// <param name="stream">The model bytes. A <see cref="FileStream"/> at position 0 is read positionally like a path.</param>
    /// <param name="sourceName">Names the model in error messages.</param>
    /// <param name="baseDirectory">Folder that external data locations are relative to; for a FileStream, its folder by default.</param>
    public static Model Load(Stream stream, string sourceName = "(stream)", string? baseDirectory = null)
    {
        if (stream is FileStream fs && baseDirectory == null) baseDirectory = Path.GetDirectoryName(Path.GetFullPath(fs.Name));
        using var source = OpenStream(stream, sourceName);
        return ParseModel(source, sourceName, baseDirectory);
    }

    /// <summary>Reads a file holding one TensorProto.</summary>
    public static Tensor ReadTensor(string path) => ReadTensor(path, out _);

    /// <summary>Reads a file holding one TensorProto and returns the tensor and its name ("" when unnamed).</summary>
    public static Tensor ReadTensor(string path, out string name)
    {
        using var source = OpenFile(path);
        if (source.Length == 0) throw new ModelFormatException($"{path} is empty");
        var reader = new WireReader(source, path, TensorKind) { Context = "the tensor" };
        using var external = new ExternalDataFiles(path, Path.GetDirectoryName(Path.GetFullPath(path)));
        string tensorName = "";
        var tensor = Guard(path, () => new OnnxTensorParser(reader, external).ParseBody(out tensorName));
        name = tensorName;
        return tensor;
    }

    private static Model ParseModel(ProtoSource source, string name, string? baseDirectory)
    {
        if (source.Length == 0) throw new ModelFormatException($"{name} is empty");
        var reader = new WireReader(source, name, ModelKind);
        using var external = new ExternalDataFiles(name, baseDirectory);
        return Guard(name, () => new OnnxGraphParser(reader, external).ParseModel());
    }

    /// <summary>Turns I/O failures while parsing into the same one-line format errors.</summary>
    private static T Guard<T>(string name, Func<T> parse)
    {
        try
        {
            return parse();
        }
        catch (IOException e)
        {
            throw new ModelFormatException($"{name}: cannot read: {OneLine(e.Message)}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ModelFormatException($"{name}: cannot read: {OneLine(e.Message)}", e);
        }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    private static ProtoSource OpenFile(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: file not found");
        try
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            return new FileProtoSource(handle, ownsHandle: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException($"{path}: cannot open: {OneLine(e.Message)}", e);
        }
    }

    private static ProtoSource OpenStream(Stream stream, string name)
    {
        if (stream is FileStream fs && fs.CanSeek && fs.Position == 0)
            return new FileProtoSource(fs.SafeFileHandle, ownsHandle: false);
        if (stream is MemoryStream ms && ms.TryGetBuffer(out var segment))
            return new MemoryProtoSource(segment.AsMemory((int)ms.Position));
        try
        {
            // Any other stream has to be read into memory once; it is then parsed like a file.
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            return new MemoryProtoSource(copy.GetBuffer().AsMemory(0, (int)copy.Length));
        }
        catch (IOException e)
        {
            throw new ModelFormatException($"{name}: cannot read: {OneLine(e.Message)}", e);
        }
    }
}
