namespace Bramble.Ops.Nn;

/// <summary>Scatter-form transposed convolution: the oracle for fast ConvTranspose kernels.</summary>
public static class ConvTransposeReference
{
    /// <summary>y = b, then y[n, m, i·s − pad + k·d] += x[n, c, i] · w[c, m − group·M/group, k] for every c in m's group.</summary>
    public static void Run(ConvTransposeParameters p, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        var win = p.Window;
        int cg = p.InChannelsPerGroup, mg = p.OutChannelsPerGroup;
        int inSize = win.InputSize, outSize = win.OutputSize, kSize = win.KernelSize;
        for (int n = 0; n < p.Batch; n++)
            for (int m = 0; m < p.OutChannels; m++)
                y.Slice((n * p.OutChannels + m) * outSize, outSize).Fill(p.HasBias ? bias[m] : 0f);

        for (int n = 0; n < p.Batch; n++)
            for (int c = 0; c < p.InChannels; c++)
            {
                int g = c / cg;
                int xBase = (n * p.InChannels + c) * inSize;
                for (int id = 0; id < win.Input[0]; id++)
                    for (int ih = 0; ih < win.Input[1]; ih++)
                        for (int iw = 0; iw < win.Input[2]; iw++)
                        {
                            float xv = x[xBase + (id * win.Input[1] + ih) * win.Input[2] + iw];
                            for (int mi = 0; mi < mg; mi++)
                            {
                                int m = g * mg + mi;
                                int yBase = (n * p.OutChannels + m) * outSize;
                                int wBase = (c * mg + mi) * kSize;
                                for (int kd = 0; kd < win.Kernel[0]; kd++)
                                {
                                    int od = id * win.Stride[0] - win.PadBegin[0] + kd * win.Dilation[0];
                                    if ((uint)od >= (uint)win.Output[0]) continue;
                                    for (int kh = 0; kh < win.Kernel[1]; kh++)
                                    {
                                        int oh = ih * win.Stride[1] - win.PadBegin[1] + kh * win.Dilation[1];
                                        if ((uint)oh >= (uint)win.Output[1]) continue;
                                        for (int kw = 0; kw < win.Kernel[2]; kw++)
                                        {
                                            int ow = iw * win.Stride[2] - win.PadBegin[2] + kw * win.Dilation[2];
                                            if ((uint)ow >= (uint)win.Output[2]) continue;
                                            y[yBase + (od * win.Output[1] + oh) * win.Output[2] + ow] +=
                                                xv * w[wBase + (kd * win.Kernel[1] + kh) * win.Kernel[2] + kw];
                                        }
                                    }
                                }
                            }
                        }
            }
    }
}
