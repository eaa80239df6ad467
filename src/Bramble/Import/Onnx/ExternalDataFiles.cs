using Bramble.Tensors;
using Microsoft.Win32.SafeHandles;

namespace Bramble.Import.Onnx;

/// <summary>
/// Resolves and reads ONNX external data (TensorProto.data_location = EXTERNAL): files named relative to
/// the model's folder, read straight into the tensor's buffer. Paths that leave the model's folder are
/// rejected so a model cannot make Bramble read arbitrary files.
/// </summary>
internal sealed class ExternalDataFiles : IDisposable
{
    private readonly string _modelName;
    private readonly string? _baseDirectory;
    private readonly Dictionary<string, SafeFileHandle> _open = new();

    /// <param name="modelName">The model file, for error messages.</param>
    /// <param name="baseDirectory">The model's folder; null when the model came from a stream without one.</param>
    public ExternalDataFiles(string modelName, string? baseDirectory)
    {
        _modelName = modelName;
        _baseDirectory = baseDirectory;
    }

    public Tensor Read(string tensorName, string location, long offset, long length, DataType type, int[] shape, long bytes)
    {
        string what = $"tensor '{tensorName}'";
        if (_baseDirectory == null)
            throw Error($"{what} keeps its data in external file '{location}', which needs the model's folder (load it from a path)");
        string path = Resolve(location, what);
        var handle = Open(path, location, what);
        long fileLength = RandomAccess.GetLength(handle);
        if (length < 0) length = Math.Max(0, fileLength - offset);
        if (length != bytes)
            throw Error($"{what} has {length} bytes of external data in '{location}', but its shape {ShapeUtil.Format(shape)} of {type.Name()} needs {bytes}");
        if (offset > fileLength || fileLength - offset < length)
            throw Error($"external data file '{location}' is too short for {what}: needs {length} bytes at offset {offset}, the file has {fileLength}");

        var tensor = Tensor.Allocate(type, shape);
        try
        {
            var span = tensor.AsSpan<byte>();
            int done = 0;
            while (done < span.Length)
            {
                int n = RandomAccess.Read(handle, span[done..], offset + done);
                if (n <= 0) throw Error($"external data file '{location}' ended early while reading {what}");
                done += n;
            }
            OnnxDataTypes.ToNativeEndian(span, type.Size());
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    private string Resolve(string location, string what)
    {
        if (Path.IsPathRooted(location) || location.Contains('\0'))
            throw Error($"{what} names external file '{location}', which is not a path relative to the model's folder");
        string root = Path.GetFullPath(_baseDirectory!);
        if (!Path.EndsInDirectorySeparator(root)) root += Path.DirectorySeparatorChar;
        string full = Path.GetFullPath(Path.Combine(root, location));
        if (!full.StartsWith(root, StringComparison.Ordinal))
            throw Error($"{what} names external file '{location}', which is outside the model's folder");
        return full;
    }

    private SafeFileHandle Open(string path, string location, string what)
    {
        if (_open.TryGetValue(path, out var handle)) return handle;
        if (!File.Exists(path)) throw Error($"{what} keeps its data in '{location}', which does not exist");
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Error($"cannot open external data file '{location}' of {what}: {e.Message}");
        }
        _open[path] = handle;
        return handle;
    }

    private ModelFormatException Error(string detail) => new($"{_modelName}: {detail}");

    public void Dispose()
    {
        foreach (var h in _open.Values) h.Dispose();
        _open.Clear();
    }
}
