using System.Numerics;
using System.Runtime.CompilerServices;

namespace Bramble.Kernels.Binary;

/// <summary>
/// Where one output pixel's receptive field lies in a bit-packed image: <see cref="Count"/> runs of
/// <see cref="Length"/> words at word offsets <see cref="Offsets"/> from the pixel's base. With unit dilation
/// along W a run is a whole kernel row (KW·⌈C/64⌉ contiguous words); the weights of one output channel are
/// the same runs concatenated.
/// </summary>
internal readonly unsafe struct Receptive(int* offsets, int count, int length)
{
    public readonly int* Offsets = offsets;
    public readonly int Count = count;
    public readonly int Length = length;
}

/// <summary>
/// Popcount micro-kernels: for a block of output pixels × output channels, Σ popcount(x XOR w) over the
/// receptive field. Input vectors are loaded once per block and reused for every channel; counts stay
/// narrow in registers for up to <see cref="IPopLanes{T}.MaxSteps"/> steps before they are widened.
/// </summary>
internal static unsafe class BinaryDot
{
    /// <summary>2 pixels (x0, x1) × 4 channels (w, w + k, w + 2k, w + 3k); totals[p·4 + q].</summary>
    [MethodImpl(HotCode.Options)]
    public static void Block2x4<T, L>(ulong* x0, ulong* x1, ulong* w, int k, in Receptive r, int* totals)
        where T : struct where L : IPopLanes<T>
    {
        T a00 = L.Zero, a01 = L.Zero, a02 = L.Zero, a03 = L.Zero, a10 = L.Zero, a11 = L.Zero, a12 = L.Zero, a13 = L.Zero;
        T lut = L.Table, nib = L.LowNibbles;
        int steps = 0, len = r.Length, vecEnd = len - len % L.Words;
        for (int s = 0; s < r.Count; s++)
        {
            ulong* p0 = x0 + r.Offsets[s], p1 = x1 + r.Offsets[s], ws = w + s * len;
            for (int i = 0; i < vecEnd; i += L.Words)
            {
                T v0 = L.Load(p0 + i), v1 = L.Load(p1 + i);
                T u = L.Load(ws + i);
                a00 = L.Add(a00, L.CountXor(v0, u, lut, nib)); a10 = L.Add(a10, L.CountXor(v1, u, lut, nib));
                u = L.Load(ws + k + i);
                a01 = L.Add(a01, L.CountXor(v0, u, lut, nib)); a11 = L.Add(a11, L.CountXor(v1, u, lut, nib));
                u = L.Load(ws + 2 * k + i);
                a02 = L.Add(a02, L.CountXor(v0, u, lut, nib)); a12 = L.Add(a12, L.CountXor(v1, u, lut, nib));
                u = L.Load(ws + 3 * k + i);
                a03 = L.Add(a03, L.CountXor(v0, u, lut, nib)); a13 = L.Add(a13, L.CountXor(v1, u, lut, nib));
                if (++steps == L.MaxSteps)
                {
                    totals[0] += L.Sum(a00); totals[1] += L.Sum(a01); totals[2] += L.Sum(a02); totals[3] += L.Sum(a03);
                    totals[4] += L.Sum(a10); totals[5] += L.Sum(a11); totals[6] += L.Sum(a12); totals[7] += L.Sum(a13);
                    a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = L.Zero;
                    steps = 0;
                }
            }
            for (int i = vecEnd; i < len; i++)
            {
                ulong v0 = p0[i], v1 = p1[i];
                for (int q = 0; q < 4; q++)
                {
                    ulong u = ws[q * k + i];
                    totals[q] += BitOperations.PopCount(v0 ^ u);
                    totals[4 + q] += BitOperations.PopCount(v1 ^ u);
                }
            }
        }
        totals[0] += L.Sum(a00); totals[1] += L.Sum(a01); totals[2] += L.Sum(a02); totals[3] += L.Sum(a03);
        totals[4] += L.Sum(a10); totals[5] += L.Sum(a11); totals[6] += L.Sum(a12); totals[7] += L.Sum(a13);
    }

    /// <summary>1 pixel × 4 channels; totals[q].</summary>
    [MethodImpl(HotCode.Options)]
    public static void Block1x4<T, L>(ulong* x0, ulong* w, int k, in Receptive r, int* totals)
        where T : struct where L : IPopLanes<T>
    {
        T a0 = L.Zero, a1 = L.Zero, a2 = L.Zero, a3 = L.Zero;
        T lut = L.Table, nib = L.LowNibbles;
        int steps = 0, len = r.Length, vecEnd = len - len % L.Words;
        for (int s = 0; s < r.Count; s++)
        {
            ulong* p0 = x0 + r.Offsets[s], ws = w + s * len;
            for (int i = 0; i < vecEnd; i += L.Words)
            {
                T v0 = L.Load(p0 + i);
                a0 = L.Add(a0, L.CountXor(v0, L.Load(ws + i), lut, nib));
                a1 = L.Add(a1, L.CountXor(v0, L.Load(ws + k + i), lut, nib));
                a2 = L.Add(a2, L.CountXor(v0, L.Load(ws + 2 * k + i), lut, nib));
                a3 = L.Add(a3, L.CountXor(v0, L.Load(ws + 3 * k + i), lut, nib));
                if (++steps == L.MaxSteps)
                {
                    totals[0] += L.Sum(a0); totals[1] += L.Sum(a1); totals[2] += L.Sum(a2); totals[3] += L.Sum(a3);
                    a0 = a1 = a2 = a3 = L.Zero;
                    steps = 0;
                }
            }
            for (int i = vecEnd; i < len; i++)
                for (int q = 0; q < 4; q++)
                    totals[q] += BitOperations.PopCount(p0[i] ^ ws[q * k + i]);
        }
        totals[0] += L.Sum(a0); totals[1] += L.Sum(a1); totals[2] += L.Sum(a2); totals[3] += L.Sum(a3);
    }

    /// <summary>1 pixel × 1 channel: the leftovers.</summary>
    public static int Block1x1<T, L>(ulong* x0, ulong* w, in Receptive r)
        where T : struct where L : IPopLanes<T>
    {
        T a = L.Zero;
        T lut = L.Table, nib = L.LowNibbles;
        int total = 0, steps = 0, len = r.Length, vecEnd = len - len % L.Words;
        for (int s = 0; s < r.Count; s++)
        {
            ulong* p0 = x0 + r.Offsets[s], ws = w + s * len;
            for (int i = 0; i < vecEnd; i += L.Words)
            {
                a = L.Add(a, L.CountXor(L.Load(p0 + i), L.Load(ws + i), lut, nib));
                if (++steps == L.MaxSteps)
                {
                    total += L.Sum(a);
                    a = L.Zero;
                    steps = 0;
                }
            }
            for (int i = vecEnd; i < len; i++) total += BitOperations.PopCount(p0[i] ^ ws[i]);
        }
        return total + L.Sum(a);
    }
}
