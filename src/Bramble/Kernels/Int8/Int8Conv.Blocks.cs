using System.Runtime.Intrinsics;
using Bramble.Ops.Quantized;

namespace Bramble.Kernels.Int8;

public sealed unsafe partial class Int8Conv
{
    /// <summary>Computes output columns [c0, c0 + block) of every output channel of group <paramref name="g"/> of image <paramref name="n"/>.</summary>
    private void RunBlock(byte* x, byte* y, int n, int g, int c0)
    {
        int outSize = _p.Window.OutputSize;
        int nc = Math.Min(_blockColumns, outSize - c0);
        int panels = (nc + Int8MicroKernels.Panel - 1) / Int8MicroKernels.Panel;
        int panelInts = _kPairs * Int8MicroKernels.Panel;
        int* b = Scratch(panels * panelInts + 16 * Int8MicroKernels.MR, out var pin);
        int* acc = b + panels * panelInts;
        PackColumns(x, n, g, c0, nc, panels, (short*)b);
        int mg = _p.OutChannelsPerGroup;
        fixed (int* packed = _packed)
        {
            for (int m0 = 0; m0 < mg; m0 += Int8MicroKernels.MR)
            {
                int* a = packed + g * _groupStride + m0 * _kPairs;
                int rows = Math.Min(Int8MicroKernels.MR, mg - m0);
                for (int j = 0; j < panels; j += 2)
                {
                    int* b0 = b + j * panelInts;
                    int* b1 = j + 1 < panels ? b0 + panelInts : b0;
                    Int8MicroKernels.Run(_isa, a, b0, b1, _kPairs, acc);
                    int cols = Math.Min(2 * Int8MicroKernels.Panel, nc - j * Int8MicroKernels.Panel);
                    for (int r = 0; r < rows; r++)
                    {
                        int m = g * mg + m0 + r;
                        byte* dst = y + ((long)(n * _p.OutChannels + m) * outSize + c0 + j * Int8MicroKernels.Panel);
                        RequantizeRow.Run(_isa, acc + r * 16, cols, _bias[m], _multiplier[m], _yZp, _lo, _hi, dst, _ySigned);
                    }
                }
            }
        }
        GC.KeepAlive(pin);
    }

    /// <summary>
    /// im2col of a column block into int16 pairs: for column c and reduction index k, the value lands in
    /// panel c/8, pair k/2, lane c%8, half k%2. Taps in the padding and the pad row/columns hold 0 (= x_zp).
    /// </summary>
    private void PackColumns(byte* x, int n, int g, int c0, int nc, int panels, short* dst)
    {
        var win = _p.Window;
        int kh = win.Kernel[1], kw = win.Kernel[2], h = win.Input[1], w = win.Input[2], ow0 = win.Output[2];
        int sh = win.Stride[1], sw = win.Stride[2], dh = win.Dilation[1], dw = win.Dilation[2];
        int pt = win.PadBegin[1], pl = win.PadBegin[2];
        int kg = _p.InChannelsPerGroup * _kernelSize;
        int panelShorts = _kPairs * 2 * Int8MicroKernels.Panel;
        int width = panels * Int8MicroKernels.Panel;
        for (int k = 0; k < 2 * _kPairs; k++)
        {
            short* row = dst + (k >> 1) * 2 * Int8MicroKernels.Panel + (k & 1);
            int col = 0;
            if (k < kg)
            {
                int ci = k / _kernelSize, t = k % _kernelSize, ky = t / kw, kx = t % kw;
                byte* plane = x + (long)(n * _p.InChannels + g * _p.InChannelsPerGroup + ci) * h * w;
                int oh = c0 / ow0, ow = c0 % ow0;
                for (; col < nc; col++)
                {
                    int ih = oh * sh - pt + ky * dh, iw = ow * sw - pl + kx * dw;
                    int v = (uint)ih < (uint)h && (uint)iw < (uint)w ? QuantParams.Load(plane, ih * w + iw, _xSigned) - _xZp : 0;
                    row[(col >> 3) * panelShorts + (col & 7) * 2] = (short)v;
                    if (++ow == ow0) { ow = 0; oh++; }
                }
            }
            for (; col < width; col++) row[(col >> 3) * panelShorts + (col & 7) * 2] = 0;
        }
    }

    /// <summary>Depthwise: channel <paramref name="c"/> of image <paramref name="n"/>, from a zero-padded int32 copy of its plane.</summary>
    private void RunDepthwise(byte* x, byte* y, int n, int c)
    {
        var win = _p.Window;
        int kh = win.Kernel[1], kw = win.Kernel[2], h = win.Input[1], w = win.Input[2];
        int oh0 = win.Output[1], ow0 = win.Output[2];
        int sh = win.Stride[1], sw = win.Stride[2], dh = win.Dilation[1], dw = win.Dilation[2];
        int pt = win.PadBegin[1], pl = win.PadBegin[2];
        int ph = (oh0 - 1) * sh + (kh - 1) * dh + 1;
        int pw = (ow0 - 1) * sw + (kw - 1) * dw + 1 + 8; // + 8: vector loads may read past the last window
        int* plane = Scratch(ph * pw + ow0 + 8, out var pin);
        int* acc = plane + ph * pw;
        byte* src = x + (long)(n * _p.InChannels + c) * h * w;
        for (int r = 0; r < ph; r++)
        {
            int ih = r - pt;
            int* prow = plane + r * pw;
            for (int col = 0; col < pw; col++)
            {
                int iw = col - pl;
                prow[col] = (uint)ih < (uint)h && (uint)iw < (uint)w ? QuantParams.Load(src, ih * w + iw, _xSigned) - _xZp : 0;
            }
        }
        byte* dstPlane = y + (long)(n * _p.OutChannels + c) * oh0 * ow0;
        fixed (int* taps = &_packed[c * _kernelSize])
        {
            for (int oh = 0; oh < oh0; oh++)
            {
                int ow = 0;
                if (sw == 1 && _isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated)
                    for (; ow + 8 <= ow0; ow += 8)
                    {
                        var sum = Vector256<int>.Zero;
                        for (int ky = 0; ky < kh; ky++)
                        {
                            int* prow = plane + (oh * sh + ky * dh) * pw + ow;
                            for (int kx = 0; kx < kw; kx++)
                                sum += Vector256.Load(prow + kx * dw) * Vector256.Create(taps[ky * kw + kx]);
                        }
                        sum.Store(acc + ow);
                    }
                else if (sw == 1 && _isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
                    for (; ow + 4 <= ow0; ow += 4)
                    {
                        var sum = Vector128<int>.Zero;
                        for (int ky = 0; ky < kh; ky++)
                        {
                            int* prow = plane + (oh * sh + ky * dh) * pw + ow;
                            for (int kx = 0; kx < kw; kx++)
                                sum += Vector128.Load(prow + kx * dw) * Vector128.Create(taps[ky * kw + kx]);
                        }
                        sum.Store(acc + ow);
                    }
                for (; ow < ow0; ow++)
                {
                    int sum = 0;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        int* prow = plane + (oh * sh + ky * dh) * pw + ow * sw;
                        for (int kx = 0; kx < kw; kx++) sum = unchecked(sum + prow[kx * dw] * taps[ky * kw + kx]);
                    }
                    acc[ow] = sum;
                }
                RequantizeRow.Run(_isa, acc, ow0, _bias[c], _multiplier[c], _yZp, _lo, _hi, dstPlane + oh * ow0, _ySigned);
            }
        }
        GC.KeepAlive(pin);
    }
}
