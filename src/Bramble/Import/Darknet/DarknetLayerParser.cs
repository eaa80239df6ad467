using Bramble.Vision.Detection;

namespace Bramble.Import.Darknet;

/// <summary>
/// Turns one cfg section into a <see cref="DarknetLayer"/>: defaults, output dimensions and weight arrays
/// as Darknet's parse_* and make_*_layer functions define them. Options Bramble cannot honour exactly are
/// rejected with an error naming file and line rather than silently ignored.
/// </summary>
internal static class DarknetLayerParser
{
    // Section names Darknet (pjreddie's or AlexeyAB's) knows but Bramble does not lower.
    private static readonly HashSet<string> KnownUnsupported =
    [
        "[local]", "[deconv]", "[deconvolutional]", "[crnn]", "[gru]", "[lstm]", "[rnn]", "[conv_lstm]",
        "[detection]", "[lrn]", "[normalization]", "[iseg]", "[l2norm]", "[logxent]", "[reorg3d]",
        "[scale_channels]", "[sam]", "[Gaussian_yolo]", "[local_avg]", "[local_avgpool]", "[empty]",
        "[xnor]", "[contrastive]", "[implicit_add]", "[implicit_mul]",
    ];

    internal static readonly HashSet<string> SupportedActivations =
        ["linear", "leaky", "relu", "relu6", "logistic", "tanh", "elu", "selu", "mish", "swish", "hardtan", "loggy", "ramp"];

    public static DarknetLayer Parse(int index, CfgSection s, int c, int h, int w, bool flat, List<DarknetLayer> previous) =>
        Parse(index, KindOf(s), s, c, h, w, flat, previous);

    /// <summary>The layer kind of a section; unknown and unsupported sections are errors naming file and line.</summary>
    public static DarknetLayerKind KindOf(CfgSection s) => s.Type switch
    {
            "[convolutional]" or "[conv]" => DarknetLayerKind.Convolutional,
            "[connected]" or "[conn]" => DarknetLayerKind.Connected,
            "[maxpool]" or "[max]" => DarknetLayerKind.MaxPool,
            "[avgpool]" or "[avg]" => DarknetLayerKind.AvgPool,
            "[route]" => DarknetLayerKind.Route,
            "[shortcut]" => DarknetLayerKind.Shortcut,
            "[upsample]" => DarknetLayerKind.Upsample,
            "[reorg]" => DarknetLayerKind.Reorg,
            "[softmax]" or "[soft]" => DarknetLayerKind.Softmax,
            "[dropout]" => DarknetLayerKind.Dropout,
            "[cost]" => DarknetLayerKind.Cost,
            "[crop]" => DarknetLayerKind.Crop,
            "[batchnorm]" => DarknetLayerKind.BatchNorm,
            "[activation]" => DarknetLayerKind.Activation,
            "[yolo]" => DarknetLayerKind.Yolo,
            "[region]" => DarknetLayerKind.Region,
            _ when KnownUnsupported.Contains(s.Type) =>
                throw new UnsupportedOperatorException($"{s.Where}: {s.Type} layers are not supported"),
            _ => throw new ModelFormatException($"{s.Where}: unknown section {s.Type}"),
    };

    private static DarknetLayer Parse(int index, DarknetLayerKind kind, CfgSection s, int c, int h, int w, bool flat, List<DarknetLayer> previous)
    {
        var l = new DarknetLayer(index, kind, s) { InC = c, InH = h, InW = w, OutC = c, OutH = h, OutW = w, OutFlat = flat };
        switch (kind)
        {
            case DarknetLayerKind.Convolutional: Convolutional(l); break;
            case DarknetLayerKind.Connected: Connected(l); break;
            case DarknetLayerKind.MaxPool: MaxPool(l); break;
            case DarknetLayerKind.AvgPool: RequireImage(l); l.OutH = l.OutW = 1; break;
            case DarknetLayerKind.Route: Route(l, previous); break;
            case DarknetLayerKind.Shortcut: Shortcut(l, previous); break;
            case DarknetLayerKind.Upsample: Upsample(l); break;
            case DarknetLayerKind.Reorg: Reorg(l); break;
            case DarknetLayerKind.Softmax: Softmax(l); break;
            case DarknetLayerKind.Crop: Crop(l); break;
            case DarknetLayerKind.BatchNorm:
                RequireImage(l);
                RejectSet(l, "dontload", "dontloadscales");
                foreach (var name in new[] { "biases", "scales", "rolling_mean", "rolling_variance" }) l.WeightArrays.Add(new WeightArray(name, [c]));
                break;
            case DarknetLayerKind.Activation: l.Activation = ParseActivation(s, "linear"); break;
            case DarknetLayerKind.Yolo: Yolo(l); break;
            case DarknetLayerKind.Region: Region(l); break;
        }
        if (l.OutC <= 0 || l.OutH <= 0 || l.OutW <= 0)
            throw new ModelFormatException($"{s.Where}: {s.Type} turns {c}x{h}x{w} (c x h x w) into an empty output {l.OutC}x{l.OutH}x{l.OutW}");
        return l;
    }

    private static void RequireImage(DarknetLayer l)
    {
        // Darknet's "Layer before ... must output image." A flat vector counts as C x 1 x 1, as in Darknet.
        if (l.InC <= 0 || l.InH <= 0 || l.InW <= 0)
            throw new ModelFormatException($"{l.Section.Where}: {l.Section.Type} needs an image input, but the previous layer outputs {l.InC}x{l.InH}x{l.InW}");
    }

    /// <summary>Options whose non-zero value changes the math in ways Bramble does not reproduce.</summary>
    private static void RejectSet(DarknetLayer l, params string[] keys)
    {
        foreach (var key in keys)
        {
            var o = l.Section.Find(key);
            if (o != null && o.Value != "0" && o.Value != "none" && o.Value != "default")
                throw new UnsupportedOperatorException($"{l.Section.FileName}:{o.Line}: {l.Section.Type} option {key}={o.Value} is not supported");
        }
    }

    internal static string ParseActivation(CfgSection s, string fallback)
    {
        string a = s.GetString("activation", fallback);
        if (!SupportedActivations.Contains(a))
        {
            int line = s.Find("activation")?.Line ?? s.Line;
            throw new UnsupportedOperatorException($"{s.FileName}:{line}: activation '{a}' is not supported");
        }
        return a;
    }

    private static int Positive(CfgSection s, string key, int fallback)
    {
        int v = s.GetInt(key, fallback);
        if (v <= 0) throw s.Error(key, $"{key}={v} must be positive");
        return v;
    }

    private static void Convolutional(DarknetLayer l)
    {
        var s = l.Section;
        RequireImage(l);
        RejectSet(l, "binary", "xnor", "antialiasing", "share_index", "sway", "rotate", "stretch", "stretch_sway",
            "assisted_excitation", "cbn", "dontload", "dontloadscales", "deform");
        l.Filters = Positive(s, "filters", 1);
        l.Groups = Positive(s, "groups", 1);
        l.Size = Positive(s, "size", 1);
        int stride = Positive(s, "stride", 1);
        l.StrideX = Positive(s, "stride_x", stride);
        l.StrideY = Positive(s, "stride_y", stride);
        l.Dilation = l.Size == 1 ? 1 : Positive(s, "dilation", 1);
        l.Padding = s.GetInt("padding", 0);
        if (s.GetInt("pad", 0) != 0) l.Padding = l.Size / 2;
        if (l.Padding < 0) throw s.Error("padding", $"padding={l.Padding} is negative");
        l.Activation = ParseActivation(s, "logistic");
        l.BatchNormalize = s.GetInt("batch_normalize", 0) != 0;
        l.Flipped = s.GetInt("flipped", 0) != 0;
        if (l.InC % l.Groups != 0 || l.Filters % l.Groups != 0)
            throw s.Error("groups", $"groups={l.Groups} does not divide input channels {l.InC} and filters {l.Filters}");
        int span = l.Dilation * (l.Size - 1) + 1;
        l.OutC = l.Filters;
        l.OutH = (l.InH + 2 * l.Padding - span) / l.StrideY + 1;
        l.OutW = (l.InW + 2 * l.Padding - span) / l.StrideX + 1;
        l.OutFlat = false;
        l.WeightArrays.Add(new WeightArray("biases", [l.Filters]));
        if (l.BatchNormalize)
        {
            l.WeightArrays.Add(new WeightArray("scales", [l.Filters]));
            l.WeightArrays.Add(new WeightArray("rolling_mean", [l.Filters]));
            l.WeightArrays.Add(new WeightArray("rolling_variance", [l.Filters]));
        }
        long count = (long)l.Filters * (l.InC / l.Groups) * l.Size * l.Size;
        if (count > int.MaxValue) throw s.Error("filters", $"has {count} weights, more than Bramble can hold in one tensor");
        l.WeightArrays.Add(new WeightArray("weights", [l.Filters, l.InC / l.Groups, l.Size, l.Size]));
    }

    private static void Connected(DarknetLayer l)
    {
        var s = l.Section;
        RejectSet(l, "dontload", "dontloadscales");
        int outputs = Positive(s, "output", 1);
        l.Activation = ParseActivation(s, "logistic");
        l.BatchNormalize = s.GetInt("batch_normalize", 0) != 0;
        long inputs = (long)l.InC * l.InH * l.InW;
        if (inputs * outputs > int.MaxValue) throw s.Error("output", $"has {inputs * outputs} weights, more than Bramble can hold in one tensor");
        l.ConnectedInputs = (int)inputs;
        l.OutC = outputs;
        l.OutH = l.OutW = 1;
        l.OutFlat = true;
        l.WeightArrays.Add(new WeightArray("biases", [outputs]));
        l.WeightArrays.Add(new WeightArray("weights", [outputs, (int)inputs]));
        if (l.BatchNormalize)
        {
            l.WeightArrays.Add(new WeightArray("scales", [outputs]));
            l.WeightArrays.Add(new WeightArray("rolling_mean", [outputs]));
            l.WeightArrays.Add(new WeightArray("rolling_variance", [outputs]));
        }
    }

    private static void MaxPool(DarknetLayer l)
    {
        var s = l.Section;
        RequireImage(l);
        RejectSet(l, "maxpool_depth", "antialiasing");
        if (s.GetInt("out_channels", 1) != 1) RejectSet(l, "out_channels");
        int stride = Positive(s, "stride", 1);
        l.StrideX = Positive(s, "stride_x", stride);
        l.StrideY = Positive(s, "stride_y", stride);
        l.Size = Positive(s, "size", stride);
        l.PoolPadding = s.GetInt("padding", l.Size - 1);
        if (l.PoolPadding < 0) throw s.Error("padding", $"padding={l.PoolPadding} is negative");
        // Darknet pads padding/2 before and the rest after; a window lying wholly in that padding would
        // yield -FLT_MAX there but -inf in ONNX MaxPool, so such configurations are refused.
        if (l.PoolPadding - l.PoolPadding / 2 >= l.Size)
            throw new UnsupportedOperatorException($"{s.Where}: [maxpool] padding={l.PoolPadding} with size={l.Size} makes windows of padding only");
        l.OutH = (l.InH + l.PoolPadding - l.Size) / l.StrideY + 1;
        l.OutW = (l.InW + l.PoolPadding - l.Size) / l.StrideX + 1;
    }

    private static int ResolveLayer(DarknetLayer l, string key, int value)
    {
        // Darknet: a negative index is relative to this layer (-1 = the previous one).
        int index = value < 0 ? l.Index + value : value;
        if (index < 0 || index >= l.Index)
            throw l.Section.Error(key, $"refers to layer {value} (= {index}), but only layers 0..{l.Index - 1} precede it");
        return index;
    }

    private static void Route(DarknetLayer l, List<DarknetLayer> previous)
    {
        var s = l.Section;
        var raw = s.GetInts("layers") ?? throw s.Error("layers", "needs layers=");
        l.RouteLayers = raw.Select(v => ResolveLayer(l, "layers", v)).ToArray();
        l.Groups = Positive(s, "groups", 1);
        l.GroupId = s.GetInt("group_id", 0);
        if (l.GroupId < 0 || l.GroupId >= l.Groups) throw s.Error("group_id", $"group_id={l.GroupId} is outside 0..{l.Groups - 1}");
        var first = previous[l.RouteLayers[0]];
        int channels = 0;
        foreach (int i in l.RouteLayers)
        {
            var src = previous[i];
            if (src.OutH != first.OutH || src.OutW != first.OutW)
                throw s.Error("layers", $"joins layers of different sizes: layer {first.Index} is {first.OutW}x{first.OutH}, layer {src.Index} is {src.OutW}x{src.OutH}");
            if (src.OutC % l.Groups != 0)
                throw s.Error("groups", $"groups={l.Groups} does not divide the {src.OutC} channels of layer {src.Index}");
            channels += src.OutC / l.Groups;
        }
        l.OutC = channels;
        l.OutH = first.OutH;
        l.OutW = first.OutW;
        l.OutFlat = l.RouteLayers.All(i => previous[i].OutFlat);
    }

    private static void Shortcut(DarknetLayer l, List<DarknetLayer> previous)
    {
        var s = l.Section;
        RejectSet(l, "weights_type", "weights_normalization", "weights_normalizion");
        var from = s.GetInts("from") ?? throw s.Error("from", "needs from=");
        if (from.Length != 1) throw new UnsupportedOperatorException($"{s.Where}: [shortcut] with several from= layers is not supported");
        l.From = ResolveLayer(l, "from", from[0]);
        l.Alpha = s.GetFloat("alpha", 1);
        l.Beta = s.GetFloat("beta", 1);
        l.Activation = ParseActivation(s, "linear");
        var src = previous[l.From];
        RequireImage(l);
        // shortcut_cpu adds from[k][j·stride][i·stride] to out[k][j·sample][i·sample] for k < min(c), and so on;
        // Bramble supports sample = 1 (the added layer is as large or larger, as in ResNets), which is a strided slice.
        int stride = src.OutW / l.InW, sample = l.InW / src.OutW;
        bool sameRatio = stride == src.OutH / l.InH && sample == l.InH / src.OutH;
        if (!sameRatio || sample > 1 || (src.OutC < l.InC && l.Alpha != 1))
            throw new UnsupportedOperatorException(
                $"{s.Where}: [shortcut] adding layer {src.Index} ({src.OutC}x{src.OutH}x{src.OutW}) to a {l.InC}x{l.InH}x{l.InW} input is not supported");
    }

    private static void Upsample(DarknetLayer l)
    {
        var s = l.Section;
        RequireImage(l);
        l.Stride = s.GetInt("stride", 2);
        if (l.Stride <= 0)
            throw new UnsupportedOperatorException($"{s.Where}: [upsample] stride={l.Stride} (downsampling) is not supported");
        l.Scale = s.GetFloat("scale", 1);
        l.OutH = l.InH * l.Stride;
        l.OutW = l.InW * l.Stride;
    }

    private static void Reorg(DarknetLayer l)
    {
        var s = l.Section;
        RequireImage(l);
        RejectSet(l, "flatten");
        l.Stride = Positive(s, "stride", 1);
        l.Extra = s.GetInt("extra", 0);
        if (l.Extra < 0) throw s.Error("extra", $"extra={l.Extra} is negative");
        if (l.Extra > 0)
        {
            // pjreddie's reorg with extra=N ignores stride: it copies the input and appends N zeros (a flat vector).
            l.OutC = l.InC * l.InH * l.InW + l.Extra;
            l.OutH = l.OutW = 1;
            l.OutFlat = true;
            return;
        }
        l.Reverse = s.GetInt("reverse", 0) != 0;
        int s2 = l.Stride * l.Stride;
        if (l.Reverse)
        {
            if (l.InC % s2 != 0) throw s.Error("stride", $"reverse reorg needs channels {l.InC} divisible by stride²={s2}");
            l.OutC = l.InC / s2;
            l.OutH = l.InH * l.Stride;
            l.OutW = l.InW * l.Stride;
        }
        else
        {
            // Darknet's reorg reinterprets the input as [C/s², H·s, W·s] (see DarknetGraphBuilder), so C must split too.
            if (l.InH % l.Stride != 0 || l.InW % l.Stride != 0 || l.InC % s2 != 0)
                throw s.Error("stride", $"stride={l.Stride} does not divide the {l.InC}x{l.InH}x{l.InW} input (channels by stride²)");
            l.OutC = l.InC * s2;
            l.OutH = l.InH / l.Stride;
            l.OutW = l.InW / l.Stride;
        }
    }

    private static void Softmax(DarknetLayer l)
    {
        var s = l.Section;
        if (s.Has("tree")) throw new UnsupportedOperatorException($"{s.Where}: [softmax] with a tree= hierarchy is not supported");
        RejectSet(l, "spatial");
        l.Groups = Positive(s, "groups", 1);
        l.Temperature = s.GetFloat("temperature", 1);
        if (l.Temperature == 0) throw s.Error("temperature", "temperature=0 divides by zero");
        int inputs = l.InC * l.InH * l.InW;
        if (inputs % l.Groups != 0) throw s.Error("groups", $"groups={l.Groups} does not divide the {inputs} inputs");
        l.OutC = inputs;
        l.OutH = l.OutW = 1;
        l.OutFlat = true;
    }

    private static void Crop(DarknetLayer l)
    {
        var s = l.Section;
        RequireImage(l);
        l.CropHeight = Positive(s, "crop_height", 1);
        l.CropWidth = Positive(s, "crop_width", 1);
        l.NoAdjust = s.GetInt("noadjust", 0) != 0;
        if (l.CropHeight > l.InH || l.CropWidth > l.InW)
            throw s.Error("crop_width", $"crops {l.CropWidth}x{l.CropHeight} out of a {l.InW}x{l.InH} input");
        l.OutH = l.CropHeight;
        l.OutW = l.CropWidth;
    }

    private static float[] Anchors(CfgSection s, int total)
    {
        // Darknet fills all 2·total biases with .5, then overwrites as many as the cfg gives (at most 2·total).
        var anchors = new float[total * 2];
        Array.Fill(anchors, 0.5f);
        var given = s.GetFloats("anchors");
        if (given != null)
            for (int i = 0; i < given.Length && i < anchors.Length; i++) anchors[i] = given[i];
        return anchors;
    }

    private static void Yolo(DarknetLayer l)
    {
        var s = l.Section;
        RequireImage(l);
        RejectSet(l, "new_coords");
        int classes = s.GetInt("classes", 20);
        int total = Positive(s, "num", 1);
        if (classes < 0) throw s.Error("classes", $"classes={classes} is negative");
        var mask = s.GetInts("mask") ?? Enumerable.Range(0, total).ToArray();
        foreach (int m in mask)
            if (m < 0 || m >= total) throw s.Error("mask", $"mask index {m} is outside the {total} anchors (num={total})");
        var head = new DetectionHead
        {
            Kind = DetectionHeadKind.Yolo, Classes = classes, Anchors = Anchors(s, total), Mask = mask,
            Coords = 4, ScaleXY = s.GetFloat("scale_x_y", 1), GridWidth = l.InW, GridHeight = l.InH,
        };
        if (head.Channels != l.InC)
            throw s.Error("classes", $"expects {mask.Length}·({classes}+5) = {head.Channels} input channels, but the previous layer has {l.InC} (filters= does not match classes=/mask=)");
        l.Head = head;
    }

    private static void Region(DarknetLayer l)
    {
        var s = l.Section;
        RequireImage(l);
        RejectSet(l, "background");
        if (s.Has("tree")) throw new UnsupportedOperatorException($"{s.Where}: [region] with a tree= hierarchy (YOLO9000) is not supported");
        int coords = s.GetInt("coords", 4);
        if (coords != 4) throw new UnsupportedOperatorException($"{s.Where}: [region] coords={coords} is not supported (only 4)");
        int classes = s.GetInt("classes", 20);
        if (classes < 0) throw s.Error("classes", $"classes={classes} is negative");
        int num = Positive(s, "num", 1);
        var head = new DetectionHead
        {
            Kind = DetectionHeadKind.Region, Classes = classes, Anchors = Anchors(s, num),
            Mask = Enumerable.Range(0, num).ToArray(), Coords = coords, Softmax = s.GetInt("softmax", 0) != 0,
            GridWidth = l.InW, GridHeight = l.InH,
        };
        if (head.Channels != l.InC)
            throw s.Error("classes", $"expects {num}·({coords}+1+{classes}) = {head.Channels} input channels, but the previous layer has {l.InC}");
        l.Head = head;
    }
}
