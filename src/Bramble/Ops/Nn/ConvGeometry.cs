using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Nn;

/// <summary>All resolved geometry of one Conv: what a kernel (reference or fast) needs besides the data.</summary>
public sealed record ConvParameters(int Batch, int InChannels, int OutChannels, int Group, bool HasBias, SlidingWindow Window)
{
    public int InChannelsPerGroup => InChannels / Group;
    public int OutChannelsPerGroup => OutChannels / Group;

    /// <summary>Output shape [N, M, spatial...].</summary>
    public int[] OutputShape => [Batch, OutChannels, .. Window.OutputSpatial];

    /// <summary>N·M·outspatial·(C/group)·kprod.</summary>
    public long Macs => (long)Batch * OutChannels * Window.OutputSize * InChannelsPerGroup * Window.KernelSize;
}

/// <summary>Resolves and checks Conv geometry from input shapes and attributes (shared by shape inference and kernels).</summary>
public static class ConvGeometry
{
    /// <param name="node">The node whose attributes (group, strides, pads…) apply; named in errors.</param>
    /// <param name="x">X: [N, C, spatial...].</param>
    /// <param name="w">W: [M, C/group, kernel...].</param>
    /// <param name="bias">B: [M], or null when absent.</param>
    public static ConvParameters Resolve(Node node, int[] x, int[] w, int[]? bias)
    {
        if (x.Length < 3) throw NnChecks.Error(node, $"input X must have rank >= 3 (N, C, spatial...), got {ShapeUtil.Format(x)}");
        if (w.Length != x.Length)
            throw NnChecks.Error(node, $"weight W {ShapeUtil.Format(w)} must have the same rank as X {ShapeUtil.Format(x)}");
        long group = node.GetInt("group", 1);
        if (group < 1 || group > int.MaxValue) throw NnChecks.Error(node, $"group {group} must be positive");
        int g = (int)group, c = x[1], m = w[0];
        if (c % g != 0) throw NnChecks.Error(node, $"input channels {c} are not divisible by group {g}");
        if (m % g != 0) throw NnChecks.Error(node, $"output channels {m} (W dim 0) are not divisible by group {g}");
        if (w[1] * g != c)
            throw NnChecks.Error(node, $"channel mismatch: X has {c} channels but W {ShapeUtil.Format(w)} expects {w[1]}x{g} (C/group x group)");
        var kernel = w[2..];
        if (node.GetInts("kernel_shape") is { } ks && !ks.Select(k => (int)k).SequenceEqual(kernel))
            throw NnChecks.Error(node, $"kernel_shape [{string.Join(",", ks)}] does not match W {ShapeUtil.Format(w)}");
        if (bias != null && (bias.Length != 1 || bias[0] != m))
            throw NnChecks.Error(node, $"bias B {ShapeUtil.Format(bias)} must be [{m}]");
        var window = WindowGeometry.Resolve(node, x.AsSpan(2), kernel, ceilMode: false);
        return new ConvParameters(x[0], c, m, g, bias != null, window);
    }
}
