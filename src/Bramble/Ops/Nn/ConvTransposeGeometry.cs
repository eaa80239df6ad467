using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>
/// Resolved geometry of one ConvTranspose. In <see cref="Window"/>, Input is X's spatial dims and Output is
/// Y's; the relation is that of a Conv from Y to X: input position i scatters to y[i·stride − padBegin + k·dilation].
/// </summary>
public sealed record ConvTransposeParameters(int Batch, int InChannels, int OutChannels, int Group, bool HasBias, SlidingWindow Window)
{
    public int InChannelsPerGroup => InChannels / Group;
    public int OutChannelsPerGroup => OutChannels / Group;

    public int[] OutputShape => [Batch, OutChannels, .. Window.OutputSpatial];

    /// <summary>N·C·inspatial·(M/group)·kprod: every input element meets every kernel tap of its group's outputs.</summary>
    public long Macs => (long)Batch * InChannels * Window.InputSize * OutChannelsPerGroup * Window.KernelSize;
}

/// <summary>ConvTranspose shape rules (output_padding, output_shape, auto_pad) as the ONNX spec states them.</summary>
public static class ConvTransposeGeometry
{
    /// <param name="node">The node whose attributes (group, strides, pads…) apply; named in errors.</param>
    /// <param name="x">X: [N, C, spatial...].</param>
    /// <param name="w">W: [C, M/group, kernel...].</param>
    /// <param name="bias">B: [M], or null when absent.</param>
    public static ConvTransposeParameters Resolve(Node node, int[] x, int[] w, int[]? bias)
    {
        if (x.Length < 3) throw NnChecks.Error(node, $"input X must have rank >= 3 (N, C, spatial...), got {ShapeUtil.Format(x)}");
        if (w.Length != x.Length)
            throw NnChecks.Error(node, $"weight W {ShapeUtil.Format(w)} must have the same rank as X {ShapeUtil.Format(x)}");
        int r = x.Length - 2;
        if (r > SlidingWindow.Dims)
            throw new UnsupportedOperatorException($"{node.Describe()}: {r} spatial dimensions; only 1 to 3 are supported");
        long group = node.GetInt("group", 1);
        if (group < 1 || group > int.MaxValue) throw NnChecks.Error(node, $"group {group} must be positive");
        int g = (int)group, c = x[1];
        if (w[0] != c) throw NnChecks.Error(node, $"channel mismatch: X has {c} channels but W {ShapeUtil.Format(w)} has {w[0]} in dim 0");
        if (c % g != 0) throw NnChecks.Error(node, $"input channels {c} are not divisible by group {g}");
        int m = checked(w[1] * g);
        if (bias != null && (bias.Length != 1 || bias[0] != m))
            throw NnChecks.Error(node, $"bias B {ShapeUtil.Format(bias)} must be [{m}]");
        var kernel = w[2..];
        if (node.GetInts("kernel_shape") is { } ks && !ks.Select(k => (int)k).SequenceEqual(kernel))
            throw NnChecks.Error(node, $"kernel_shape [{string.Join(",", ks)}] does not match W {ShapeUtil.Format(w)}");

        var strides = NnChecks.Ints(node, "strides", r, 1);
        var dilations = NnChecks.Ints(node, "dilations", r, 1);
        var outputPadding = NnChecks.Ints(node, "output_padding", r, 0);
        var pads = NnChecks.Ints(node, "pads", 2 * r, 0);
        string autoPad = node.GetString("auto_pad", "NOTSET");
        if (autoPad is not ("NOTSET" or "VALID" or "SAME_UPPER" or "SAME_LOWER"))
            throw NnChecks.Error(node, $"unknown auto_pad '{autoPad}'");
        long[]? outputShape = node.GetInts("output_shape");
        if (outputShape != null && outputShape.Length != r && outputShape.Length != r + 2)
            throw NnChecks.Error(node, $"output_shape [{string.Join(",", outputShape)}] must have {r} (or {r + 2}) values");

        int off = SlidingWindow.Dims - r;
        var win = new SlidingWindow
        {
            SpatialRank = r,
            Input = [1, 1, 1], Output = [1, 1, 1], Kernel = [1, 1, 1], Stride = [1, 1, 1],
            Dilation = [1, 1, 1], PadBegin = [0, 0, 0], PadEnd = [0, 0, 0],
        };
        for (int i = 0; i < r; i++)
        {
            int input = x[2 + i], k = kernel[i], s = strides[i], d = dilations[i], op = outputPadding[i];
            if (k <= 0 || s <= 0 || d <= 0 || op < 0)
                throw NnChecks.Error(node, $"kernel {k}, stride {s}, dilation {d} must be positive and output_padding {op} non-negative in spatial dimension {i}");
            long full = (long)s * (input - 1) + op + (long)(k - 1) * d + 1;
            long output, padBegin, padEnd;
            if (outputShape != null || autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                output = outputShape != null ? outputShape[outputShape.Length - r + i] : (long)input * s;
                long total = full - output;
                // Halves round toward −∞ (Python's //, as in ONNX's reference) so that a negative total (an
                // output_shape larger than the natural size) leaves the extra rows at the end.
                long half = (long)Math.Floor(total / 2.0);
                if (autoPad == "SAME_UPPER") { padBegin = half; padEnd = total - half; }
                else { padBegin = total - half; padEnd = half; }
            }
            else if (autoPad == "VALID")
            {
                padBegin = padEnd = 0;
                output = full;
            }
            else
            {
                padBegin = pads[i];
                padEnd = pads[i + r];
                output = full - padBegin - padEnd;
            }
            if (output <= 0 || output > int.MaxValue)
                throw NnChecks.Error(node, $"output size {output} in spatial dimension {i} is invalid");
            win.Input[off + i] = input;
            win.Output[off + i] = (int)output;
            win.Kernel[off + i] = k;
            win.Stride[off + i] = s;
            win.Dilation[off + i] = d;
            win.PadBegin[off + i] = (int)padBegin;
            win.PadEnd[off + i] = (int)padEnd;
        }
        return new ConvTransposeParameters(x[0], c, m, g, bias != null, win);
    }
}
