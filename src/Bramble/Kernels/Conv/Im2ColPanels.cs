using Bramble.Kernels.Gemm;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Implicit im2col: packs B panels for the convolution GEMM (K = channel × kernel tap, N = output
/// pixel) straight from the image, so the k·k-times larger column matrix never exists. Row k of B is
/// tap (c, ky, kx); column j is output pixel (oy, ox); the value is the input at
/// (c, oy·sh − pt + ky·dh, ox·sw − pl + kx·dw), or 0 in the padding.
/// Each packed row is copied in runs of one output row, so unit stride becomes a plain copy.
/// </summary>
internal readonly unsafe struct Im2ColPanels : IPanelSourceB
{
    private readonly float* _input;
    private readonly int _h, _w, _kh, _kw, _sh, _sw, _pt, _pl, _dh, _dw, _outW, _n;

    public Im2ColPanels(float* groupInput, in ConvGeometry g)
    {
        _input = groupInput;
        _h = g.InHeight; _w = g.InWidth; _kh = g.KernelH; _kw = g.KernelW;
        _sh = g.StrideH; _sw = g.StrideW; _pt = g.PadTop; _pl = g.PadLeft; _dh = g.DilationH; _dw = g.DilationW;
        _outW = g.OutWidth;
        _n = g.OutHeight * g.OutWidth;
    }

    public float* Panels(float* buffer, int k0, int kc, int j0, int nc, int nr)
    {
        float* dst = buffer;
        int taps = _kh * _kw;
        for (int p = 0; p < nc; p += nr)
        {
            int jStart = j0 + p;
            int cols = Math.Max(0, Math.Min(nr, _n - jStart));
            for (int k = 0; k < kc; k++)
            {
                int kk = k0 + k;
                int c = kk / taps, t = kk - c * taps;
                int ky = t / _kw, kx = t - ky * _kw;
                float* plane = _input + (long)c * _h * _w;
                float* d = dst + k * nr;
                int col = 0;
                int oy = jStart / _outW, ox = jStart - oy * _outW;
                while (col < cols)
                {
                    int run = Math.Min(cols - col, _outW - ox);
                    int iy = oy * _sh - _pt + ky * _dh;
                    if ((uint)iy >= (uint)_h)
                    {
                        for (int r = 0; r < run; r++) d[col + r] = 0;
                    }
                    else
                    {
                        float* src = plane + (long)iy * _w;
                        int ix = ox * _sw - _pl + kx * _dw;
                        if (_sw == 1 && ix >= 0 && ix + run <= _w)
                        {
                            new ReadOnlySpan<float>(src + ix, run).CopyTo(new Span<float>(d + col, run));
                        }
                        else
                        {
                            for (int r = 0; r < run; r++, ix += _sw)
                                d[col + r] = (uint)ix < (uint)_w ? src[ix] : 0;
                        }
                    }
                    col += run;
                    ox = 0;
                    oy++;
                }
                for (; col < nr; col++) d[col] = 0;
            }
            dst += kc * nr;
        }
        return buffer;
    }
}
