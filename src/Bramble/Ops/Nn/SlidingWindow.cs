using Bramble.Graph;

namespace Bramble.Ops.Nn;

/// <summary>
/// Resolved geometry of a sliding-window op (Conv, pools) over 1 to 3 spatial dimensions. Every array
/// has <see cref="Dims"/> = 3 entries: lower ranks are padded at the front with size-1 dimensions
/// (kernel 1, stride 1, no padding), so one triple loop serves 1-D, 2-D and 3-D.
/// </summary>
public sealed class SlidingWindow
{
    public const int Dims = 3;

    /// <summary>Number of spatial dimensions of the original op (1..3).</summary>
    public required int SpatialRank { get; init; }
    public required int[] Input { get; init; }
    public required int[] Output { get; init; }
    public required int[] Kernel { get; init; }
    public required int[] Stride { get; init; }
    public required int[] Dilation { get; init; }
    public required int[] PadBegin { get; init; }
    public required int[] PadEnd { get; init; }

    public int InputSize => Input[0] * Input[1] * Input[2];
    public int OutputSize => Output[0] * Output[1] * Output[2];
    public int KernelSize => Kernel[0] * Kernel[1] * Kernel[2];

    /// <summary>The output spatial dims in the op's own rank (without the padding dims).</summary>
    public int[] OutputSpatial => Output[(Dims - SpatialRank)..];
}

/// <summary>Computes <see cref="SlidingWindow"/>s from ONNX attributes with the exact ONNX output-size formulas.</summary>
public static class WindowGeometry
{
    /// <summary>
    /// Resolves strides, dilations, pads and auto_pad of <paramref name="node"/> for the given input spatial
    /// dims and kernel. <paramref name="ceilMode"/> rounds output sizes up (pools); a window that would start
    /// entirely in the end padding is dropped, as ONNX's reference and PyTorch do.
    /// </summary>
    public static SlidingWindow Resolve(Node node, ReadOnlySpan<int> inputSpatial, ReadOnlySpan<int> kernel, bool ceilMode, bool allowDilations = true)
    {
        int r = inputSpatial.Length;
        if (r < 1 || r > SlidingWindow.Dims)
            throw new UnsupportedOperatorException($"{node.Describe()}: {r} spatial dimensions; only 1 to 3 are supported");
        if (kernel.Length != r)
            throw NnChecks.Error(node, $"kernel has {kernel.Length} dimensions but the input has {r} spatial dimensions");
        var strides = NnChecks.Ints(node, "strides", r, 1);
        var dilations = allowDilations ? NnChecks.Ints(node, "dilations", r, 1) : Enumerable.Repeat(1, r).ToArray();
        string autoPad = node.GetString("auto_pad", "NOTSET");
        var pads = NnChecks.Ints(node, "pads", 2 * r, 0);

        int off = SlidingWindow.Dims - r;
        var w = new SlidingWindow
        {
            SpatialRank = r,
            Input = [1, 1, 1], Output = [1, 1, 1], Kernel = [1, 1, 1], Stride = [1, 1, 1],
            Dilation = [1, 1, 1], PadBegin = [0, 0, 0], PadEnd = [0, 0, 0],
        };
        for (int i = 0; i < r; i++)
        {
            int input = inputSpatial[i], k = kernel[i], s = strides[i], d = dilations[i];
            if (k <= 0) throw NnChecks.Error(node, $"kernel size {k} in spatial dimension {i} must be positive");
            if (s <= 0) throw NnChecks.Error(node, $"stride {s} in spatial dimension {i} must be positive");
            if (d <= 0) throw NnChecks.Error(node, $"dilation {d} in spatial dimension {i} must be positive");
            long extent = (long)d * (k - 1) + 1;
            long output;
            int padBegin, padEnd;
            switch (autoPad)
            {
                case "NOTSET":
                    padBegin = pads[i];
                    padEnd = pads[i + r];
                    if (padBegin < 0 || padEnd < 0) throw NnChecks.Error(node, $"negative pads [{string.Join(",", pads)}]");
                    long span = input + (long)padBegin + padEnd - extent;
                    if (span < 0)
                        throw NnChecks.Error(node, $"kernel extent {extent} exceeds padded input size {input + padBegin + padEnd} in spatial dimension {i}");
                    output = ceilMode ? (span + s - 1) / s + 1 : span / s + 1;
                    // With ceil_mode the last window must still start inside the input or the begin padding.
                    if (ceilMode && (output - 1) * s >= input + (long)padBegin) output--;
                    break;
                case "VALID":
                    padBegin = padEnd = 0;
                    if (input < extent)
                        throw NnChecks.Error(node, $"kernel extent {extent} exceeds input size {input} in spatial dimension {i} (auto_pad VALID)");
                    output = (input - extent) / s + 1;
                    break;
                case "SAME_UPPER":
                case "SAME_LOWER":
                    output = (input + (long)s - 1) / s;
                    long total = Math.Max(0, (output - 1) * s + extent - input);
                    // SAME_UPPER puts the odd extra pad at the end, SAME_LOWER at the beginning.
                    padBegin = (int)(autoPad == "SAME_UPPER" ? total / 2 : total - total / 2);
                    padEnd = (int)(total - padBegin);
                    break;
                default:
                    throw NnChecks.Error(node, $"unknown auto_pad '{autoPad}'");
            }
            if (output > int.MaxValue) throw NnChecks.Error(node, "output size overflows");
            w.Input[off + i] = input;
            w.Output[off + i] = (int)output;
            w.Kernel[off + i] = k;
            w.Stride[off + i] = s;
            w.Dilation[off + i] = d;
            w.PadBegin[off + i] = padBegin;
            w.PadEnd[off + i] = padEnd;
        }
        return w;
    }
}
