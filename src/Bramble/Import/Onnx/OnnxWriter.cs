using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Import.Onnx;

/// <summary>
/// Writes Bramble models and tensors as ONNX protobuf files. Numeric tensors are stored as raw_data (or
/// external data, see <see cref="OnnxWriteOptions"/>); opsets, metadata, attributes, value_info and doc
/// strings are kept, so that loading the written file gives the same graph.
/// </summary>
public static class OnnxWriter
{
    /// <summary>Saves <paramref name="model"/> to <paramref name="path"/> (and a sidecar file for external data).</summary>
    public static void Save(Model model, string path, OnnxWriteOptions? options = null)
    {
        options ??= new OnnxWriteOptions();
        var external = WriteExternalData(model.Graph, path, options);
        var writer = new OnnxModelWriter(external, options.SparseInitializers);
        WriteFile(path, stream => writer.Model(new ProtoWriter(stream), model));
    }

    /// <summary>Writes one tensor as a bare TensorProto file (the format of ONNX test data, input_0.pb).</summary>
    public static void WriteTensor(Tensor tensor, string name, string path)
    {
        var writer = new OnnxModelWriter(new());
        WriteFile(path, stream => writer.Tensor(new ProtoWriter(stream), (tensor, name)));
    }

    private static void WriteFile(string path, Action<Stream> write)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            write(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BrambleException($"{path}: cannot write: {e.Message.ReplaceLineEndings(" ")}", e);
        }
    }

    /// <summary>
    /// Puts every initializer of the main graph at or above the threshold into the sidecar file and
    /// returns where each went; the model's TensorProtos then only reference them.
    /// </summary>
    private static Dictionary<Tensor, (string, long)> WriteExternalData(Graph.Graph graph, string path, OnnxWriteOptions options)
    {
        var placed = new Dictionary<Tensor, (string, long)>(ReferenceEqualityComparer.Instance);
        if (options.ExternalDataThreshold is not long threshold) return placed;
        string location = options.ExternalDataFile ?? Path.GetFileName(path) + ".data";
        if (Path.IsPathRooted(location) || location.Split('/', '\\').Contains(".."))
            throw new BrambleException($"{path}: external data file '{location}' must be a path inside the model's folder");
        string sidecar = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, location);
        int align = Math.Max(1, options.ExternalDataAlignment);
        WriteFile(sidecar, stream =>
        {
            foreach (var tensor in graph.Initializers.Values)
            {
                if (tensor.ByteLength < threshold || placed.ContainsKey(tensor)) continue;
                long offset = (stream.Position + align - 1) / align * align;
                if (offset > stream.Position) stream.Write(new byte[offset - stream.Position]);
                stream.Write(OnnxModelWriter.LittleEndianBytes(tensor));
                placed[tensor] = (location, offset);
            }
        });
        return placed;
    }
}
