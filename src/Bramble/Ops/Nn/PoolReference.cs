using System.Numerics;

namespace Bramble.Ops.Nn;

/// <summary>Pooling loops: the oracle for fast pooling kernels. Padding taps are skipped (never read).</summary>
public static class PoolReference
{
    /// <summary>
    /// Max over each window. When <paramref name="indices"/> is not empty, also writes the flat index of the
    /// maximum in X (row-major, or column-major over the spatial dims when <paramref name="columnMajor"/>).
    /// A window with no valid tap (possible only with explicit huge pads) yields the type's minimum.
    /// </summary>
    public static void Max<T>(PoolParameters p, ReadOnlySpan<T> x, Span<T> y, Span<long> indices, bool columnMajor)
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        var win = p.Window;
        int inSize = win.InputSize, outSize = win.OutputSize;
        for (int nc = 0; nc < p.Batch * p.Channels; nc++)
        {
            int xBase = nc * inSize, yBase = nc * outSize;
            for (int od = 0; od < win.Output[0]; od++)
                for (int oh = 0; oh < win.Output[1]; oh++)
                    for (int ow = 0; ow < win.Output[2]; ow++)
                    {
                        T best = T.MinValue;
                        int bestD = -1, bestH = 0, bestW = 0;
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
                                    T v = x[xBase + (id * win.Input[1] + ih) * win.Input[2] + iw];
                                    // Strict ">" keeps the first maximum in scan order, which decides the Indices output on ties.
                                    if (bestD < 0 || v > best) { best = v; bestD = id; bestH = ih; bestW = iw; }
                                }
                            }
                        }
                        int o = yBase + (od * win.Output[1] + oh) * win.Output[2] + ow;
                        y[o] = best;
                        if (!indices.IsEmpty)
                        {
                            long spatial = bestD < 0 ? 0 : columnMajor
                                ? bestD + (long)win.Input[0] * (bestH + (long)win.Input[1] * bestW)
                                : (bestD * (long)win.Input[1] + bestH) * win.Input[2] + bestW;
                            indices[o] = (long)nc * inSize + spatial;
                        }
                    }
        }
    }

    /// <summary>
    /// Average over each window. Without <paramref name="countIncludePad"/> the divisor is the number of taps
    /// inside X; with it, the number of taps inside the padded extent [−padBegin, input + padEnd).
    /// </summary>
    public static void Average(PoolParameters p, ReadOnlySpan<float> x, Span<float> y, bool countIncludePad)
    {
        var win = p.Window;
        int inSize = win.InputSize, outSize = win.OutputSize;
        for (int nc = 0; nc < p.Batch * p.Channels; nc++)
        {
            int xBase = nc * inSize, yBase = nc * outSize;
            for (int od = 0; od < win.Output[0]; od++)
                for (int oh = 0; oh < win.Output[1]; oh++)
                    for (int ow = 0; ow < win.Output[2]; ow++)
                    {
                        float sum = 0;
                        int valid = 0, padded = 0;
                        for (int kd = 0; kd < win.Kernel[0]; kd++)
                        {
                            int id = od * win.Stride[0] - win.PadBegin[0] + kd * win.Dilation[0];
                            if (id >= win.Input[0] + win.PadEnd[0]) continue;
                            for (int kh = 0; kh < win.Kernel[1]; kh++)
                            {
                                int ih = oh * win.Stride[1] - win.PadBegin[1] + kh * win.Dilation[1];
                                if (ih >= win.Input[1] + win.PadEnd[1]) continue;
                                for (int kw = 0; kw < win.Kernel[2]; kw++)
                                {
                                    int iw = ow * win.Stride[2] - win.PadBegin[2] + kw * win.Dilation[2];
                                    if (iw >= win.Input[2] + win.PadEnd[2]) continue;
                                    padded++;
                                    if ((uint)id >= (uint)win.Input[0] || (uint)ih >= (uint)win.Input[1] || (uint)iw >= (uint)win.Input[2]) continue;
                                    valid++;
                                    sum += x[xBase + (id * win.Input[1] + ih) * win.Input[2] + iw];
                                }
                            }
                        }
                        int count = countIncludePad ? padded : valid;
                        y[yBase + (od * win.Output[1] + oh) * win.Output[2] + ow] = count == 0 ? 0f : sum / count;
                    }
        }
    }

    /// <summary>(Σ |x|^p)^(1/p) over each window; padding contributes zeros.</summary>
    public static void Lp(PoolParameters p, ReadOnlySpan<float> x, Span<float> y, float power)
    {
        var win = p.Window;
        int inSize = win.InputSize, outSize = win.OutputSize;
        for (int nc = 0; nc < p.Batch * p.Channels; nc++)
        {
            int xBase = nc * inSize, yBase = nc * outSize;
            for (int od = 0; od < win.Output[0]; od++)
                for (int oh = 0; oh < win.Output[1]; oh++)
                    for (int ow = 0; ow < win.Output[2]; ow++)
                    {
                        double sum = 0;
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
                                    sum += Math.Pow(Math.Abs(x[xBase + (id * win.Input[1] + ih) * win.Input[2] + iw]), power);
                                }
                            }
                        }
                        y[yBase + (od * win.Output[1] + oh) * win.Output[2] + ow] = (float)Math.Pow(sum, 1.0 / power);
                    }
        }
    }
}
