using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Binary;

/// <summary>
/// The inner loops of the byte-planar binary convolution: for a block of <see cref="PlanarLayout.Block"/> output
/// channels and up to <see cref="PlanarLayout.MaxChunk"/> steps, sweep a strip of output positions one vector at a
/// time, counting mismatches into eight byte accumulators held in registers, and widen them into 16-bit sums once
/// per chunk.
/// </summary>
internal static unsafe class PlanarSweep
{
    /// <summary>Nibble tables: entry k (32 bytes, the 16-byte table twice) holds popcount(i XOR k) for i = 0..15.</summary>
    private static readonly byte[] NibbleTables = CreateNibbleTables();

    private static byte[] CreateNibbleTables()
    {
        var t = GC.AllocateArray<byte>(16 * 32, pinned: true);
        for (int k = 0; k < 16; k++)
            for (int i = 0; i < 32; i++) t[k * 32 + i] = (byte)System.Numerics.BitOperations.PopCount((uint)((i & 15) ^ k));
        return t;
    }

    /// <summary>
    /// Writes the lookup tables of <paramref name="steps"/> steps × 8 channels: for step s and channel j, the low-nibble
    /// table at (s·16 + 2j)·<paramref name="vectorBytes"/> and the high-nibble one right after.
    /// </summary>
    [MethodImpl(HotCode.Options)]
    public static void BuildTables(byte* weightBytes, int steps, byte* tables, int vectorBytes)
    {
        fixed (byte* nib = NibbleTables)
        {
            for (int i = 0; i < steps * PlanarLayout.Block; i++)
            {
                byte w = weightBytes[i];
                byte* dst = tables + 2L * i * vectorBytes;
                Vector128.Load(nib + (w & 15) * 32).Store(dst);
                Vector128.Load(nib + (w >> 4) * 32).Store(dst + vectorBytes);
                if (vectorBytes == 32)
                {
                    Vector128.Load(nib + (w & 15) * 32).Store(dst + 16);
                    Vector128.Load(nib + (w >> 4) * 32).Store(dst + 48);
                }
            }
        }
    }

    /// <summary>
    /// Table path: <paramref name="vectors"/> vectors starting at <paramref name="x"/> (strip positions), steps at
    /// <paramref name="offsets"/>, tables from <see cref="BuildTables"/>; channel j's sums at <paramref name="sums"/> + j·<paramref name="stride"/>.
    /// </summary>
    [MethodImpl(HotCode.Options)]
    public static void Sweep<T, L>(byte* x, int vectors, int* offsets, int steps, byte* tables, ushort* sums, int stride)
        where T : struct where L : ITableLanes<T>
    {
        int v = L.Pixels;
        for (int i = 0; i < vectors; i++, x += v, sums += v)
        {
            T a0 = L.Zero, a1 = L.Zero, a2 = L.Zero, a3 = L.Zero, a4 = L.Zero, a5 = L.Zero, a6 = L.Zero, a7 = L.Zero;
            byte* t = tables;
            for (int s = 0; s < steps; s++, t += 16 * v)
            {
                T input = L.Load(x + offsets[s]);
                T lo = L.LowNibble(input), hi = L.HighNibble(input);
                a0 = L.Add(a0, L.Add(L.Lookup(L.Load(t), lo), L.Lookup(L.Load(t + v), hi)));
                a1 = L.Add(a1, L.Add(L.Lookup(L.Load(t + 2 * v), lo), L.Lookup(L.Load(t + 3 * v), hi)));
                a2 = L.Add(a2, L.Add(L.Lookup(L.Load(t + 4 * v), lo), L.Lookup(L.Load(t + 5 * v), hi)));
                a3 = L.Add(a3, L.Add(L.Lookup(L.Load(t + 6 * v), lo), L.Lookup(L.Load(t + 7 * v), hi)));
                a4 = L.Add(a4, L.Add(L.Lookup(L.Load(t + 8 * v), lo), L.Lookup(L.Load(t + 9 * v), hi)));
                a5 = L.Add(a5, L.Add(L.Lookup(L.Load(t + 10 * v), lo), L.Lookup(L.Load(t + 11 * v), hi)));
                a6 = L.Add(a6, L.Add(L.Lookup(L.Load(t + 12 * v), lo), L.Lookup(L.Load(t + 13 * v), hi)));
                a7 = L.Add(a7, L.Add(L.Lookup(L.Load(t + 14 * v), lo), L.Lookup(L.Load(t + 15 * v), hi)));
            }
            Widen<T, L>(sums, stride, a0, a1, a2, a3, a4, a5, a6, a7);
        }
    }

    /// <summary>Native-count path (ARM): popcount(x XOR broadcast weight byte); weights [step][8].</summary>
    [MethodImpl(HotCode.Options)]
    public static void SweepNative<T, L>(byte* x, int vectors, int* offsets, int steps, byte* weightBytes, ushort* sums, int stride)
        where T : struct where L : ITableLanes<T>
    {
        int v = L.Pixels;
        for (int i = 0; i < vectors; i++, x += v, sums += v)
        {
            T a0 = L.Zero, a1 = L.Zero, a2 = L.Zero, a3 = L.Zero, a4 = L.Zero, a5 = L.Zero, a6 = L.Zero, a7 = L.Zero;
            byte* w = weightBytes;
            for (int s = 0; s < steps; s++, w += PlanarLayout.Block)
            {
                T input = L.Load(x + offsets[s]);
                a0 = L.Add(a0, L.CountNative(input, w));
                a1 = L.Add(a1, L.CountNative(input, w + 1));
                a2 = L.Add(a2, L.CountNative(input, w + 2));
                a3 = L.Add(a3, L.CountNative(input, w + 3));
                a4 = L.Add(a4, L.CountNative(input, w + 4));
                a5 = L.Add(a5, L.CountNative(input, w + 5));
                a6 = L.Add(a6, L.CountNative(input, w + 6));
                a7 = L.Add(a7, L.CountNative(input, w + 7));
            }
            Widen<T, L>(sums, stride, a0, a1, a2, a3, a4, a5, a6, a7);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Widen<T, L>(ushort* sums, int stride, T a0, T a1, T a2, T a3, T a4, T a5, T a6, T a7)
        where T : struct where L : ITableLanes<T>
    {
        L.AddWidened(a0, sums);
        L.AddWidened(a1, sums + stride);
        L.AddWidened(a2, sums + 2 * stride);
        L.AddWidened(a3, sums + 3 * stride);
        L.AddWidened(a4, sums + 4 * stride);
        L.AddWidened(a5, sums + 5 * stride);
        L.AddWidened(a6, sums + 6 * stride);
        L.AddWidened(a7, sums + 7 * stride);
    }
}
