using Bramble.Vision.Detection;

namespace Bramble.Import.Darknet;

/// <summary>The Darknet layer types Bramble can lower to ONNX operators.</summary>
public enum DarknetLayerKind
{
    Convolutional,
    Connected,
    MaxPool,
    AvgPool,
    Route,
    Shortcut,
    Upsample,
    Reorg,
    Softmax,
    Dropout,
    Cost,
    Crop,
    BatchNorm,
    Activation,
    Yolo,
    Region,
}

/// <summary>
/// One Darknet layer after cfg parsing: its parameters, its input and output dimensions (computed as
/// Darknet's make_*_layer functions do) and the float arrays it reads from the .weights file, in file order.
/// Fields not used by a layer kind keep their defaults.
/// </summary>
public sealed class DarknetLayer
{
    public DarknetLayer(int index, DarknetLayerKind kind, CfgSection section)
    {
        Index = index;
        Kind = kind;
        Section = section;
    }

    /// <summary>0-based position among the layers (the [net] section is not a layer), as route/shortcut count.</summary>
    public int Index { get; }
    public DarknetLayerKind Kind { get; }
    public CfgSection Section { get; }

    /// <summary>"layer 12 ([convolutional] at cfg line 80)", for error messages.</summary>
    public string Describe() => $"layer {Index} ({Section.Type} at cfg line {Section.Line})";

    // Input and output as Darknet sees them: channels, height, width (a flat vector has h = w = 1).
    public int InC, InH, InW;
    public int OutC, OutH, OutW;

    /// <summary>True when the output is a flat [1, N] vector (connected, softmax), not a [1, C, H, W] map.</summary>
    public bool OutFlat;

    public int Outputs => OutC * OutH * OutW;

    public string Activation = "linear";

    // [convolutional]
    public int Filters, Size = 1, StrideX = 1, StrideY = 1, Padding, Groups = 1, Dilation = 1;
    public bool BatchNormalize, Flipped;

    // [connected]
    public int ConnectedInputs;

    // [maxpool]
    public int PoolPadding;

    // [route]: absolute layer indices; Groups/GroupId select a channel slice of each input.
    public int[] RouteLayers = [];
    public int GroupId;

    // [shortcut]
    public int From;
    public float Alpha = 1, Beta = 1;

    // [upsample] (Stride), [reorg] (Stride, Reverse)
    public int Stride = 1;
    public bool Reverse;
    /// <summary>[reorg] extra=N: the output is the flattened input followed by N zeros.</summary>
    public int Extra;
    public float Scale = 1;

    // [softmax]
    public float Temperature = 1;

    // [crop]
    public int CropWidth, CropHeight;
    public bool NoAdjust;

    // [yolo] / [region]
    public DetectionHead? Head;

    /// <summary>Float arrays read from the .weights file for this layer, in file order, with their tensor shapes.</summary>
    public List<WeightArray> WeightArrays { get; } = new();

    /// <summary>True for [connected] layers whose weights are stored transposed (file major or minor above 1000).</summary>
    public bool TransposeConnected;

    public long WeightCount
    {
        get
        {
            long n = 0;
            foreach (var a in WeightArrays) n += a.Count;
            return n;
        }
    }
}

/// <summary>One float array of a layer in the .weights file: its name (Darknet's field) and tensor shape.</summary>
public sealed record WeightArray(string Name, int[] Shape)
{
    public int Count
    {
        get
        {
            int n = 1;
            foreach (int d in Shape) n *= d;
            return n;
        }
    }
}
