using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Bramble.Ops.Quantized;

namespace Bramble.Kernels.Int8;

/// <summary>Writing the channel planes of <see cref="Int8Conv"/>'s plane path: one pass over the input per run.</summary>
public sealed unsafe partial class Int8Conv
{
    /// <summary>The activation zero point as stored in quad planes (int8 activations move to uint8 by +128).</summary>
    private int QuadZeroPoint => _xSigned ? _xZp + 128 : _xZp;

    /// <summary>Plane <paramref name="g"/>: the used phases' rows of channel groups, the zero point's value in the padding.</summary>
    private void BuildPlane(byte* x, int* plane, int g)
    {
        var win = _p.Window;
        int h = win.Input[1], w = win.Input[2], pt = win.PadBegin[1], pl = win.PadBegin[2];
        int sh = win.Stride[1], sw = win.Stride[2], lanes = _quads ? 4 : 2;
        long planeSize = (long)h * w;
        // The group's channel planes; a channel past the last is null (its weights are zero).
        byte** channels = stackalloc byte*[4];
        for (int j = 0; j < lanes; j++) channels[j] = g * lanes + j < _p.InChannels ? x + (g * lanes + j) * planeSize : null;
        int fill = _quads ? QuadZeroPoint * 0x01010101 : 0;
        for (int phase = 0; phase < _phaseUsed.Length; phase++)
        {
            if (!_phaseUsed[phase]) continue;
            int py = phase / sw, px = phase % sw;
            // Grid columns j whose input column iw = px + j·sw − pl lies in [0, w).
            int jLo = Math.Min(_wq, Math.Max(0, (pl - px + sw - 1) / sw));
            int jHi = Math.Clamp((w + pl - px + sw - 1) / sw, jLo, _wq);
            int* rows = plane + (long)phase * _phaseInts;
            for (int i = 0; i < _hq; i++)
            {
                int* row = rows + (long)i * _wq;
                int ih = py + i * sh - pt;
                if ((uint)ih >= (uint)h || jHi == jLo)
                {
                    new Span<int>(row, _wq).Fill(fill);
                    continue;
                }
                new Span<int>(row, jLo).Fill(fill);
                long start = (long)ih * w + px + jLo * sw - pl;
                if (_quads) QuadRow(channels, start, sw, jHi - jLo, row + jLo);
                else PairRow(channels, start, sw, jHi - jLo, row + jLo);
                new Span<int>(row + jHi, _wq - jHi).Fill(fill);
            }
        }
    }

    /// <summary>dst[i] = pair(c0[start + i·step] − zp, c1[start + i·step] − zp) for i &lt; count (a null channel gives 0).</summary>
    private void PairRow(byte** channels, long start, int step, int count, int* dst)
    {
        byte* a = channels[0] + start, b = channels[1] == null ? null : channels[1] + start;
        int i = 0;
        if (step == 1 && _isa >= Isa.Vector256 && Avx2.IsSupported)
        {
            var zp = Vector256.Create(_xZp);
            var low = Vector256.Create(0xFFFF);
            for (; i + 8 <= count; i += 8)
            {
                var lo = Avx2.And(Avx2.Subtract(Widen8(a + i), zp), low);
                var hi = b == null ? Vector256<int>.Zero : Avx2.ShiftLeftLogical(Avx2.Subtract(Widen8(b + i), zp), 16);
                Avx.Store(dst + i, Avx2.Or(lo, hi));
            }
        }
        else if (step == 1 && _isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
        {
            var zp = Vector128.Create(_xZp);
            var low = Vector128.Create(0xFFFF);
            for (; i + 4 <= count; i += 4)
            {
                var lo = (Widen4(a + i) - zp) & low;
                var hi = b == null ? Vector128<int>.Zero : (Widen4(b + i) - zp) << 16;
                (lo | hi).Store(dst + i);
            }
        }
        for (; i < count; i++)
        {
            int lo = QuantParams.Load(a, (long)i * step, _xSigned) - _xZp;
            int hi = b == null ? 0 : QuantParams.Load(b, (long)i * step, _xSigned) - _xZp;
            dst[i] = Int8MicroKernels.Pair(lo, hi);
        }
    }

    private Vector256<int> Widen8(byte* p) => ByteWidening.Widen8(p, _xSigned);

    private Vector128<int> Widen4(byte* p) => ByteWidening.Widen4(p, _xSigned);

    /// <summary>
    /// dst[i] = the bytes of channels 0–3 at start + i·step, as uint8 (int8 activations + 128), a null channel
    /// giving the zero point. Byte unpacks interleave 16 pixels of four channels at a time (step 1, or step 2 — the
    /// phases of a stride-2 convolution — with the even bytes picked first).
    /// </summary>
    private void QuadRow(byte** channels, long start, int step, int count, int* dst)
    {
        byte zp = (byte)QuadZeroPoint;
        byte flip = (byte)(_xSigned ? 0x80 : 0);
        int i = 0;
        if (step is 1 or 2 && Sse2.IsSupported && _isa >= Isa.Vector128)
        {
            var vzp = Vector128.Create(zp);
            var vflip = Vector128.Create(flip);
            // Stride 2 reads 32 bytes for 16 pixels, the last one past the last pixel: stop a pixel early.
            for (; i + 16 + (step - 1) <= count; i += 16)
            {
                long at = start + (long)i * step;
                var c0 = Load16(channels[0], at, step, vzp, vflip);
                var c1 = Load16(channels[1], at, step, vzp, vflip);
                var c2 = Load16(channels[2], at, step, vzp, vflip);
                var c3 = Load16(channels[3], at, step, vzp, vflip);
                var lo01 = Sse2.UnpackLow(c0, c1).AsInt16();
                var hi01 = Sse2.UnpackHigh(c0, c1).AsInt16();
                var lo23 = Sse2.UnpackLow(c2, c3).AsInt16();
                var hi23 = Sse2.UnpackHigh(c2, c3).AsInt16();
                Sse2.UnpackLow(lo01, lo23).AsInt32().Store(dst + i);
                Sse2.UnpackHigh(lo01, lo23).AsInt32().Store(dst + i + 4);
                Sse2.UnpackLow(hi01, hi23).AsInt32().Store(dst + i + 8);
                Sse2.UnpackHigh(hi01, hi23).AsInt32().Store(dst + i + 12);
            }
        }
        for (; i < count; i++)
        {
            int word = 0;
            for (int j = 0; j < 4; j++)
                word |= (channels[j] == null ? zp : channels[j][start + (long)i * step] ^ flip) << (8 * j);
            dst[i] = word;
        }
    }

    /// <summary>16 bytes of a channel row from <paramref name="at"/>, every one (step 1) or every other one (step 2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Load16(byte* channel, long at, int step, Vector128<byte> zp, Vector128<byte> flip)
    {
        if (channel == null) return zp;
        if (step == 1) return Sse2.Xor(Sse2.LoadVector128(channel + at), flip);
        // The even bytes of 32: mask each 16-bit lane to its low byte, then pack (no saturation can occur).
        var low = Vector128.Create((short)0xFF);
        var even0 = Sse2.And(Sse2.LoadVector128((short*)(channel + at)), low);
        var even1 = Sse2.And(Sse2.LoadVector128((short*)(channel + at + 16)), low);
        return Sse2.Xor(Sse2.PackUnsignedSaturate(even0, even1), flip);
    }
}
