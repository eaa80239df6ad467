using Bramble.Training.Data;

namespace Bramble.Cli.Commands;

/// <summary>Resolves a --dataset value: "fashion-mnist" (Debian's package) or a directory of class folders.</summary>
internal static class DatasetArgs
{
    public const string Description = "fashion-mnist, or a directory with one sub-directory of images per class";

    public static (Dataset Train, Dataset Test) Load(string name, int imageSize, int channels)
    {
        if (name.Equals("fashion-mnist", StringComparison.OrdinalIgnoreCase))
            return (FashionMnist.Load(train: true), FashionMnist.Load(train: false));
        if (!Directory.Exists(name)) throw new CliUsageException($"unknown dataset '{name}' ({Description})");
        // A user folder may hold train/ and test/ splits; otherwise the whole folder serves for both.
        string train = Path.Combine(name, "train"), test = Path.Combine(name, "test");
        if (Directory.Exists(train) && Directory.Exists(test))
            return (ImageFolderDataset.Load(train, imageSize, imageSize, channels), ImageFolderDataset.Load(test, imageSize, imageSize, channels));
        var all = ImageFolderDataset.Load(name, imageSize, imageSize, channels);
        return (all, all);
    }
}
