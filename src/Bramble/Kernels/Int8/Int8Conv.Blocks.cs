using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
    /// Eight columns that lie in one output row and read in-bounds contiguous input (stride 1) are widened
    /// and interleaved with SIMD; the rest take the per-element path.
    /// </summary>
    private void PackColumns(byte* x, int n, int g, int c0, int nc, int panels, short* dst)
    {
        var win = _p.Window;
        int kw = win.Kernel[2], h = win.Input[1], w = win.Input[2], ow0 = win.Output[2];
        int sh = win.Stride[1], sw = win.Stride[2], dh = win.Dilation[1], dw = win.Dilation[2];
        int pt = win.PadBegin[1], pl = win.PadBegin[2];
        int kg = _p.InChannelsPerGroup * _kernelSize;
        int panelShorts = _kPairs * 2 * Int8MicroKernels.Panel;
        bool simd = sw == 1 && _isa >= Isa.Vector128 && Sse2.IsSupported;
        byte* groupBase = x + (long)(n * _p.InChannels + g * _p.InChannelsPerGroup) * h * w;
        for (int kk = 0; kk < _kPairs; kk++)
        {
            Tap t0 = TapOf(2 * kk, kg, kw, groupBase, h * w), t1 = TapOf(2 * kk + 1, kg, kw, groupBase, h * w);
            short* pair = dst + kk * 2 * Int8MicroKernels.Panel;
            int oh = c0 / ow0, ow = c0 % ow0;
            for (int p = 0; p < panels; p++)
            {
                short* d = pair + p * panelShorts;
                int cols = Math.Min(Int8MicroKernels.Panel, nc - p * Int8MicroKernels.Panel);
                bool done = false;
                if (simd && cols == Int8MicroKernels.Panel && ow + Int8MicroKernels.Panel <= ow0)
                {
                    byte* r0 = Row(t0, oh, ow, sh, dh, dw, pt, pl, h, w);
                    byte* r1 = t1.Valid ? Row(t1, oh, ow, sh, dh, dw, pt, pl, h, w) : null;
                    if (r0 != null && (r1 != null || !t1.Valid))
                    {
                        var zp = Vector128.Create((short)_xZp);
                        var a = Widen(r0) - zp;
                        var b = r1 != null ? Widen(r1) - zp : Vector128<short>.Zero;
                        Sse2.UnpackLow(a, b).Store(d);
                        Sse2.UnpackHigh(a, b).Store(d + 8);
                        done = true;
                    }
                }
                if (!done)
                {
                    int cOh = oh, cOw = ow;
                    for (int c = 0; c < Int8MicroKernels.Panel; c++)
                    {
                        bool live = c < cols;
                        d[2 * c] = live ? Value(t0, cOh, cOw, sh, sw, dh, dw, pt, pl, h, w) : (short)0;
                        d[2 * c + 1] = live ? Value(t1, cOh, cOw, sh, sw, dh, dw, pt, pl, h, w) : (short)0;
                        if (++cOw == ow0) { cOw = 0; cOh++; }
                    }
                }
                ow += Int8MicroKernels.Panel;
                while (ow >= ow0) { ow -= ow0; oh++; }
            }
        }
    }

    /// <summary>One reduction index k of the im2col matrix: its input plane and kernel offsets (Valid false for the pad row).</summary>
    private readonly struct Tap(bool valid, byte* plane, int ky, int kx)
    {
        public readonly bool Valid = valid;
        public readonly byte* Plane = plane;
        public readonly int Ky = ky, Kx = kx;
    }

    private Tap TapOf(int k, int kg, int kw, byte* groupBase, int planeSize)
    {
        if (k >= kg) return new Tap(false, null, 0, 0);
        int ci = k / _kernelSize, t = k % _kernelSize;
        return new Tap(true, groupBase + (long)ci * planeSize, t / kw, t % kw);
    }

    /// <summary>The input row segment of 8 stride-1 columns starting at output (oh, ow), or null if any tap falls in padding.</summary>
    private static byte* Row(Tap t, int oh, int ow, int sh, int dh, int dw, int pt, int pl, int h, int w)
    {
        int ih = oh * sh - pt + t.Ky * dh, iw = ow - pl + t.Kx * dw;
        if ((uint)ih >= (uint)h || iw < 0 || iw + Int8MicroKernels.Panel > w) return null;
        return t.Plane + ih * w + iw;
    }

    private short Value(Tap t, int oh, int ow, int sh, int sw, int dh, int dw, int pt, int pl, int h, int w)
    {
        if (!t.Valid) return 0;
        int ih = oh * sh - pt + t.Ky * dh, iw = ow * sw - pl + t.Kx * dw;
        return (uint)ih < (uint)h && (uint)iw < (uint)w ? (short)(QuantParams.Load(t.Plane, ih * w + iw, _xSigned) - _xZp) : (short)0;
    }

    private Vector128<short> Widen(byte* p)
    {
        var bytes = Vector128.CreateScalar(*(long*)p).AsByte();
        return _xSigned ? Vector128.WidenLower(bytes.AsSByte()) : Vector128.WidenLower(bytes).AsInt16();
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
            if ((uint)ih >= (uint)h)
            {
                new Span<int>(prow, pw).Clear();
                continue;
            }
            // Columns [pl, pl + w) hold the row (clipped to the plane), the rest are padding zeros.
            int first = Math.Min(pl, pw), count = Math.Max(0, Math.Min(w, pw - pl));
            new Span<int>(prow, first).Clear();
            QuantizeKernels.WidenRow(_isa, src + ih * w, count, _xZp, _xSigned, prow + first);
            new Span<int>(prow + first + count, pw - first - count).Clear();
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
