using Bramble.Graph;
using Bramble.Import.Onnx;

namespace Bramble.Import;

/// <summary>Opens a model file by its format: ONNX (.onnx), Darknet (.cfg with .weights beside it).</summary>
public static class ModelLoader
{
    public static Model Load(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: file not found");
        string ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".onnx" => OnnxReader.Load(path),
            ".cfg" => Darknet.DarknetImporter.Load(path),
            _ => throw new ModelFormatException($"{path}: unknown model format '{ext}' (expected .onnx or .cfg)"),
        };
    }

    /// <summary>
    /// Opens a model from a stream; <paramref name="sourceName"/> (a file name) picks the format and names
    /// the model in errors.
    /// </summary>
    public static Model Load(Stream stream, string sourceName)
    {
        string ext = Path.GetExtension(sourceName).ToLowerInvariant();
        return ext switch
        {
            ".onnx" => OnnxReader.Load(stream, sourceName),
            _ => throw new ModelFormatException($"{sourceName}: unknown model format '{ext}' for a stream (expected .onnx)"),
        };
    }
}
