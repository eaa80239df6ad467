using Bramble.Tensors;
using Bramble.Vision.Detection;
using Attr = Bramble.Graph.Attribute;

namespace Bramble.Import.Darknet;

internal sealed partial class DarknetGraphBuilder
{
    private string Convolutional(DarknetLayer l, string name)
    {
        string x = Input4D(l, name);
        string w = Weight(l, "weights", name + ".weight");
        var inputs = l.BatchNormalize ? new[] { x, w } : new[] { x, w, Weight(l, "biases", name + ".bias") };
        string y = Emit("Conv", inputs, name + ".conv",
            Attr.Of("kernel_shape", new long[] { l.Size, l.Size }),
            Attr.Of("strides", new long[] { l.StrideY, l.StrideX }),
            Attr.Of("pads", new long[] { l.Padding, l.Padding, l.Padding, l.Padding }),
            Attr.Of("dilations", new long[] { l.Dilation, l.Dilation }),
            Attr.Of("group", (long)l.Groups));
        if (l.BatchNormalize) y = BatchNorm(l, y, name);
        return Activate(y, l.Activation, name);
    }

    /// <summary>Darknet's forward_batchnorm_layer at test time: normalise with rolling statistics, then scale and add biases.</summary>
    private string BatchNorm(DarknetLayer l, string x, string name)
    {
        string scale = Weight(l, "scales", name + ".bn_scale");
        string bias = Weight(l, "biases", name + ".bn_bias");
        string mean = Weight(l, "rolling_mean", name + ".bn_mean");
        var variance = _weights.Take(l.Index, "rolling_variance");
        float epsilon = 0.00001f;
        if (_options.BatchNorm == DarknetBatchNormStyle.Pjreddie)
        {
            // pjreddie divides by sqrt(var) + 1e-6; with epsilon 0 that is BatchNormalization over (sqrt(var) + 1e-6)².
            var v = variance.AsSpan<float>();
            for (int i = 0; i < v.Length; i++)
            {
                float d = MathF.Sqrt(v[i]) + 0.000001f;
                v[i] = d * d;
            }
            epsilon = 0;
        }
        Initializer(name + ".bn_var", variance);
        return Emit("BatchNormalization", [x, scale, bias, mean, name + ".bn_var"], name + ".bn", Attr.Of("epsilon", epsilon));
    }

    private string Connected(DarknetLayer l, string name)
    {
        string x = Input(l);
        if (!IsFlat(l.Index - 1)) x = Emit("Flatten", [x], name + ".flat", Attr.Of("axis", 1L));
        string w = Weight(l, "weights", name + ".weight");
        var inputs = l.BatchNormalize ? new[] { x, w } : new[] { x, w, Weight(l, "biases", name + ".bias") };
        string y = Emit("Gemm", inputs, name + ".gemm", Attr.Of("transB", 1L));
        if (l.BatchNormalize) y = BatchNorm(l, y, name);
        return Activate(y, l.Activation, name);
    }

    /// <summary>
    /// Darknet's max pool starts windows at −padding/2 and yields (w + padding − size)/stride + 1 outputs, so
    /// padding/2 goes before and the rest after; padded cells never win (ONNX pads MaxPool with −inf).
    /// </summary>
    private string MaxPool(DarknetLayer l, string name)
    {
        int before = l.PoolPadding / 2, after = l.PoolPadding - before;
        return Emit("MaxPool", [Input4D(l, name)], name,
            Attr.Of("kernel_shape", new long[] { l.Size, l.Size }),
            Attr.Of("strides", new long[] { l.StrideY, l.StrideX }),
            Attr.Of("pads", new long[] { before, before, after, after }));
    }

    private string Route(DarknetLayer l, string name)
    {
        bool allFlat = l.RouteLayers.All(IsFlat);
        var parts = new List<string>();
        foreach (int index in l.RouteLayers)
        {
            var src = _net.Layers[index];
            string v = allFlat ? ValueOf(l, index) : As4D(l, index, $"{name}.in{index}", src.OutC, src.OutH, src.OutW);
            if (l.Groups > 1)
            {
                // AlexeyAB's groups/group_id: each input contributes its group_id-th contiguous block of channels.
                int part = src.OutC / l.Groups;
                string p = $"{name}.part{index}";
                v = Emit("Slice", [v, Int64Const(p + ".starts", [part * l.GroupId]), Int64Const(p + ".ends", [part * (l.GroupId + 1)]),
                    Int64Const(p + ".axes", [1])], p);
            }
            parts.Add(v);
        }
        return parts.Count == 1 ? parts[0] : Emit("Concat", parts.ToArray(), name, Attr.Of("axis", 1L));
    }

    private string Shortcut(DarknetLayer l, string name)
    {
        // pjreddie's shortcut_cpu: out = alpha·input + beta·from, then the activation.
        string a = Input4D(l, name);
        var src = _net.Layers[l.From];
        string b = As4D(l, l.From, name + ".from", src.OutC, src.OutH, src.OutW);
        b = MatchShortcutShape(l, src, b, name);
        if (l.Alpha != 1) a = Emit("Mul", [a, FloatConst(name + ".alpha", l.Alpha)], name + ".scaled_in");
        if (l.Beta != 1) b = Emit("Mul", [b, FloatConst(name + ".beta", l.Beta)], name + ".scaled_from");
        return Activate(Emit("Add", [a, b], name + ".add"), l.Activation, name);
    }

    /// <summary>
    /// Where the added layer differs in shape, shortcut_cpu adds from[k][j·stride][i·stride] for k &lt; min(channels)
    /// and leaves the remaining input channels alone: a strided slice, then zero channels appended if it has fewer.
    /// </summary>
    private string MatchShortcutShape(DarknetLayer l, DarknetLayer src, string b, string name)
    {
        int stride = Math.Max(1, src.OutW / l.InW);
        int minC = Math.Min(src.OutC, l.InC);
        if (stride > 1 || src.OutH != l.InH || src.OutW != l.InW || src.OutC > l.InC)
            b = Emit("Slice", [b, Int64Const(name + ".from_starts", [0, 0, 0]),
                Int64Const(name + ".from_ends", [minC, (l.InH - 1) * stride + 1, (l.InW - 1) * stride + 1]),
                Int64Const(name + ".from_axes", [1, 2, 3]), Int64Const(name + ".from_steps", [1, stride, stride])], name + ".from_slice");
        if (src.OutC < l.InC)
        {
            Initializer(name + ".zeros", Tensor.Allocate(DataType.Float32, 1, l.InC - src.OutC, l.InH, l.InW));
            b = Emit("Concat", [b, name + ".zeros"], name + ".from_padded", Attr.Of("axis", 1L));
        }
        return b;
    }

    private string Upsample(DarknetLayer l, string name)
    {
        // Nearest-neighbour replication: output (y, x) reads input (y / stride, x / stride), times scale.
        string y = Emit("Resize", [Input4D(l, name), "", FloatConst(name + ".scales", 1, 1, l.Stride, l.Stride)], name + ".resize",
            Attr.Of("mode", "nearest"),
            Attr.Of("coordinate_transformation_mode", "asymmetric"),
            Attr.Of("nearest_mode", "floor"));
        return l.Scale == 1 ? y : Emit("Mul", [y, FloatConst(name + ".scale", l.Scale)], name + ".mul");
    }

    /// <summary>
    /// pjreddie's reorg (forward_reorg_layer → reorg_cpu(input, w, h, c, stride, forward=0)) is not SpaceToDepth:
    /// it reads the C×H×W input as a (C/s²)×(H·s)×(W·s) tensor X′ and writes output element (k, j, i) — indexed
    /// with the input's own C×H×W extents — from X′[k mod C/s²][j·s + (k div C/s²) div s][i·s + (k div C/s²) mod s].
    /// So: reshape to [C/s², H, s, W, s] (c2, j, dy, i, dx), transpose to (dy, dx, c2, j, i), reshape to the
    /// declared output [C·s², H/s, W/s]. The reverse layer (reverse=1, reorg_cpu forward=1) is the inverse permutation.
    /// </summary>
    private string Reorg(DarknetLayer l, string name)
    {
        if (l.Extra > 0)
        {
            string flat = IsFlat(l.Index - 1) ? Input(l) : Emit("Flatten", [Input(l)], name + ".flat", Attr.Of("axis", 1L));
            Initializer(name + ".zeros", Tensor.Allocate(DataType.Float32, 1, l.Extra));
            return Emit("Concat", [flat, name + ".zeros"], name, Attr.Of("axis", 1L));
        }
        int s = l.Stride, c = l.InC, h = l.InH, w = l.InW, c2 = c / (s * s);
        string x = Input4D(l, name);
        if (!l.Reverse)
        {
            string r = Emit("Reshape", [x, Int64Const(name + ".split_shape", [1, c2, h, s, w, s])], name + ".split");
            string t = Emit("Transpose", [r], name + ".transpose", Attr.Of("perm", new long[] { 0, 3, 5, 1, 2, 4 }));
            return Emit("Reshape", [t, Int64Const(name + ".out_shape", [1, l.OutC, l.OutH, l.OutW])], name);
        }
        else
        {
            string r = Emit("Reshape", [x, Int64Const(name + ".split_shape", [1, s, s, c2, h, w])], name + ".split");
            string t = Emit("Transpose", [r], name + ".transpose", Attr.Of("perm", new long[] { 0, 3, 4, 1, 5, 2 }));
            return Emit("Reshape", [t, Int64Const(name + ".out_shape", [1, l.OutC, l.OutH, l.OutW])], name);
        }
    }

    private string Softmax(DarknetLayer l, string name)
    {
        // Darknet's softmax runs over the flat input (per group): flatten first so any C×H×W input works.
        string x = Input(l);
        if (!IsFlat(l.Index - 1)) x = Emit("Flatten", [x], name + ".flat", Attr.Of("axis", 1L));
        if (l.Temperature != 1) x = Emit("Div", [x, FloatConst(name + ".temperature", l.Temperature)], name + ".tempered");
        if (l.Groups == 1) return Emit("Softmax", [x], name, Attr.Of("axis", 1L));
        int n = l.Outputs;
        string g = Emit("Reshape", [x, Int64Const(name + ".group_shape", [1, l.Groups, n / l.Groups])], name + ".grouped");
        string sm = Emit("Softmax", [g], name + ".softmax", Attr.Of("axis", 2L));
        return Emit("Reshape", [sm, Int64Const(name + ".flat_shape", [1, n])], name);
    }

    /// <summary>forward_crop_layer at test time: the centre crop, mapped from [0,1] to [−1,1] unless noadjust=1.</summary>
    private string Crop(DarknetLayer l, string name)
    {
        int dh = (l.InH - l.CropHeight) / 2, dw = (l.InW - l.CropWidth) / 2;
        string y = Emit("Slice", [Input4D(l, name), Int64Const(name + ".starts", [dh, dw]),
            Int64Const(name + ".ends", [dh + l.CropHeight, dw + l.CropWidth]), Int64Const(name + ".axes", [2, 3])], name + ".slice");
        if (l.NoAdjust) return y;
        y = Emit("Mul", [y, FloatConst(name + ".two", 2)], name + ".scaled");
        return Emit("Add", [y, FloatConst(name + ".minus_one", -1)], name + ".shifted");
    }

    private string? Head(DarknetLayer l, List<DetectionHead> heads)
    {
        var head = l.Head!;
        head.Output = As4D(l, l.Index - 1, LayerName(l), l.InC, l.InH, l.InW);
        heads.Add(head);
        return null;
    }

    /// <summary>Darknet's activate_array for the activations Bramble supports, as standard ONNX ops.</summary>
    private string Activate(string x, string activation, string name)
    {
        switch (activation)
        {
            case "linear": return x;
            case "leaky": return Emit("LeakyRelu", [x], name + ".leaky", Attr.Of("alpha", 0.1f));
            case "relu": return Emit("Relu", [x], name + ".relu");
            case "relu6": return Emit("Clip", [x, FloatConst(name + ".min", 0), FloatConst(name + ".max", 6)], name + ".relu6");
            case "hardtan": return Emit("Clip", [x, FloatConst(name + ".min", -1), FloatConst(name + ".max", 1)], name + ".hardtan");
            case "logistic": return Emit("Sigmoid", [x], name + ".logistic");
            case "tanh": return Emit("Tanh", [x], name + ".tanh");
            case "elu": return Emit("Elu", [x], name + ".elu", Attr.Of("alpha", 1f));
            case "selu": return Emit("Selu", [x], name + ".selu", Attr.Of("alpha", 1.6732f), Attr.Of("gamma", 1.0507f));
            case "loggy":
            {
                // 2·sigmoid(x) − 1
                string s = Emit("Sigmoid", [x], name + ".sigmoid");
                string d = Emit("Mul", [s, FloatConst(name + ".two", 2)], name + ".double");
                return Emit("Sub", [d, FloatConst(name + ".one", 1)], name + ".loggy");
            }
            case "ramp":
            {
                // x·(x > 0) + 0.1·x
                string r = Emit("Relu", [x], name + ".relu");
                string t = Emit("Mul", [x, FloatConst(name + ".tenth", 0.1f)], name + ".tenth_x");
                return Emit("Add", [r, t], name + ".ramp");
            }
            case "swish":
            {
                string s = Emit("Sigmoid", [x], name + ".sigmoid");
                return Emit("Mul", [x, s], name + ".swish");
            }
            case "mish":
            {
                // x · tanh(softplus(x)); opset 13 has no Mish operator.
                string sp = Emit("Softplus", [x], name + ".softplus");
                string t = Emit("Tanh", [sp], name + ".tanh");
                return Emit("Mul", [x, t], name + ".mish");
            }
            default: throw new UnsupportedOperatorException($"activation '{activation}' is not supported");
        }
    }
}
