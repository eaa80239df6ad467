using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Bramble.Ops.Quantized;

namespace Bramble.Kernels.Int8;

public sealed unsafe partial class Int8Conv
{
    /// <summary>
    /// im2col of a column block into int16 pairs: for column c and reduction index k, the value lands in
    /// panel c/8, pair k/2, lane c%8, half k%2; padding taps and the pad row (odd K) hold 0 (= x_zp).
    /// Two passes per pair of reduction indices: each index's row of the im2col matrix is gathered into a
    /// contiguous int16 row (whole output-row segments at once: zero runs for the padding, a widening copy
    /// for the in-bounds part), then the two rows are interleaved into the panels. Gathering whole segments
    /// keeps every shape on the SIMD path — narrow 7- and 14-wide feature maps and padded edges included,
    /// which the earlier per-8-column approach sent to a per-element loop.
    /// </summary>
    private void PackColumns(byte* x, int n, int g, int c0, int nc, int panels, short* dst, short* rows)
    {
        int kg = _p.InChannelsPerGroup * _kernelSize;
        int width = panels * Int8MicroKernels.Panel;
        short* r0 = rows, r1 = rows + width;
        int planeSize = _p.Window.Input[1] * _p.Window.Input[2];
        byte* groupBase = x + (long)(n * _p.InChannels + g * _p.InChannelsPerGroup) * planeSize;
        for (int kk = 0; kk < _kPairs; kk++)
        {
            GatherRow(groupBase, planeSize, 2 * kk, c0, nc, width, r0);
            if (2 * kk + 1 < kg) GatherRow(groupBase, planeSize, 2 * kk + 1, c0, nc, width, r1);
            else new Span<short>(r1, width).Clear();
            Interleave(r0, r1, panels, dst + kk * 2 * Int8MicroKernels.Panel, _kPairs * 2 * Int8MicroKernels.Panel);
        }
    }

    /// <summary>Row k of the im2col matrix for columns [c0, c0 + nc), as x − x_zp in int16, zero-filled up to <paramref name="width"/>.</summary>
    private void GatherRow(byte* groupBase, int planeSize, int k, int c0, int nc, int width, short* row)
    {
        var win = _p.Window;
        int ci = k / _kernelSize, t = k % _kernelSize;
        int kw = win.Kernel[2], ky = t / kw, kx = t % kw;
        int h = win.Input[1], w = win.Input[2], ow0 = win.Output[2];
        int sh = win.Stride[1], sw = win.Stride[2];
        byte* plane = groupBase + (long)ci * planeSize;
        if (_pointwise)
        {
            // 1×1, stride 1, no padding: the block's columns are one contiguous run of the input plane.
            WidenSegment(plane + c0, nc, row);
        }
        else
        {
            int rowOffset = ky * win.Dilation[1] - win.PadBegin[1];
            int colOffset = kx * win.Dilation[2] - win.PadBegin[2];
            // Output columns whose input column iw = ow·sw + colOffset lies in [0, w).
            int owLo = colOffset >= 0 ? 0 : (-colOffset + sw - 1) / sw;
            int owHi = w - 1 - colOffset < 0 ? 0 : Math.Min(ow0, (w - 1 - colOffset) / sw + 1);
            int oh = c0 / ow0, ow = c0 % ow0, done = 0;
            while (done < nc)
            {
                int count = Math.Min(ow0 - ow, nc - done);
                short* d = row + done;
                int ih = oh * sh + rowOffset;
                if ((uint)ih >= (uint)h || owHi <= owLo) new Span<short>(d, count).Clear();
                else
                {
                    int lo = Math.Clamp(owLo - ow, 0, count), hi = Math.Clamp(owHi - ow, lo, count);
                    new Span<short>(d, lo).Clear();
                    byte* src = plane + (long)ih * w + (ow + lo) * sw + colOffset;
                    if (sw == 1) WidenSegment(src, hi - lo, d + lo);
                    else for (int i = lo; i < hi; i++) d[i] = (short)(QuantParams.Load(src, (long)(i - lo) * sw, _xSigned) - _xZp);
                    new Span<short>(d + hi, count - hi).Clear();
                }
                done += count;
                ow = 0;
                oh++;
            }
        }
        new Span<short>(row + nc, width - nc).Clear();
    }

    /// <summary>row[i] = src[i] − x_zp for i &lt; count, widened to int16 (SIMD where the ISA cap allows).</summary>
    private void WidenSegment(byte* src, int count, short* row)
    {
        int i = 0;
        if (_isa >= Isa.Vector256 && Avx2.IsSupported)
        {
            var zp = Vector256.Create((short)_xZp);
            for (; i + 16 <= count; i += 16)
            {
                var bytes = Sse2.LoadVector128(src + i);
                var wide = _xSigned ? Avx2.ConvertToVector256Int16(bytes.AsSByte()) : Avx2.ConvertToVector256Int16(bytes);
                Avx2.Subtract(wide, zp).Store(row + i);
            }
        }
        else if (_isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
        {
            var zp = Vector128.Create((short)_xZp);
            for (; i + 8 <= count; i += 8)
            {
                var bytes = Vector128.CreateScalar(*(long*)(src + i)).AsByte();
                var wide = _xSigned ? Vector128.WidenLower(bytes.AsSByte()) : Vector128.WidenLower(bytes).AsInt16();
                (wide - zp).Store(row + i);
            }
        }
        for (; i < count; i++) row[i] = (short)(QuantParams.Load(src, i, _xSigned) - _xZp);
    }

    /// <summary>Writes the pairs (r0[c], r1[c]) of every 8-column panel: panel p's pair block starts at dst + p·panelShorts.</summary>
    private void Interleave(short* r0, short* r1, int panels, short* dst, int panelShorts)
    {
        const int P = Int8MicroKernels.Panel;
        if (_isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
        {
            for (int p = 0; p < panels; p++)
            {
                var a = Vector128.Load(r0 + p * P);
                var b = Vector128.Load(r1 + p * P);
                short* d = dst + (long)p * panelShorts;
                if (Sse2.IsSupported)
                {
                    Sse2.UnpackLow(a, b).Store(d);
                    Sse2.UnpackHigh(a, b).Store(d + P);
                }
                else
                {
                    // Pairs as one int32 each: low half from r0, high half from r1 (little-endian lanes).
                    var (al, ah) = Vector128.Widen(a);
                    var (bl, bh) = Vector128.Widen(b);
                    ((al & Vector128.Create(0xFFFF)) | (bl << 16)).AsInt16().Store(d);
                    ((ah & Vector128.Create(0xFFFF)) | (bh << 16)).AsInt16().Store(d + P);
                }
            }
            return;
        }
        for (int p = 0; p < panels; p++)
        {
            short* d = dst + (long)p * panelShorts;
            for (int c = 0; c < P; c++)
            {
                d[2 * c] = r0[p * P + c];
                d[2 * c + 1] = r1[p * P + c];
            }
        }
    }
}
