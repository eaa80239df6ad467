namespace Bramble.Training.Models;

/// <summary>
/// The four baseline CNNs for small gray images (Fashion-MNIST: 1×28×28, 10 classes), sized so that a
/// 2-core CPU trains each in minutes per epoch. Input: pixel/255; output: logits.
/// </summary>
public static class Architectures
{
    public static readonly string[] Names = ["lenet", "vgg", "resnet", "mobilenet"];

    /// <param name="width">Multiplies every hidden layer's channel count (MobileNet's α): 2 gives twice the channels,
    /// about four times the multiply-adds, for more accuracy.</param>
    public static Graph.Graph Build(string name, int channels = 1, int size = 28, int classes = 10, int seed = 1, float width = 1f)
    {
        if (!(width >= 0.25f && width <= 8f)) throw new BrambleException($"architecture width {width} is outside 0.25..8");
        int C(int c) => Math.Max(1, (int)MathF.Round(c * width));
        return name.ToLowerInvariant() switch
        {
            "lenet" => LeNet(channels, size, classes, seed, C),
            "vgg" => Vgg(channels, size, classes, seed, C),
            "resnet" => ResNet(channels, size, classes, seed, C),
            "mobilenet" => MobileNet(channels, size, classes, seed, C),
            _ => throw new BrambleException($"unknown architecture '{name}' (use {string.Join(", ", Names)})"),
        };
    }

    private static int Same(int c) => c;

    private static void CheckSize(int size, int multiple, string name)
    {
        // Each pooling or stride-2 stage halves the side (rounding down); the last stage needs a pixel left.
        if (size < multiple) throw new BrambleException($"architecture {name}: image size {size} is below {multiple}");
    }

    /// <summary>LeNet-style: conv5×5(16, pad 2)–pool–conv5×5(32)–pool–fc32–fc: ~40k parameters.</summary>
    public static Graph.Graph LeNet(int channels, int size, int classes, int seed, Func<int, int>? width = null)
    {
        var C = width ?? Same;
        if (size < 12) throw new BrambleException($"architecture lenet: image size {size} is below 12");
        var b = new GraphBuilder("lenet", channels, size, size, seed);
        string x = b.MaxPool(b.Relu(b.Conv(b.Input, channels, C(16), 5, pad: 2)));
        x = b.MaxPool(b.Relu(b.Conv(x, C(16), C(32), 5, pad: 0)));
        int side = (size / 2 - 4) / 2;
        x = b.Relu(b.Dense(b.Flatten(x), C(32) * side * side, C(32)));
        return b.Finish(b.Dense(x, C(32), classes), classes);
    }

    /// <summary>VGG-style: 3×3 conv–BN–ReLU pairs (16,16 | 32,32 | 64) with max-pooling, fc128, dropout, fc.</summary>
    public static Graph.Graph Vgg(int channels, int size, int classes, int seed, Func<int, int>? width = null)
    {
        var C = width ?? Same;
        CheckSize(size, 8, "vgg");
        var b = new GraphBuilder("vgg", channels, size, size, seed);
        string x = b.ConvBn(b.Input, channels, C(16), 3);
        x = b.MaxPool(b.ConvBn(x, C(16), C(16), 3));
        x = b.ConvBn(x, C(16), C(32), 3);
        x = b.MaxPool(b.ConvBn(x, C(32), C(32), 3));
        x = b.MaxPool(b.ConvBn(x, C(32), C(64), 3));
        int side = size / 8;
        x = b.Dropout(b.Relu(b.Dense(b.Flatten(x), C(64) * side * side, C(128))), 0.3f);
        return b.Finish(b.Dense(x, C(128), classes), classes);
    }

    /// <summary>ResNet-style: stem conv16, basic blocks 16→32 (stride 2), 32→64 (stride 2), 64→64, global average pool, fc.</summary>
    public static Graph.Graph ResNet(int channels, int size, int classes, int seed, Func<int, int>? width = null)
    {
        var C = width ?? Same;
        CheckSize(size, 4, "resnet");
        var b = new GraphBuilder("resnet", channels, size, size, seed);
        string x = b.ConvBn(b.Input, channels, C(16), 3);
        x = BasicBlock(b, x, C(16), C(32), 2);
        x = BasicBlock(b, x, C(32), C(64), 2);
        x = BasicBlock(b, x, C(64), C(64), 1);
        return b.Finish(b.Dense(b.Flatten(b.GlobalAveragePool(x)), C(64), classes), classes);
    }

    private static string BasicBlock(GraphBuilder b, string x, int inC, int outC, int stride)
    {
        string y = b.ConvBn(x, inC, outC, 3, stride);
        y = b.ConvBn(y, outC, outC, 3, relu: false);
        string shortcut = stride == 1 && inC == outC ? x : b.ConvBn(x, inC, outC, 1, stride, relu: false);
        return b.Relu(b.Add(y, shortcut));
    }

    /// <summary>MobileNet-style: stem conv16, five depthwise-separable blocks (3×3 depthwise + 1×1 pointwise, BN, ReLU), global average pool, fc.</summary>
    public static Graph.Graph MobileNet(int channels, int size, int classes, int seed, Func<int, int>? width = null)
    {
        var C = width ?? Same;
        CheckSize(size, 4, "mobilenet");
        var b = new GraphBuilder("mobilenet", channels, size, size, seed);
        string x = b.ConvBn(b.Input, channels, C(16), 3);
        (int inC, int outC, int stride)[] blocks = [(16, 32, 1), (32, 64, 2), (64, 64, 1), (64, 128, 2), (128, 128, 1)];
        foreach (var (inC, outC, stride) in blocks)
        {
            x = b.ConvBn(x, C(inC), C(inC), 3, stride, group: C(inC));
            x = b.ConvBn(x, C(inC), C(outC), 1);
        }
        return b.Finish(b.Dense(b.Flatten(b.GlobalAveragePool(x)), C(128), classes), classes);
    }
}
