using Bramble.Ops.Nn;

namespace Bramble.Ops.Quantized;

/// <summary>Direct integer convolution: the oracle for the int8 conv kernels.</summary>
public static unsafe class IntegerConvReference
{
    /// <summary>
    /// Σ_{c in group, k} (x[n, c, pos] − xZp) · (w[m, c, k] − wZp) over in-range taps (padding contributes 0,
    /// i.e. padding holds the zero point), in wrapping int32 arithmetic.
    /// </summary>
    public static int Dot(ConvParameters p, byte* x, bool xSigned, int xZp, byte* w, bool wSigned, int wZp, int n, int m, int od, int oh, int ow)
    {
        var win = p.Window;
        int cg = p.InChannelsPerGroup, g = m / p.OutChannelsPerGroup;
        int inSize = win.InputSize, kSize = win.KernelSize;
        int sum = 0;
        for (int ci = 0; ci < cg; ci++)
        {
            long xBase = (long)(n * p.InChannels + g * cg + ci) * inSize;
            long wBase = (long)(m * cg + ci) * kSize;
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
                        int xv = QuantParams.Load(x, xBase + (id * win.Input[1] + ih) * win.Input[2] + iw, xSigned) - xZp;
                        int wv = QuantParams.Load(w, wBase + (kd * win.Kernel[1] + kh) * win.Kernel[2] + kw, wSigned) - wZp;
                        sum = unchecked(sum + xv * wv);
                    }
                }
            }
        }
        return sum;
    }

    /// <summary>
    /// Runs <paramref name="emit"/>(flat output index, output channel, accumulator) for every output
    /// element of the convolution, in output order.
    /// </summary>
    public static void ForEach<TEmit>(ConvParameters p, byte* x, bool xSigned, int xZp, byte* w, bool wSigned, ReadOnlySpan<int> wZp, ref TEmit emit)
        where TEmit : struct, IAccumulatorSink
    {
        var win = p.Window;
        long index = 0;
        for (int n = 0; n < p.Batch; n++)
            for (int m = 0; m < p.OutChannels; m++)
            {
                int zw = wZp.Length == 1 ? wZp[0] : wZp[m];
                for (int od = 0; od < win.Output[0]; od++)
                    for (int oh = 0; oh < win.Output[1]; oh++)
                        for (int ow = 0; ow < win.Output[2]; ow++)
                            emit.Put(index++, m, Dot(p, x, xSigned, xZp, w, wSigned, zw, n, m, od, oh, ow));
            }
    }
}

/// <summary>Receives integer accumulators from the reference loops (a struct, so the calls inline).</summary>
public interface IAccumulatorSink
{
    void Put(long index, int channel, int acc);
}
