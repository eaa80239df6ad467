using Bramble.Tensors;

namespace Bramble.Vision.Detection;

/// <summary>
/// Turns raw [yolo]/[region] feature maps into box candidates exactly as Darknet's get_network_boxes does
/// with relative=1: the layer activation (forward_yolo_layer / forward_region_layer), the box decode
/// (get_yolo_box / get_region_box), the thresholds, and correct_*_boxes, which undoes the letterbox
/// (the image scaled to fit the network input, centred, aspect kept).
/// </summary>
public static class DarknetDecoder
{
    /// <summary>
    /// Candidates of every head in head order. yolo heads yield only cells whose objectness exceeds
    /// <paramref name="threshold"/>; region heads yield every cell and anchor (objectness 0 when not above it),
    /// as Darknet does. <paramref name="letterbox"/> false skips the letterbox correction (the image was
    /// stretched to the network size, as AlexeyAB's Darknet does by default).
    /// </summary>
    public static List<BoxCandidate> GetNetworkBoxes(DetectionMetadata meta, IReadOnlyDictionary<string, Tensor> outputs,
        int imageWidth, int imageHeight, float threshold, bool letterbox = true)
    {
        if (imageWidth <= 0 || imageHeight <= 0) throw new ShapeException($"image size {imageWidth}x{imageHeight} is not positive");
        var all = new List<BoxCandidate>();
        foreach (var head in meta.Heads)
        {
            if (!outputs.TryGetValue(head.Output, out var tensor))
                throw new ShapeException($"detection head output '{head.Output}' is missing from the model outputs");
            var dets = head.Kind == DetectionHeadKind.Yolo
                ? Yolo(head, Activated(head, tensor), meta.NetWidth, meta.NetHeight, threshold)
                : Region(head, Activated(head, tensor), threshold);
            CorrectBoxes(dets, imageWidth, imageHeight, meta.NetWidth, meta.NetHeight, letterbox);
            all.AddRange(dets);
        }
        return all;
    }

    /// <summary>Darknet's logistic_activate (computed in double, as its 1./(1. + exp(-x)) is).</summary>
    public static float Logistic(float x) => (float)(1.0 / (1.0 + Math.Exp(-x)));

    /// <summary>The head's feature map after the layer's forward pass: a copy with logistic/softmax applied.</summary>
    public static float[] Activated(DetectionHead head, Tensor raw)
    {
        int cells = head.GridWidth * head.GridHeight;
        if (raw.Type != DataType.Float32 || raw.Length != (long)head.Channels * cells)
            throw new ShapeException(
                $"detection output '{head.Output}' is {raw.Type.Name()}{ShapeUtil.Format(raw.Shape)}, expected float32[1x{head.Channels}x{head.GridHeight}x{head.GridWidth}]");
        var x = raw.ToArray<float>();
        int entries = head.EntriesPerAnchor;
        for (int n = 0; n < head.AnchorCount; n++)
        {
            int b = n * entries * cells;
            // x, y (and for yolo objectness and classes too) through the logistic.
            for (int i = 0; i < 2 * cells; i++) x[b + i] = Logistic(x[b + i]);
            if (head.Kind == DetectionHeadKind.Yolo)
            {
                if (head.ScaleXY != 1)
                {
                    // AlexeyAB's scal_add_cpu: x·s − (s−1)/2 on the activated x and y.
                    float s = head.ScaleXY, add = -0.5f * (s - 1);
                    for (int i = 0; i < 2 * cells; i++) x[b + i] = x[b + i] * s + add;
                }
                for (int i = 4 * cells; i < entries * cells; i++) x[b + i] = Logistic(x[b + i]);
                continue;
            }
            int obj = b + head.Coords * cells;
            for (int i = 0; i < cells; i++) x[obj + i] = Logistic(x[obj + i]);
            int cls = obj + cells;
            if (!head.Softmax)
            {
                for (int i = 0; i < head.Classes * cells; i++) x[cls + i] = Logistic(x[cls + i]);
                continue;
            }
            for (int i = 0; i < cells; i++) Softmax(x, cls + i, head.Classes, cells);
        }
        return x;
    }

    /// <summary>Darknet's softmax(input, n, temp=1, stride): max-subtracted exponentials, normalised.</summary>
    private static void Softmax(float[] x, int start, int n, int stride)
    {
        float largest = float.MinValue;
        for (int i = 0; i < n; i++) largest = Math.Max(largest, x[start + i * stride]);
        float sum = 0;
        for (int i = 0; i < n; i++)
        {
            float e = (float)Math.Exp(x[start + i * stride] - largest);
            sum += e;
            x[start + i * stride] = e;
        }
        for (int i = 0; i < n; i++) x[start + i * stride] /= sum;
    }

    private static List<BoxCandidate> Yolo(DetectionHead head, float[] x, int netW, int netH, float thresh)
    {
        int lw = head.GridWidth, lh = head.GridHeight, cells = lw * lh, entries = head.EntriesPerAnchor;
        var dets = new List<BoxCandidate>();
        for (int i = 0; i < cells; i++)
        {
            int row = i / lw, col = i % lw;
            for (int n = 0; n < head.AnchorCount; n++)
            {
                int b = n * entries * cells + i;
                float objectness = x[b + 4 * cells];
                if (objectness <= thresh) continue;
                int anchor = head.Mask[n];
                var box = new DarknetBox(
                    (col + x[b]) / lw,
                    (row + x[b + cells]) / lh,
                    (float)(Math.Exp(x[b + 2 * cells]) * head.Anchors[2 * anchor] / netW),
                    (float)(Math.Exp(x[b + 3 * cells]) * head.Anchors[2 * anchor + 1] / netH));
                var prob = new float[head.Classes];
                for (int j = 0; j < head.Classes; j++)
                {
                    float p = objectness * x[b + (5 + j) * cells];
                    prob[j] = p > thresh ? p : 0;
                }
                dets.Add(new BoxCandidate(box, objectness, prob));
            }
        }
        return dets;
    }

    private static List<BoxCandidate> Region(DetectionHead head, float[] x, float thresh)
    {
        int lw = head.GridWidth, lh = head.GridHeight, cells = lw * lh, entries = head.EntriesPerAnchor;
        // Darknet indexes region detections n·w·h + i: anchor-major.
        var dets = new BoxCandidate[cells * head.AnchorCount];
        for (int i = 0; i < cells; i++)
        {
            int row = i / lw, col = i % lw;
            for (int n = 0; n < head.AnchorCount; n++)
            {
                int b = n * entries * cells + i;
                float scale = x[b + head.Coords * cells];
                var box = new DarknetBox(
                    (col + x[b]) / lw,
                    (row + x[b + cells]) / lh,
                    (float)(Math.Exp(x[b + 2 * cells]) * head.Anchors[2 * n] / lw),
                    (float)(Math.Exp(x[b + 3 * cells]) * head.Anchors[2 * n + 1] / lh));
                float objectness = scale > thresh ? scale : 0;
                var prob = new float[head.Classes];
                if (objectness != 0)
                    for (int j = 0; j < head.Classes; j++)
                    {
                        float p = scale * x[b + (head.Coords + 1 + j) * cells];
                        prob[j] = p > thresh ? p : 0;
                    }
                dets[n * cells + i] = new BoxCandidate(box, objectness, prob);
            }
        }
        return dets.ToList();
    }

    /// <summary>correct_yolo_boxes / correct_region_boxes with relative=1: network-relative boxes to image-relative ones.</summary>
    public static void CorrectBoxes(List<BoxCandidate> dets, int w, int h, int netw, int neth, bool letterbox = true)
    {
        int newW, newH;
        if (!letterbox)
        {
            newW = netw;
            newH = neth;
        }
        else if ((float)netw / w < (float)neth / h)
        {
            newW = netw;
            newH = h * netw / w;
        }
        else
        {
            newH = neth;
            newW = w * neth / h;
        }
        foreach (var d in dets)
        {
            var b = d.Box;
            d.Box = new DarknetBox(
                (float)((b.X - (netw - newW) / 2.0 / netw) / ((float)newW / netw)),
                (float)((b.Y - (neth - newH) / 2.0 / neth) / ((float)newH / neth)),
                b.W * ((float)netw / newW),
                b.H * ((float)neth / newH));
        }
    }
}
