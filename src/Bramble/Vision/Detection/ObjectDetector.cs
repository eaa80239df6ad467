using System.Diagnostics;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Vision.Imaging;

namespace Bramble.Vision.Detection;

/// <summary>How long each stage of one image took, in milliseconds.</summary>
public readonly record struct DetectionTiming(double PreprocessMs, double InferenceMs, double DecodeMs)
{
    public double TotalMs => PreprocessMs + InferenceMs + DecodeMs;
}

/// <summary>The detections of one image (original image pixels, highest confidence first) and the stage timings.</summary>
public sealed record DetectionResult(IReadOnlyList<Detection> Detections, int ImageWidth, int ImageHeight, DetectionTiming Timing);

/// <summary>
/// Image in, boxes out, for a Darknet-style detector (a Darknet import or an ONNX exported from one, which
/// carries <see cref="DetectionMetadata"/>): Darknet's letterbox preprocessing, one run of the session,
/// YOLO/region decoding, class-wise NMS and mapping back to the original image.
/// </summary>
public sealed class ObjectDetector
{
    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly PreprocessOptions _preprocess;

    /// <summary>Binds a session (not owned) to the detection description of its model.</summary>
    public ObjectDetector(InferenceSession session, DetectionMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(metadata);
        if (session.InputMetadata.Count != 1)
            throw new ShapeException($"a detector has one image input, this model has {session.InputMetadata.Count}");
        var input = session.InputMetadata[0];
        _inputName = input.Name;
        int channels = 3;
        var declared = session.Options.InputShapes.TryGetValue(input.Name, out var bound) ? bound : input.StaticShape;
        if (declared != null)
        {
            if (declared.Length != 4 || declared[0] != 1 || declared[2] != metadata.NetHeight || declared[3] != metadata.NetWidth || declared[1] is not (1 or 3))
                throw new ShapeException(
                    $"detector input '{input.Name}' has shape {ShapeUtil.Format(declared)}, expected [1x3x{metadata.NetHeight}x{metadata.NetWidth}] as its detection metadata says");
            channels = declared[1];
        }
        Metadata = metadata;
        _session = session;
        _preprocess = PreprocessOptions.Darknet(metadata.NetWidth, metadata.NetHeight) with
        {
            Channels = channels == 1 ? ChannelOrder.Gray : ChannelOrder.Rgb,
        };
    }

    public DetectionMetadata Metadata { get; }

    /// <summary>Number of classes the heads predict (the largest over heads).</summary>
    public int Classes => Metadata.Heads.Count == 0 ? 0 : Metadata.Heads.Max(h => h.Classes);

    /// <summary>Detects objects in <paramref name="image"/>; boxes are in its pixels.</summary>
    public DetectionResult Detect(Image image, DetectionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        long t0 = Stopwatch.GetTimestamp();
        using var input = Preprocessor.Run(image, _preprocess);
        long t1 = Stopwatch.GetTimestamp();
        var outputs = _session.Run(new Dictionary<string, Tensor> { [_inputName] = input.Tensor });
        long t2 = Stopwatch.GetTimestamp();
        try
        {
            var detections = Detector.Detect(Metadata, outputs, image.Width, image.Height, options);
            long t3 = Stopwatch.GetTimestamp();
            var timing = new DetectionTiming(
                Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds,
                Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds,
                Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds);
            return new DetectionResult(detections, image.Width, image.Height, timing);
        }
        finally
        {
            foreach (var t in outputs.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Draws every detection on <paramref name="image"/> (in place) as a box in its class colour with a
    /// "label 87%" tag, lowest confidence first so the strongest boxes end on top.
    /// </summary>
    public static void Annotate(Image image, IReadOnlyList<Detection> detections, ClassNames names)
    {
        ArgumentNullException.ThrowIfNull(image);
        for (int i = detections.Count - 1; i >= 0; i--)
        {
            var d = detections[i];
            string label = $"{names[d.ClassId]} {Math.Round(d.Confidence * 100):0}%";
            ImageDrawing.DrawLabel(image, (int)d.X0, (int)d.Y0, (int)d.X1, (int)d.Y1, label, Color.ForClass(d.ClassId));
        }
    }
}
