using Bramble.Graph;

namespace Bramble.Training.Gradients;

/// <summary>The sizes of a 2-D convolution or pooling window, read from ONNX attributes (auto_pad included).</summary>
internal readonly record struct Window2d(int KernelH, int KernelW, int StrideH, int StrideW, int DilationH, int DilationW,
    int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    public static Window2d From(Node node, int kernelH, int kernelW, int inH, int inW)
    {
        long[] strides = node.GetInts("strides") ?? [1, 1];
        long[] dilations = node.GetInts("dilations") ?? [1, 1];
        long[] pads = node.GetInts("pads") ?? [0, 0, 0, 0];
        if (strides.Length != 2 || dilations.Length != 2 || pads.Length != 4)
            throw new UnsupportedOperatorException($"{node.Describe()}: training supports 2-D windows only");
        if (strides[0] < 1 || strides[1] < 1 || dilations[0] < 1 || dilations[1] < 1)
            throw new GraphValidationException($"{node.Describe()}: strides and dilations must be positive");
        var w = new Window2d(kernelH, kernelW, (int)strides[0], (int)strides[1], (int)dilations[0], (int)dilations[1],
            (int)pads[0], (int)pads[1], (int)pads[2], (int)pads[3]);
        string autoPad = node.GetString("auto_pad", "NOTSET");
        if (autoPad is "SAME_UPPER" or "SAME_LOWER")
        {
            (int top, int bottom) = SamePads(inH, w.StrideH, w.DilationH * (kernelH - 1) + 1, autoPad == "SAME_UPPER");
            (int left, int right) = SamePads(inW, w.StrideW, w.DilationW * (kernelW - 1) + 1, autoPad == "SAME_UPPER");
            w = w with { PadTop = top, PadBottom = bottom, PadLeft = left, PadRight = right };
        }
        else if (autoPad == "VALID") w = w with { PadTop = 0, PadBottom = 0, PadLeft = 0, PadRight = 0 };
        return w;
    }

    private static (int, int) SamePads(int size, int stride, int extent, bool upper)
    {
        int outSize = (size + stride - 1) / stride;
        int total = Math.Max(0, (outSize - 1) * stride + extent - size);
        int small = total / 2;
        return upper ? (small, total - small) : (total - small, small);
    }

    public int OutH(int inH) => (inH + PadTop + PadBottom - DilationH * (KernelH - 1) - 1) / StrideH + 1;
    public int OutW(int inW) => (inW + PadLeft + PadRight - DilationW * (KernelW - 1) - 1) / StrideW + 1;

    /// <summary>
    /// For kernel column <paramref name="j"/>: the output columns [Lo, Hi) whose input column Ix0 + ox·StrideW lies
    /// inside an input row of <paramref name="inW"/> (Ix0 = j·DilationW − PadLeft); Lo = Hi when none does.
    /// </summary>
    public (int Lo, int Hi, int Ix0) ColumnRange(int j, int inW, int outW)
    {
        int ix0 = j * DilationW - PadLeft;
        int lo = ix0 >= 0 ? 0 : Math.Min(outW, (-ix0 + StrideW - 1) / StrideW);
        int hi = ix0 > inW - 1 ? 0 : Math.Min(outW, (inW - 1 - ix0) / StrideW + 1);
        return (lo, Math.Max(lo, hi), ix0);
    }

    /// <summary>A 1×1 window with unit stride and no padding reads the input as the im2col matrix itself.</summary>
    public bool IsPointwise => KernelH == 1 && KernelW == 1 && StrideH == 1 && StrideW == 1 && PadTop == 0 && PadLeft == 0 && PadBottom == 0 && PadRight == 0;
}
