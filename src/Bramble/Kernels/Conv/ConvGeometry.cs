namespace Bramble.Kernels.Conv;

/// <summary>
/// Shape of a 2-D convolution over one NCHW float32 image: channels, spatial size, kernel, strides,
/// padding (top/left/bottom/right), dilations and groups. Weights are [OutChannels, InChannels/Groups, KernelH, KernelW].
/// </summary>
public readonly record struct ConvGeometry
{
    public int InChannels { get; init; }
    public int InHeight { get; init; }
    public int InWidth { get; init; }
    public int OutChannels { get; init; }
    public int KernelH { get; init; }
    public int KernelW { get; init; }
    public int StrideH { get; init; }
    public int StrideW { get; init; }
    public int PadTop { get; init; }
    public int PadLeft { get; init; }
    public int PadBottom { get; init; }
    public int PadRight { get; init; }
    public int DilationH { get; init; }
    public int DilationW { get; init; }
    public int Groups { get; init; }

    /// <summary>A geometry with unit strides and dilations, no padding, one group; adjust with `with { … }`.</summary>
    public ConvGeometry(int inChannels, int inHeight, int inWidth, int outChannels, int kernelH, int kernelW)
    {
        InChannels = inChannels; InHeight = inHeight; InWidth = inWidth; OutChannels = outChannels;
        KernelH = kernelH; KernelW = kernelW;
        StrideH = StrideW = DilationH = DilationW = Groups = 1;
    }

    public int OutHeight => (InHeight + PadTop + PadBottom - DilationH * (KernelH - 1) - 1) / StrideH + 1;
    public int OutWidth => (InWidth + PadLeft + PadRight - DilationW * (KernelW - 1) - 1) / StrideW + 1;

    public int InChannelsPerGroup => InChannels / Groups;
    public int OutChannelsPerGroup => OutChannels / Groups;

    /// <summary>GEMM depth per group: input channels per group × kernel area.</summary>
    public int KernelSize => InChannelsPerGroup * KernelH * KernelW;

    public bool IsDepthwise => Groups == InChannels && Groups == OutChannels;

    /// <summary>1×1, unit stride, no padding: the input itself is the GEMM's right operand.</summary>
    public bool IsPointwise => KernelH == 1 && KernelW == 1 && StrideH == 1 && StrideW == 1
        && PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;

    public long Macs => (long)OutChannels * OutHeight * OutWidth * KernelSize;

    /// <summary>Throws a one-line <see cref="ShapeException"/> naming the first inconsistent field.</summary>
    public void Validate()
    {
        if (InChannels <= 0 || InHeight <= 0 || InWidth <= 0 || OutChannels <= 0 || KernelH <= 0 || KernelW <= 0)
            throw new ShapeException($"conv geometry: non-positive size in {this}");
        if (StrideH <= 0 || StrideW <= 0 || DilationH <= 0 || DilationW <= 0 || Groups <= 0)
            throw new ShapeException($"conv geometry: strides, dilations and groups must be positive in {this}");
        if (PadTop < 0 || PadLeft < 0 || PadBottom < 0 || PadRight < 0)
            throw new ShapeException($"conv geometry: negative padding in {this}");
        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ShapeException($"conv geometry: {Groups} groups do not divide {InChannels} input / {OutChannels} output channels");
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ShapeException($"conv geometry: kernel larger than padded input in {this}");
    }
}
