using Bramble.Graph;

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
            ".cfg" => Darknet.DarknetImporter.Load(path),
            _ => throw new ModelFormatException($"{path}: unknown model format '{ext}' (expected .onnx or .cfg)"),
        };
    }
}
