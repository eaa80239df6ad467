using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Bramble.Cli.Options;
using Bramble.Cli.Support;
using Bramble.Vision.Detection;
using Bramble.Vision.Imaging;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble detect MODEL IMAGE...`: Darknet-style object detection end to end. MODEL is a Darknet .cfg (with
/// its .weights) or an ONNX file exported from one (it carries the decode parameters as metadata). Per image:
/// Darknet's letterbox, one run, YOLO/region decoding, NMS, boxes in original pixels; a table (or JSON) with
/// per-stage timing, and optionally an annotated copy of the image.
/// </summary>
internal static class DetectCommand
{
    /// <summary>A table longer than this helps nobody (untrained weights yield thousands of boxes); --json has all.</summary>
    private const int MaxTableRows = 50;

    public static Command Create(CliContext context)
    {
        var args = new SessionArgs();
        var images = new Argument<string[]>("images") { Description = "Images to detect objects in (JPEG, PNG, PPM/PGM)", Arity = ArgumentArity.OneOrMore };
        var names = new Option<string>("--names") { Description = "Class names, one per line (default: Darknet's coco.names for 80 classes, voc.names for 20)" };
        var thresh = new Option<float>("--thresh") { Description = "Minimum confidence (objectness x class probability)", DefaultValueFactory = _ => 0.25f };
        var nms = new Option<float>("--nms") { Description = "IoU above which NMS drops the weaker box of a class (0 disables NMS)", DefaultValueFactory = _ => 0.45f };
        var json = new Option<bool>("--json") { Description = "Print the detections as JSON (DeepStack-like predictions)" };
        var outDir = new Option<string>("--out", "-o") { Description = "Write annotated images into this directory (created if missing)" };
        UnitInterval(thresh);
        UnitInterval(nms);
        var command = new Command("detect", "Detect objects in images with a Darknet YOLO model (cfg+weights or exported ONNX)");
        args.AddTo(command);
        command.Arguments.Add(images);
        command.Options.Add(names);
        command.Options.Add(thresh);
        command.Options.Add(nms);
        command.Options.Add(json);
        command.Options.Add(outDir);
        command.SetAction(parsed =>
        {
            var request = new Request(parsed.GetRequiredValue(images), parsed.GetValue(names),
                new DetectionOptions { Threshold = parsed.GetValue(thresh), NmsThreshold = parsed.GetValue(nms) },
                parsed.GetValue(json), parsed.GetValue(outDir));
            var (path, model) = args.LoadModel(parsed, context);
            using (model)
            {
                var meta = DetectionMetadata.ReadFrom(model) ?? throw new BrambleException(
                    $"{path}: the model has no detection metadata ('{DetectionMetadata.Key}'); detect needs a Darknet .cfg or an ONNX file exported from one with 'bramble export'");
                using var session = args.CreateSession(parsed, model);
                Execute(context, path, new ObjectDetector(session, meta), request);
            }
            return Cli.ExitOk;
        });
        return command;
    }

    private sealed record Request(string[] Images, string? NamesPath, DetectionOptions Options, bool Json, string? OutDir);

    private sealed record ImageReport(string Path, DetectionResult Result, string? Annotated);

    private static void UnitInterval(Option<float> option) => option.Validators.Add(r =>
    {
        if (r.Tokens.Count > 0 && float.TryParse(r.Tokens[^1].Value, CultureInfo.InvariantCulture, out float v) && !(v >= 0 && v <= 1))
            r.AddError($"{option.Name} must be between 0 and 1, not {r.Tokens[^1].Value}");
    });

    private static void Execute(CliContext context, string modelPath, ObjectDetector detector, Request request)
    {
        var names = request.NamesPath != null ? ClassNames.Load(request.NamesPath) : ClassNames.Default(detector.Classes);
        var targets = request.OutDir == null ? null : AnnotatedPaths(request.Images, request.OutDir);
        if (request.OutDir != null) Directory.CreateDirectory(request.OutDir);
        var reports = new List<ImageReport>();
        for (int i = 0; i < request.Images.Length; i++)
        {
            string imagePath = request.Images[i];
            var image = ImageIO.Load(imagePath);
            var result = detector.Detect(image, request.Options);
            string? annotated = null;
            if (targets != null)
            {
                ObjectDetector.Annotate(image, result.Detections, names);
                annotated = targets[i];
                ImageIO.Save(image, annotated);
            }
            var report = new ImageReport(imagePath, result, annotated);
            reports.Add(report);
            if (!request.Json) WriteTable(context, report, names, request.Options);
        }
        if (request.Json) WriteJson(context.Out, modelPath, reports, names, request.Options);
    }

    /// <summary>
    /// Where each annotated image goes: DIR/&lt;stem&gt;.jpg for JPEG input, .png otherwise. A name that would hit
    /// an input image (e.g. --out pointing at the images' own directory) or an earlier target gets a "-N" suffix,
    /// so the command never overwrites what it reads.
    /// </summary>
    internal static string[] AnnotatedPaths(IReadOnlyList<string> images, string outDir)
    {
        var inputs = new HashSet<string>(images.Select(Path.GetFullPath), StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new string[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            string ext = IsJpeg(images[i]) ? ".jpg" : ".png";
            string stem = Path.GetFileNameWithoutExtension(images[i]);
            if (stem.Length == 0) stem = $"image_{i}";
            string candidate = Path.GetFullPath(Path.Combine(outDir, stem + ext));
            for (int k = 1; inputs.Contains(candidate) || !used.Add(candidate); k++)
                candidate = Path.GetFullPath(Path.Combine(outDir, $"{stem}-{k}{ext}"));
            result[i] = candidate;
        }
        return result;
    }

    /// <summary>JPEG by content (the SOI marker), as decoding goes by content too; unreadable files are not JPEG.</summary>
    private static bool IsJpeg(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            Span<byte> head = stackalloc byte[16];
            int n = f.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return ImageFormats.Detect(head[..n]) == ImageFormat.Jpeg;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void WriteTable(CliContext context, ImageReport report, ClassNames names, DetectionOptions options)
    {
        var r = report.Result;
        var t = r.Timing;
        var console = context.Console;
        console.WriteLine($"{report.Path} ({r.ImageWidth}x{r.ImageHeight}): {r.Detections.Count} object{(r.Detections.Count == 1 ? "" : "s")}" +
            $"   preprocess {Format.Ms(t.PreprocessMs)} ms   inference {Format.Ms(t.InferenceMs)} ms   decode {Format.Ms(t.DecodeMs)} ms");
        if (r.Detections.Count > 0)
        {
            var table = new Table().AddColumns("class", "confidence", "x0", "y0", "x1", "y1");
            int shown = Math.Min(r.Detections.Count, MaxTableRows);
            for (int i = 0; i < shown; i++)
            {
                var d = r.Detections[i];
                table.AddRow(InfoCommand.Cells(names[d.ClassId], Percent(d.Confidence), Px(d.X0), Px(d.Y0), Px(d.X1), Px(d.Y1)));
            }
            console.Write(table);
            if (shown < r.Detections.Count)
                console.WriteLine($"  ... and {r.Detections.Count - shown} more (--json lists all; raise --thresh for fewer)");
        }
        else
        {
            console.WriteLine($"  no objects above threshold {options.Threshold.ToString(CultureInfo.InvariantCulture)}");
        }
        if (report.Annotated != null) console.WriteLine($"  annotated: {report.Annotated}");
    }

    private static string Percent(float p) => (p * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";

    private static string Px(float v) => Math.Round(v).ToString(CultureInfo.InvariantCulture);

    private static void WriteJson(TextWriter output, string modelPath, List<ImageReport> reports, ClassNames names, DetectionOptions options)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("model", modelPath);
            json.WriteNumber("thresh", options.Threshold);
            json.WriteNumber("nms", options.NmsThreshold);
            json.WriteStartArray("images");
            foreach (var report in reports)
            {
                var r = report.Result;
                json.WriteStartObject();
                json.WriteString("image", report.Path);
                json.WriteNumber("width", r.ImageWidth);
                json.WriteNumber("height", r.ImageHeight);
                json.WriteBoolean("success", true);
                // DeepStack's shape: label, confidence and integer pixel corners, highest confidence first.
                json.WriteStartArray("predictions");
                foreach (var d in r.Detections)
                {
                    json.WriteStartObject();
                    json.WriteString("label", names[d.ClassId]);
                    json.WriteNumber("class_id", d.ClassId);
                    json.WriteNumber("confidence", Math.Round(d.Confidence, 6));
                    json.WriteNumber("x_min", (int)Math.Round(d.X0));
                    json.WriteNumber("y_min", (int)Math.Round(d.Y0));
                    json.WriteNumber("x_max", (int)Math.Round(d.X1));
                    json.WriteNumber("y_max", (int)Math.Round(d.Y1));
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteStartObject("timing_ms");
                json.WriteNumber("preprocess", r.Timing.PreprocessMs);
                json.WriteNumber("inference", r.Timing.InferenceMs);
                json.WriteNumber("decode", r.Timing.DecodeMs);
                json.WriteEndObject();
                if (report.Annotated != null) json.WriteString("annotated", report.Annotated);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        output.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }
}
