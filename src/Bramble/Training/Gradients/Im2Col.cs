namespace Bramble.Training.Gradients;

/// <summary>
/// Unfolding one image's channels into the K×P matrix a convolution multiplies (K = channels·kh·kw,
/// P = output pixels; rows <c>ldc</c> apart so that several images can sit side by side), and folding gradients back (col2im adds, since windows overlap).
/// </summary>
internal static unsafe class Im2Col
{
    public static void Unfold(float* x, int channels, int h, int w, in Window2d win, int outH, int outW, float* col, int ldc)
    {
        int kw = win.KernelW, sw = win.StrideW;
        Span<(int Lo, int Hi, int Ix0)> columns = stackalloc (int, int, int)[kw];
        for (int j = 0; j < kw; j++) columns[j] = win.ColumnRange(j, w, outW);
        for (int c = 0; c < channels; c++)
        {
            float* plane = x + (long)c * h * w;
            for (int i = 0; i < win.KernelH; i++)
                for (int j = 0; j < kw; j++)
                {
                    float* row = col + (long)((c * win.KernelH + i) * kw + j) * ldc;
                    var (lo, hi, ix0) = columns[j];
                    for (int oy = 0; oy < outH; oy++)
                    {
                        int iy = oy * win.StrideH - win.PadTop + i * win.DilationH;
                        var dst = new Span<float>(row + oy * outW, outW);
                        if ((uint)iy >= (uint)h)
                        {
                            dst.Clear();
                            continue;
                        }
                        // Zeros where the window hangs over the left/right padding, the image in between.
                        dst[..lo].Clear();
                        dst[hi..].Clear();
                        float* src = plane + (long)iy * w + ix0;
                        if (sw == 1) new ReadOnlySpan<float>(src + lo, hi - lo).CopyTo(dst[lo..hi]);
                        else for (int ox = lo; ox < hi; ox++) dst[ox] = src[ox * sw];
                    }
                }
        }
    }

    public static void FoldAdd(float* col, int channels, int h, int w, in Window2d win, int outH, int outW, float* dx, int ldc)
    {
        int kw = win.KernelW, sw = win.StrideW;
        Span<(int Lo, int Hi, int Ix0)> columns = stackalloc (int, int, int)[kw];
        for (int j = 0; j < kw; j++) columns[j] = win.ColumnRange(j, w, outW);
        for (int c = 0; c < channels; c++)
        {
            float* plane = dx + (long)c * h * w;
            for (int i = 0; i < win.KernelH; i++)
                for (int j = 0; j < kw; j++)
                {
                    float* row = col + (long)((c * win.KernelH + i) * kw + j) * ldc;
                    var (lo, hi, ix0) = columns[j];
                    if (lo >= hi) continue;
                    for (int oy = 0; oy < outH; oy++)
                    {
                        int iy = oy * win.StrideH - win.PadTop + i * win.DilationH;
                        if ((uint)iy >= (uint)h) continue;
                        float* src = row + oy * outW;
                        float* dst = plane + (long)iy * w + ix0;
                        if (sw == 1) PointwiseVectors.AddScaled(new ReadOnlySpan<float>(src + lo, hi - lo), 1f, new Span<float>(dst + lo, hi - lo));
                        else for (int ox = lo; ox < hi; ox++) dst[ox * sw] += src[ox];
                    }
                }
        }
    }
}
