namespace Bramble.Training.Data;

/// <summary>Fashion-MNIST from the IDX files of Debian's dataset-fashion-mnist package.</summary>
public static class FashionMnist
{
    /// <summary>Where the Debian package installs the four .gz files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>True when the training and test files are present.</summary>
    public static bool IsAvailable(string? directory = null) =>
        File.Exists(Path.Combine(directory ?? DefaultDirectory, "train-images-idx3-ubyte.gz")) &&
        File.Exists(Path.Combine(directory ?? DefaultDirectory, "t10k-images-idx3-ubyte.gz"));

    /// <summary>The 60,000 training images (train) or the 10,000 test images.</summary>
    public static Dataset Load(bool train, string? directory = null)
    {
        string dir = directory ?? DefaultDirectory;
        string prefix = train ? "train" : "t10k";
        string imagesPath = Path.Combine(dir, $"{prefix}-images-idx3-ubyte.gz");
        string labelsPath = Path.Combine(dir, $"{prefix}-labels-idx1-ubyte.gz");
        if (!File.Exists(imagesPath)) throw new BrambleException($"Fashion-MNIST not found: {imagesPath} (install the dataset-fashion-mnist package)");
        var (pixels, shape) = IdxReader.Read(imagesPath);
        var (labelBytes, labelShape) = IdxReader.Read(labelsPath);
        if (shape.Length != 3 || labelShape.Length != 1 || labelShape[0] != shape[0])
            throw new ModelFormatException($"{imagesPath}: expected [N,28,28] images and [N] labels, got [{string.Join(",", shape)}] and [{string.Join(",", labelShape)}]");
        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++) labels[i] = labelBytes[i];
        return new Dataset(pixels, labels, 1, shape[1], shape[2], ClassNames);
    }
}
