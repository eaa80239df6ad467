namespace Bramble.Ops.Nn;

/// <summary>Direct convolution loops: the oracle for fast Conv kernels.</summary>
public static class ConvReference
{
    /// <summary>y[n, m, o] = b[m] + Σ_{c in group, k} x[n, c, o·s − pad + k·d] · w[m, c, k] (out-of-range taps read 0).</summary>
    public static void Run(ConvParameters p, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        var win = p.Window;
        int cg = p.InChannelsPerGroup, mg = p.OutChannelsPerGroup;
        int inSize = win.InputSize, outSize = win.OutputSize, kSize = win.KernelSize;
        for (int n = 0; n < p.Batch; n++)
            for (int m = 0; m < p.OutChannels; m++)
            {
                int g = m / mg;
                float b = p.HasBias ? bias[m] : 0f;
                int yBase = (n * p.OutChannels + m) * outSize;
                for (int od = 0; od < win.Output[0]; od++)
                    for (int oh = 0; oh < win.Output[1]; oh++)
                        for (int ow = 0; ow < win.Output[2]; ow++)
                        {
                            float sum = b;
                            for (int ci = 0; ci < cg; ci++)
                            {
                                int c = g * cg + ci;
                                int xBase = (n * p.InChannels + c) * inSize;
                                int wBase = (m * cg + ci) * kSize;
                                for (int kd = 0; kd < win.Kernel[0]; kd++)
                                {
                                    int id = od * win.Stride[0] - win.PadBegin[0] + kd * win.Dilation[0];
                                    if ((uint)id >= (uint)win.Input[0]) continue;
                                    for (int kh = 0; kh < win.Kernel[1]; kh++)
                                    {
                                        int ih = oh * win.Stride[1] - win.PadBegin[1] + kh * win.Dilation[1];
                                        if ((uint)ih >= (uint)win.Input[1]) continue;
                                        for (int kw = 0; kw < win.Kernel[2]; kw++)
                                        {
                                            int iw = ow * win.Stride[2] - win.PadBegin[2] + kw * win.Dilation[2];
                                            if ((uint)iw >= (uint)win.Input[2]) continue;
                                            float xv = x[xBase + (id * win.Input[1] + ih) * win.Input[2] + iw];
                                            float wv = w[wBase + (kd * win.Kernel[1] + kh) * win.Kernel[2] + kw];
                                            sum += xv * wv;
                                        }
                                    }
                                }
                            }
                            y[yBase + (od * win.Output[1] + oh) * win.Output[2] + ow] = sum;
                        }
            }
    }
}
