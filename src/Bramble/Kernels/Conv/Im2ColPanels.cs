using System.Runtime.CompilerServices;
using Bramble.Kernels.Gemm;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Implicit im2col: packs B panels for the convolution GEMM (K = channel × kernel tap, N = output
/// pixel) straight from the image, so the k·k-times larger column matrix never exists. Row k of B is
/// tap (c, ky, kx); column j is output pixel (oy, ox); the value is the input at
/// (c, oy·sh − pt + ky·dh, ox·sw − pl + kx·dw), or 0 in the padding.
/// </summary>
/// <remarks>
/// Packing is pure data movement, and for layers with few output channels (first layers: 3 input channels,
/// 7×7 or 5×5 taps, stride 2) it costs as much as the multiply itself. So the work per element is kept
/// minimal: for each row of B the range of output columns whose input column lies inside the image
/// depends only on the tap column kx, so it is computed once per row (two divisions), and each output row
/// then splits into zeros, one strided gather and zeros — no per-element bounds checks, no divisions per run.
/// </remarks>
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

    public float* Tile(float* block, float* scratch, int kc, int jr, int cols, int nr, out int stride) => PackedPanels.Tile(block, kc, jr, nr, out stride);

    /// <summary>Gathering costs more per element than a dense pack: splitting work weighs it (<see cref="GemmGrid"/>).</summary>
    public static double ElementCost => GemmGrid.GatherCost;

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    public float* Panels(float* buffer, int k0, int kc, int j0, int nc, int nr)
    {
        int taps = _kh * _kw;
        int jEnd = Math.Min(j0 + nc, _n);
        int panels = (nc + nr - 1) / nr;
        int oy0 = j0 / _outW, ox0 = j0 - oy0 * _outW;
        for (int k = 0; k < kc; k++)
        {
            int kk = k0 + k;
            int c = kk / taps, t = kk - c * taps;
            int ky = t / _kw, kx = t - ky * _kw;
            float* plane = _input + (long)c * _h * _w;
            int xOff = kx * _dw - _pl, yOff = ky * _dh - _pt;
            // Output columns [oxLo, oxHi) read inside the row: 0 ≤ ox·sw + xOff < w.
            int oxLo = xOff >= 0 ? 0 : (-xOff + _sw - 1) / _sw;
            int oxHi = xOff >= _w ? 0 : Math.Min(_outW, (_w - xOff + _sw - 1) / _sw);
            if (oxHi < oxLo) oxHi = oxLo;
            var dst = new PanelRowWriter(buffer + k * nr, kc * nr, nr);
            int j = j0, oy = oy0, ox = ox0;
            while (j < jEnd)
            {
                int end = Math.Min(_outW, ox + (jEnd - j));
                int iy = oy * _sh + yOff;
                if ((uint)iy >= (uint)_h) dst.Zeros(end - ox);
                else
                {
                    float* row = plane + (long)iy * _w;
                    int a = Math.Min(Math.Max(ox, oxLo), end), b = Math.Max(Math.Min(end, oxHi), a);
                    dst.Zeros(a - ox);
                    dst.Gather(row + a * _sw + xOff, b - a, _sw, row + _w);
                    dst.Zeros(end - b);
                }
                j += end - ox;
                ox = 0;
                oy++;
            }
            dst.ZeroToEnd(panels);
        }
        return buffer;
    }
}

/// <summary>
/// Writes one row of B across consecutive packed panels (each kc×nr, row k at offset k·nr): values arrive
/// in column order and the writer moves to the next panel every nr columns.
/// </summary>
internal unsafe struct PanelRowWriter
{
    private readonly int _panelStride, _nr;
    private float* _d;      // next column's slot
    private int _left;      // slots left in the current panel
    private int _panel;

    public PanelRowWriter(float* row, int panelStride, int nr)
    {
        _d = row;
        _panelStride = panelStride;
        _nr = nr;
        _left = nr;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Zeros(int n)
    {
        while (n > 0)
        {
            int piece = Math.Min(n, _left);
            RowCopy.Zero(_d, piece);
            Advance(piece);
            n -= piece;
        }
    }

    /// <summary>n values src[0], src[stride], …; every one lies before <paramref name="rowEnd"/>, which bounds over-reads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Gather(float* src, int n, int stride, float* rowEnd)
    {
        while (n > 0)
        {
            int piece = Math.Min(n, _left);
            if (stride == 1) RowCopy.Copy(src, _d, piece);
            else if (stride == 2) RowCopy.GatherEven(src, _d, piece, rowEnd);
            else for (int i = 0; i < piece; i++) _d[i] = src[(long)i * stride];
            src += (long)piece * stride;
            Advance(piece);
            n -= piece;
        }
    }

    /// <summary>Zero-fills the rest of the current panel and all later ones up to <paramref name="panels"/>.</summary>
    public void ZeroToEnd(int panels)
    {
        if (_left < _nr)
        {
            RowCopy.Zero(_d, _left);
            Advance(_left);
        }
        for (; _panel < panels; _panel++, _d += _panelStride) RowCopy.Zero(_d, _nr);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Advance(int n)
    {
        _left -= n;
        _d += n;
        if (_left == 0)
        {
            _left = _nr;
            _panel++;
            _d += _panelStride - _nr;
        }
    }
}
