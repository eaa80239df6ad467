namespace Bramble.Kernels.Pool;

/// <summary>
/// One 2-D pooling window over NCHW float32 planes (dilation 1): input and output size, kernel, strides and
/// padding. PadBottom/PadRight may exceed what the output needs (ceil_mode); taps outside the input are skipped.
/// </summary>
public readonly record struct PoolGeometry2d(
    int InHeight, int InWidth, int OutHeight, int OutWidth,
    int KernelH, int KernelW, int StrideH, int StrideW,
    int PadTop, int PadLeft, int PadBottom, int PadRight)
{
    /// <summary>Throws a one-line <see cref="ShapeException"/> naming the first bad field.</summary>
    public void Validate()
    {
        if (InHeight <= 0 || InWidth <= 0 || OutHeight <= 0 || OutWidth <= 0 || KernelH <= 0 || KernelW <= 0 || StrideH <= 0 || StrideW <= 0)
            throw new ShapeException($"pool geometry: non-positive size in {this}");
        if (PadTop < 0 || PadLeft < 0 || PadBottom < 0 || PadRight < 0)
            throw new ShapeException($"pool geometry: negative padding in {this}");
    }
}
