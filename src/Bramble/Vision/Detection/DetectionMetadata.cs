using System.Globalization;
using System.Text;
using System.Text.Json;
using Bramble.Graph;

namespace Bramble.Vision.Detection;

/// <summary>
/// How a model's detection heads are described in <see cref="Model.MetadataProps"/>, so that an exported
/// ONNX file keeps them and `bramble detect` can decode it. Key <see cref="Key"/>, value JSON:
/// <code>
/// {"version":1,"net_width":416,"net_height":416,"heads":[
///   {"kind":"yolo","output":"conv_81","classes":80,"coords":4,"grid_width":13,"grid_height":13,
///    "anchors":[10,13,16,30,...],"mask":[6,7,8],"scale_x_y":1,"softmax":false}, ...]}
/// </code>
/// kind is "yolo" or "region"; anchors are all anchor (w,h) pairs of the layer (yolo: of the whole network,
/// selected by mask; region: in grid cells). Written with a Utf8JsonWriter (no reflection, AOT-safe).
/// </summary>
public sealed class DetectionMetadata
{
    public const string Key = "bramble.detection";

    /// <summary>Network input width and height in pixels (boxes are relative to these before letterbox correction).</summary>
    public int NetWidth { get; init; }
    public int NetHeight { get; init; }
    public List<DetectionHead> Heads { get; init; } = new();

    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream))
        {
            w.WriteStartObject();
            w.WriteNumber("version", 1);
            w.WriteNumber("net_width", NetWidth);
            w.WriteNumber("net_height", NetHeight);
            w.WriteStartArray("heads");
            foreach (var h in Heads)
            {
                w.WriteStartObject();
                w.WriteString("kind", h.Kind == DetectionHeadKind.Yolo ? "yolo" : "region");
                w.WriteString("output", h.Output);
                w.WriteNumber("classes", h.Classes);
                w.WriteNumber("coords", h.Coords);
                w.WriteNumber("grid_width", h.GridWidth);
                w.WriteNumber("grid_height", h.GridHeight);
                w.WriteStartArray("anchors");
                foreach (float a in h.Anchors) w.WriteNumberValue(a);
                w.WriteEndArray();
                w.WriteStartArray("mask");
                foreach (int m in h.Mask) w.WriteNumberValue(m);
                w.WriteEndArray();
                w.WriteNumber("scale_x_y", h.ScaleXY);
                w.WriteBoolean("softmax", h.Softmax);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Stores this description in the model's metadata.</summary>
    public void WriteTo(Model model) => model.MetadataProps[Key] = ToJson();

    /// <summary>The detection description of a model, or null when it has none.</summary>
    public static DetectionMetadata? ReadFrom(Model model) =>
        model.MetadataProps.TryGetValue(Key, out var json) ? Parse(json, model.Source) : null;

    /// <summary>Parses the JSON form; <paramref name="source"/> names the model in errors.</summary>
    public static DetectionMetadata Parse(string json, string source = "(metadata)")
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            int version = root.GetProperty("version").GetInt32();
            if (version != 1) throw new ModelFormatException($"{source}: {Key} version {version} is not supported (expected 1)");
            var meta = new DetectionMetadata
            {
                NetWidth = Positive(root, "net_width", source),
                NetHeight = Positive(root, "net_height", source),
            };
            foreach (var h in root.GetProperty("heads").EnumerateArray())
            {
                string kind = h.GetProperty("kind").GetString() ?? "";
                var head = new DetectionHead
                {
                    Kind = kind switch
                    {
                        "yolo" => DetectionHeadKind.Yolo,
                        "region" => DetectionHeadKind.Region,
                        _ => throw new ModelFormatException($"{source}: {Key}: unknown head kind '{kind}'"),
                    },
                    Output = h.GetProperty("output").GetString() ?? "",
                    Classes = h.GetProperty("classes").GetInt32(),
                    Coords = h.GetProperty("coords").GetInt32(),
                    GridWidth = Positive(h, "grid_width", source),
                    GridHeight = Positive(h, "grid_height", source),
                    Anchors = h.GetProperty("anchors").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
                    Mask = h.GetProperty("mask").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                    ScaleXY = h.GetProperty("scale_x_y").GetSingle(),
                    Softmax = h.GetProperty("softmax").GetBoolean(),
                };
                Validate(head, source);
                meta.Heads.Add(head);
            }
            return meta;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException($"{source}: metadata {Key} is malformed: {e.Message.Split('\n')[0]}", e);
        }
    }

    private static int Positive(JsonElement e, string name, string source)
    {
        int v = e.GetProperty(name).GetInt32();
        if (v <= 0 || v > 1 << 20) throw new ModelFormatException($"{source}: {Key}: {name}={v} is out of range");
        return v;
    }

    private static void Validate(DetectionHead h, string source)
    {
        if (h.Classes < 0 || h.Coords != 4 || h.Mask.Length == 0)
            throw new ModelFormatException($"{source}: {Key}: head '{h.Output}' has invalid classes/coords/mask");
        foreach (int m in h.Mask)
            if (m < 0 || 2 * m + 1 >= h.Anchors.Length)
                throw new ModelFormatException($"{source}: {Key}: head '{h.Output}' mask index {m} has no anchor");
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Heads.Count} heads at {NetWidth}x{NetHeight}");
}
