using Bramble.Graph;

namespace Bramble.Import.Darknet;

/// <summary>
/// Loads a Darknet model (.cfg + .weights) into a Bramble <see cref="Model"/> of standard ONNX operators.
/// The graph input is "data" [1, channels, height, width] (RGB in 0..1, as Darknet feeds it); outputs are the
/// raw feature maps feeding each [yolo]/[region] layer (decode parameters in <see cref="Vision.Detection.DetectionMetadata"/>),
/// or the last layer's output for classifiers.
/// </summary>
public static class DarknetImporter
{
    /// <summary>
    /// Loads <paramref name="cfgPath"/> with <paramref name="weightsPath"/>, or, when that is null, the .weights
    /// file with the same stem beside the cfg. A missing weights file is an error unless
    /// <see cref="DarknetImportOptions.MissingWeights"/> asks for synthetic weights.
    /// </summary>
    public static Model Load(string cfgPath, string? weightsPath = null, DarknetImportOptions? options = null)
    {
        options ??= new DarknetImportOptions();
        var network = DarknetNetwork.Load(cfgPath);
        weightsPath ??= Path.ChangeExtension(cfgPath, ".weights");
        DarknetWeights weights;
        if (File.Exists(weightsPath))
            weights = DarknetWeights.Read(weightsPath, network);
        else if (options.MissingWeights == MissingWeights.Error)
            throw new ModelFormatException(
                $"{cfgPath}: weights file {weightsPath} not found (pass the .weights path, or ask for random/zero weights to benchmark)");
        else
            weights = DarknetWeights.Generate(network, options.MissingWeights == MissingWeights.Random, options.RandomSeed);
        using (weights)
            return FromNetwork(network, weights, options, cfgPath);
    }

    /// <summary>Lowers an already parsed network with its weights; the model takes the weight tensors over.</summary>
    public static Model FromNetwork(DarknetNetwork network, DarknetWeights weights, DarknetImportOptions? options = null, string? source = null)
    {
        var model = DarknetGraphBuilder.Build(network, weights, options ?? new DarknetImportOptions(), source ?? network.Cfg.FileName);
        model.DocString = $"Imported from Darknet {network.Cfg.FileName} (weights format {weights.Major}.{weights.Minor}.{weights.Revision}, seen {weights.Seen})";
        return model;
    }
}
