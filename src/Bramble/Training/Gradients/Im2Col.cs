namespace Bramble.Training.Gradients;

/// <summary>
/// Unfolding one image's channels into the K×P matrix a convolution multiplies (K = channels·kh·kw,
/// P = output pixels; rows <c>ldc</c> apart so that several images can sit side by side), and folding gradients back (col2im adds, since windows overlap).
/// </summary>
internal static unsafe class Im2Col
{
    public static void Unfold(float* x, int channels, int h, int w, in Window2d win, int outH, int outW, float* col, int ldc)
    {
        int p = ldc;
        for (int c = 0; c < channels; c++)
        {
            float* plane = x + (long)c * h * w;
            for (int i = 0; i < win.KernelH; i++)
                for (int j = 0; j < win.KernelW; j++)
                {
                    float* row = col + (long)((c * win.KernelH + i) * win.KernelW + j) * p;
                    for (int oy = 0; oy < outH; oy++)
                    {
                        int iy = oy * win.StrideH - win.PadTop + i * win.DilationH;
                        float* dst = row + oy * outW;
                        if ((uint)iy >= (uint)h)
                        {
                            new Span<float>(dst, outW).Clear();
                            continue;
                        }
                        float* src = plane + (long)iy * w;
                        int ix0 = j * win.DilationW - win.PadLeft;
                        if (win.StrideW == 1 && ix0 >= 0 && ix0 + outW <= w)
                        {
                            new ReadOnlySpan<float>(src + ix0, outW).CopyTo(new Span<float>(dst, outW));
                            continue;
                        }
                        for (int ox = 0; ox < outW; ox++)
                        {
                            int ix = ix0 + ox * win.StrideW;
                            dst[ox] = (uint)ix < (uint)w ? src[ix] : 0f;
                        }
                    }
                }
        }
    }

    public static void FoldAdd(float* col, int channels, int h, int w, in Window2d win, int outH, int outW, float* dx, int ldc)
    {
        int p = ldc;
        for (int c = 0; c < channels; c++)
        {
            float* plane = dx + (long)c * h * w;
            for (int i = 0; i < win.KernelH; i++)
                for (int j = 0; j < win.KernelW; j++)
                {
                    float* row = col + (long)((c * win.KernelH + i) * win.KernelW + j) * p;
                    for (int oy = 0; oy < outH; oy++)
                    {
                        int iy = oy * win.StrideH - win.PadTop + i * win.DilationH;
                        if ((uint)iy >= (uint)h) continue;
                        float* src = row + oy * outW;
                        float* dst = plane + (long)iy * w;
                        int ix0 = j * win.DilationW - win.PadLeft;
                        for (int ox = 0; ox < outW; ox++)
                        {
                            int ix = ix0 + ox * win.StrideW;
                            if ((uint)ix < (uint)w) dst[ix] += src[ox];
                        }
                    }
                }
        }
    }
}
