using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>Resolved geometry of one pooling op over [N, C, spatial...].</summary>
public sealed record PoolParameters(int Batch, int Channels, SlidingWindow Window)
{
    public int[] OutputShape => [Batch, Channels, .. Window.OutputSpatial];
}

/// <summary>Resolves MaxPool/AveragePool/LpPool geometry: kernel_shape, strides, pads, auto_pad, ceil_mode, dilations.</summary>
public static class PoolGeometry
{
    public static PoolParameters Resolve(Node node, int[] x, bool allowDilations)
    {
        if (x.Length < 3) throw NnChecks.Error(node, $"input X must have rank >= 3 (N, C, spatial...), got {ShapeUtil.Format(x)}");
        var kernel = node.GetInts("kernel_shape") ?? throw NnChecks.Error(node, "attribute 'kernel_shape' is required");
        if (kernel.Length != x.Length - 2)
            throw NnChecks.Error(node, $"kernel_shape [{string.Join(",", kernel)}] has {kernel.Length} values but X {ShapeUtil.Format(x)} has {x.Length - 2} spatial dimensions");
        var k = new int[kernel.Length];
        for (int i = 0; i < k.Length; i++)
            k[i] = kernel[i] is > 0 and <= int.MaxValue ? (int)kernel[i] : throw NnChecks.Error(node, $"kernel_shape value {kernel[i]} must be positive");
        if (!allowDilations && node.GetInts("dilations") is { } d && d.Any(v => v != 1))
            throw new UnsupportedOperatorException($"{node.Describe()}: dilations are not supported by this operator version");
        bool ceil = node.GetInt("ceil_mode", 0) != 0;
        var window = WindowGeometry.Resolve(node, x.AsSpan(2), k, ceil, allowDilations);
        return new PoolParameters(x[0], x[1], window);
    }
}
