using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public float* Panels(float* buffer, int k0, int kc, int j0, int nc, int nr)
    {
        int taps = _kh * _kw;
        int jEnd = Math.Min(j0 + nc, _n);
        int panelStride = kc * nr;
        int oy0 = j0 / _outW, ox0 = j0 - oy0 * _outW;
        // k outer: the tap is decoded once per row of B, then the row is written across all panels.
        for (int k = 0; k < kc; k++)
        {
            int kk = k0 + k;
            int c = kk / taps, t = kk - c * taps;
            int ky = t / _kw, kx = t - ky * _kw;
            float* plane = _input + (long)c * _h * _w;
            float* rowDst = buffer + k * nr;
            int j = j0, oy = oy0, ox = ox0, col = 0, panel = 0;
            while (j < jEnd)
            {
                int run = Math.Min(_outW - ox, jEnd - j);
                int iy = oy * _sh - _pt + ky * _dh;
                float* src = (uint)iy < (uint)_h ? plane + (long)iy * _w : null;
                int ix = ox * _sw - _pl + kx * _dw;
                while (run > 0)
                {
                    int piece = Math.Min(run, nr - col);
                    float* d = rowDst + (long)panel * panelStride + col;
                    if (src == null) Zero(d, piece);
                    else if (_sw == 1 && ix >= 0 && ix + piece <= _w) Copy(src + ix, d, piece);
                    else StridedRun(src, ix, _sw, _w, d, piece);
                    ix += piece * _sw;
                    j += piece;
                    run -= piece;
                    col += piece;
                    if (col == nr) { col = 0; panel++; }
                }
                ox = 0;
                oy++;
            }
            // Columns past N in the last panel are padding.
            if (col > 0) Zero(rowDst + (long)panel * panelStride + col, nr - col);
            for (int q = panel + (col > 0 ? 1 : 0); q < (nc + nr - 1) / nr; q++)
                Zero(rowDst + (long)q * panelStride, nr);
        }
        return buffer;
    }

    /// <summary>
    /// d[r] = src[ix + r·sw] for r &lt; n, or 0 where that column is outside [0, w). The valid range is
    /// computed once, so the copy itself has no per-element bounds check; stride 2 picks even lanes with SIMD.
    /// </summary>
    [MethodImpl(HotCode.Options)]
    private static void StridedRun(float* src, int ix, int sw, int w, float* d, int n)
    {
        int lo = ix >= 0 ? 0 : Math.Min(n, (-ix + sw - 1) / sw);
        int hi = ix >= w ? 0 : Math.Min(n, (w - ix + sw - 1) / sw);
        if (hi < lo) hi = lo;
        Zero(d, lo);
        int r = lo;
        float* p = src + ix + (long)lo * sw;
        if (sw == 2 && Avx2.IsSupported)
        {
            // 16 loads give 8 outputs; the whole 16 must lie inside the row: ix + 2r + 15 < w.
            for (; r + 8 <= hi && ix + 2 * r + 16 <= w; r += 8, p += 16)
            {
                var even = Avx.Shuffle(Vector256.Load(p), Vector256.Load(p + 8), 0b10_00_10_00);
                Vector256.Store(Avx2.Permute4x64(even.AsDouble(), 0b11_01_10_00).AsSingle(), d + r);
            }
        }
        for (; r < hi; r++, p += sw) d[r] = *p;
        Zero(d + hi, n - hi);
    }

    private static void Copy(float* s, float* d, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8) Vector256.Store(Vector256.Load(s + i), d + i);
        for (; i + 4 <= n; i += 4) Vector128.Store(Vector128.Load(s + i), d + i);
        for (; i < n; i++) d[i] = s[i];
    }

    private static void Zero(float* d, int n)
    {
        for (int i = 0; i < n; i++) d[i] = 0;
    }
}
