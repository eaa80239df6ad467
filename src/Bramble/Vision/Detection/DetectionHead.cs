namespace Bramble.Vision.Detection;

/// <summary>Which Darknet output layer a head decodes like.</summary>
public enum DetectionHeadKind
{
    /// <summary>YOLOv3+ [yolo]: sigmoid x, y, objectness and classes; anchors in network pixels.</summary>
    Yolo,
    /// <summary>YOLOv2 [region]: sigmoid x, y, objectness; softmax (or sigmoid) classes; anchors in grid cells.</summary>
    Region,
}

/// <summary>
/// The decode parameters of one detection output: which graph output holds the raw feature map
/// [1, anchors·(coords+1+classes), gridH, gridW] and how to turn it into boxes.
/// </summary>
public sealed class DetectionHead
{
    public DetectionHeadKind Kind { get; init; }

    /// <summary>Graph output holding this head's raw (not yet activated) feature map.</summary>
    public string Output { get; set; } = "";

    public int Classes { get; init; }

    /// <summary>Anchor (width, height) pairs of the whole network (yolo) or of this head (region).</summary>
    public float[] Anchors { get; init; } = [];

    /// <summary>yolo: indices into <see cref="Anchors"/> of this head's anchors. region: 0..num-1.</summary>
    public int[] Mask { get; init; } = [];

    /// <summary>Box coordinates per anchor (4 for yolo; region's coords=).</summary>
    public int Coords { get; init; } = 4;

    /// <summary>yolo scale_x_y (YOLOv4): x = sigmoid·s − (s−1)/2.</summary>
    public float ScaleXY { get; init; } = 1;

    /// <summary>region: softmax over classes (else sigmoid per class).</summary>
    public bool Softmax { get; init; }

    public int GridWidth { get; init; }
    public int GridHeight { get; init; }

    /// <summary>Anchors this head predicts per cell.</summary>
    public int AnchorCount => Mask.Length;

    /// <summary>Channels per anchor: coordinates, objectness, classes.</summary>
    public int EntriesPerAnchor => Coords + 1 + Classes;

    public int Channels => AnchorCount * EntriesPerAnchor;
}
