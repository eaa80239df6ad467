using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Int8;

public sealed unsafe partial class Int8Conv
{
    /// <summary>
    /// Depthwise sums are accumulated in float32, which is exact — every product (x − x_zp)(w − w_zp) and
    /// every partial sum is an integer of magnitude ≤ taps · 255 · 255 &lt; 2^24 — and runs at the FMA rate
    /// (the int32 alternative needs vpmulld, half the throughput). Larger kernels keep the reference path.
    /// </summary>
    private static bool DepthwiseSumsExactInFloat(int taps) => (long)taps * 255 * 255 < 1 << 24;

    /// <summary>
    /// Depthwise: channel <paramref name="c"/> of image <paramref name="n"/>. The zero-padded plane is widened
    /// to float once, split by column phase (column j goes to phase j mod stride at j / stride) so that every
    /// tap of a strided convolution reads contiguous memory; then each output row is Σ taps · shifted rows.
    /// </summary>
    private void RunDepthwise(byte* x, byte* y, int n, int c)
    {
        var win = _p.Window;
        int kh = win.Kernel[1], kw = win.Kernel[2], h = win.Input[1], w = win.Input[2];
        int oh0 = win.Output[1], ow0 = win.Output[2];
        int sh = win.Stride[1], sw = win.Stride[2], dh = win.Dilation[1], dw = win.Dilation[2];
        int pt = win.PadBegin[1], pl = win.PadBegin[2];
        int ph = (oh0 - 1) * sh + (kh - 1) * dh + 1;
        int pw = (ow0 - 1) * sw + (kw - 1) * dw + 1;
        // A phase row: ceil(pw / sw) columns + 8 so that vector loads of the last outputs stay inside the row.
        int qw = (pw + sw - 1) / sw + 8;
        int rowFloats = sw * qw;
        int* scratch = Scratch(ph * rowFloats + pw + 8 + ow0 + 8, out var pin);
        float* plane = (float*)scratch;
        float* line = plane + ph * rowFloats;
        int* acc = (int*)(line + pw + 8);
        byte* src = x + (long)(n * _p.InChannels + c) * h * w;
        for (int r = 0; r < ph; r++)
        {
            int ih = r - pt;
            float* prow = plane + (long)r * rowFloats;
            // Stride 1 widens straight into the plane; other strides widen into a line and deal it out by phase.
            float* dst = sw == 1 ? prow : line;
            new Span<float>(dst, pw + 8).Clear();
            if ((uint)ih < (uint)h)
            {
                int first = Math.Min(pl, pw), count = Math.Max(0, Math.Min(w, pw - pl));
                WidenToFloat(src + (long)ih * w, count, dst + first);
            }
            if (sw != 1)
                for (int phase = 0; phase < sw; phase++)
                {
                    float* q = prow + phase * qw;
                    for (int i = 0, j = phase; i < qw; i++, j += sw) q[i] = j < pw ? line[j] : 0f;
                }
        }
        byte* dstPlane = y + (long)(n * _p.OutChannels + c) * oh0 * ow0;
        // Offsets of the taps from an output row's first plane row (≤ 258 taps, see DepthwiseSumsExactInFloat).
        int* offsets = stackalloc int[_kernelSize];
        for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
                offsets[ky * kw + kx] = ky * dh * rowFloats + (kx * dw % sw) * qw + kx * dw / sw;
        int kernelSize = _kernelSize;
        fixed (float* taps = &_taps[c * _kernelSize])
        {
            for (int oh = 0; oh < oh0; oh++)
            {
                float* rows = plane + (long)oh * sh * rowFloats;
                int ow = 0;
                if (_isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated)
                {
                    // Four independent sums: one chain of dependent FMAs would wait on FMA latency at every tap.
                    for (; ow + 32 <= ow0; ow += 32)
                    {
                        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
                        for (int t = 0; t < kernelSize; t++)
                        {
                            float* r = rows + offsets[t] + ow;
                            var tap = Vector256.Create(taps[t]);
                            s0 = MulAdd(Vector256.Load(r), tap, s0);
                            s1 = MulAdd(Vector256.Load(r + 8), tap, s1);
                            s2 = MulAdd(Vector256.Load(r + 16), tap, s2);
                            s3 = MulAdd(Vector256.Load(r + 24), tap, s3);
                        }
                        Vector256.ConvertToInt32(s0).Store(acc + ow);
                        Vector256.ConvertToInt32(s1).Store(acc + ow + 8);
                        Vector256.ConvertToInt32(s2).Store(acc + ow + 16);
                        Vector256.ConvertToInt32(s3).Store(acc + ow + 24);
                    }
                    // The last vector may run past ow0: the rows' 8-column slack makes that safe, and acc has room for
                    // the extra lanes, which requantization ignores. Narrow 7- and 14-wide maps need no scalar tail.
                    for (; ow < ow0; ow += 8)
                    {
                        var sum = Vector256<float>.Zero;
                        for (int t = 0; t < kernelSize; t++)
                            sum = MulAdd(Vector256.Load(rows + offsets[t] + ow), Vector256.Create(taps[t]), sum);
                        Vector256.ConvertToInt32(sum).Store(acc + ow);
                    }
                }
                else if (_isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
                    for (; ow < ow0; ow += 4)
                    {
                        var sum = Vector128<float>.Zero;
                        for (int t = 0; t < kernelSize; t++)
                            sum += Vector128.Load(rows + offsets[t] + ow) * Vector128.Create(taps[t]);
                        Vector128.ConvertToInt32(sum).Store(acc + ow);
                    }
                for (; ow < ow0; ow++)
                {
                    float sum = 0;
                    for (int t = 0; t < kernelSize; t++) sum += rows[offsets[t] + ow] * taps[t];
                    acc[ow] = (int)sum;
                }
                RequantizeRow.Run(_isa, acc, ow0, _bias[c], _multiplier[c], _yZp, _lo, _hi, dstPlane + oh * ow0, _ySigned);
            }
        }
        GC.KeepAlive(pin);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;

    /// <summary>dst[i] = src[i] − x_zp as float for i &lt; count.</summary>
    private void WidenToFloat(byte* src, int count, float* dst)
    {
        int i = 0;
        if (_isa >= Isa.Vector256 && Avx2.IsSupported)
        {
            var zp = Vector256.Create(_xZp);
            for (; i + 8 <= count; i += 8)
            {
                var wide = _xSigned ? Avx2.ConvertToVector256Int32((sbyte*)(src + i)) : Avx2.ConvertToVector256Int32(src + i);
                Avx.ConvertToVector256Single(Avx2.Subtract(wide, zp)).Store(dst + i);
            }
        }
        for (; i < count; i++) dst[i] = (_xSigned ? ((sbyte*)src)[i] : src[i]) - _xZp;
    }
}
