using Bramble.Tensors;

namespace Bramble.Vision.Detection;

/// <summary>Thresholds of a detection run; defaults are Darknet's `detector test` ones.</summary>
public sealed class DetectionOptions
{
    /// <summary>Minimum objectness and class probability (Darknet -thresh, default .5; `detect` uses .24 in older versions).</summary>
    public float Threshold { get; init; } = 0.5f;

    /// <summary>IoU above which a lower-scoring box of the same class is suppressed (Darknet: .45).</summary>
    public float NmsThreshold { get; init; } = 0.45f;

    /// <summary>Undo a letterboxed input (pjreddie's Darknet letterboxes); false for a stretched input.</summary>
    public bool Letterbox { get; init; } = true;
}

/// <summary>From raw model outputs to final detections: decode, NMS, one entry per (box, class) above threshold.</summary>
public static class Detector
{
    /// <summary>
    /// Darknet's pipeline: get_network_boxes, do_nms_sort, then every class whose probability exceeds the
    /// threshold (draw_detections' rule) becomes a <see cref="Detection"/>; sorted by confidence, highest first.
    /// </summary>
    public static List<Detection> Detect(DetectionMetadata meta, IReadOnlyDictionary<string, Tensor> outputs,
        int imageWidth, int imageHeight, DetectionOptions? options = null)
    {
        options ??= new DetectionOptions();
        var candidates = DarknetDecoder.GetNetworkBoxes(meta, outputs, imageWidth, imageHeight, options.Threshold, options.Letterbox);
        int classes = 0;
        foreach (var h in meta.Heads) classes = Math.Max(classes, h.Classes);
        var kept = options.NmsThreshold > 0 ? Nms.DoNmsSort(candidates, classes, options.NmsThreshold) : candidates;
        var result = new List<Detection>();
        foreach (var d in kept)
            for (int k = 0; k < d.Probabilities.Length; k++)
                if (d.Probabilities[k] > options.Threshold)
                    result.Add(Detection.FromRelative(k, d.Probabilities[k], d.Box, imageWidth, imageHeight));
        // Stable: equal confidences keep Darknet's candidate order.
        return result.OrderByDescending(r => r.Confidence).ToList();
    }
}
