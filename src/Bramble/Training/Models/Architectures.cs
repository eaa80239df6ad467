namespace Bramble.Training.Models;

/// <summary>
/// The four baseline CNNs for small gray images (Fashion-MNIST: 1×28×28, 10 classes), sized so that a
/// 2-core CPU trains each in minutes per epoch. Input: pixel/255; output: logits.
/// </summary>
public static class Architectures
{
    public static readonly string[] Names = ["lenet", "vgg", "resnet", "mobilenet"];

    public static Graph.Graph Build(string name, int channels = 1, int size = 28, int classes = 10, int seed = 1) => name.ToLowerInvariant() switch
    {
        "lenet" => LeNet(channels, size, classes, seed),
        "vgg" => Vgg(channels, size, classes, seed),
        "resnet" => ResNet(channels, size, classes, seed),
        "mobilenet" => MobileNet(channels, size, classes, seed),
        _ => throw new BrambleException($"unknown architecture '{name}' (use {string.Join(", ", Names)})"),
    };

    private static void CheckSize(int size, int multiple, string name)
    {
        // Each pooling or stride-2 stage halves the side (rounding down); the last stage needs a pixel left.
        if (size < multiple) throw new BrambleException($"architecture {name}: image size {size} is below {multiple}");
    }

    /// <summary>LeNet-style: conv5×5(16, pad 2)–pool–conv5×5(32)–pool–fc32–fc: ~40k parameters.</summary>
    public static Graph.Graph LeNet(int channels, int size, int classes, int seed)
    {
        if (size < 12) throw new BrambleException($"architecture lenet: image size {size} is below 12");
        var b = new GraphBuilder("lenet", channels, size, size, seed);
        string x = b.MaxPool(b.Relu(b.Conv(b.Input, channels, 16, 5, pad: 2)));
        x = b.MaxPool(b.Relu(b.Conv(x, 16, 32, 5, pad: 0)));
        int side = (size / 2 - 4) / 2;
        x = b.Relu(b.Dense(b.Flatten(x), 32 * side * side, 32));
        return b.Finish(b.Dense(x, 32, classes), classes);
    }

    /// <summary>VGG-style: 3×3 conv–BN–ReLU pairs (16,16 | 32,32 | 64) with max-pooling, fc128, dropout, fc.</summary>
    public static Graph.Graph Vgg(int channels, int size, int classes, int seed)
    {
        CheckSize(size, 8, "vgg");
        var b = new GraphBuilder("vgg", channels, size, size, seed);
        string x = b.ConvBn(b.Input, channels, 16, 3);
        x = b.MaxPool(b.ConvBn(x, 16, 16, 3));
        x = b.ConvBn(x, 16, 32, 3);
        x = b.MaxPool(b.ConvBn(x, 32, 32, 3));
        x = b.MaxPool(b.ConvBn(x, 32, 64, 3));
        int side = size / 8;
        x = b.Dropout(b.Relu(b.Dense(b.Flatten(x), 64 * side * side, 128)), 0.3f);
        return b.Finish(b.Dense(x, 128, classes), classes);
    }

    /// <summary>ResNet-style: stem conv16, basic blocks 16→32 (stride 2), 32→64 (stride 2), 64→64, global average pool, fc.</summary>
    public static Graph.Graph ResNet(int channels, int size, int classes, int seed)
    {
        CheckSize(size, 4, "resnet");
        var b = new GraphBuilder("resnet", channels, size, size, seed);
        string x = b.ConvBn(b.Input, channels, 16, 3);
        x = BasicBlock(b, x, 16, 32, 2);
        x = BasicBlock(b, x, 32, 64, 2);
        x = BasicBlock(b, x, 64, 64, 1);
        return b.Finish(b.Dense(b.Flatten(b.GlobalAveragePool(x)), 64, classes), classes);
    }

    private static string BasicBlock(GraphBuilder b, string x, int inC, int outC, int stride)
    {
        string y = b.ConvBn(x, inC, outC, 3, stride);
        y = b.ConvBn(y, outC, outC, 3, relu: false);
        string shortcut = stride == 1 && inC == outC ? x : b.ConvBn(x, inC, outC, 1, stride, relu: false);
        return b.Relu(b.Add(y, shortcut));
    }

    /// <summary>MobileNet-style: stem conv16, five depthwise-separable blocks (3×3 depthwise + 1×1 pointwise, BN, ReLU), global average pool, fc.</summary>
    public static Graph.Graph MobileNet(int channels, int size, int classes, int seed)
    {
        CheckSize(size, 4, "mobilenet");
        var b = new GraphBuilder("mobilenet", channels, size, size, seed);
        string x = b.ConvBn(b.Input, channels, 16, 3);
        (int inC, int outC, int stride)[] blocks = [(16, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2), (128, 128, 1)];
        foreach (var (inC, outC, stride) in blocks)
        {
            x = b.ConvBn(x, inC, inC, 3, stride, group: inC);
            x = b.ConvBn(x, inC, outC, 1);
        }
        return b.Finish(b.Dense(b.Flatten(b.GlobalAveragePool(x)), 128, classes), classes);
    }
}
