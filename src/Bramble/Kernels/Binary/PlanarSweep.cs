using System.Runtime.CompilerServices;

namespace Bramble.Kernels.Binary;

/// <summary>
/// The inner loops of the planar binary convolution: for a block of <see cref="PlanarLayout.Block"/> output channels
/// and one chunk of steps, sweep a strip of output positions two vectors at a time. The register tile is 2 pixel
/// vectors × 4 channels: each step loads 2 input vectors and 4 operands for 8 counts, where one vector × 8 channels
/// loads 9 for 8 (the loads, not the shuffles, bounded the sweep), and it needs 8 accumulators + 2 inputs + 1
/// operand, within x86's 16 vector registers. Byte accumulators take a chunk of steps and are then widened into
/// 16-bit sums.
/// </summary>
internal static unsafe class PlanarSweep
{
    /// <summary>Input vectors per register tile.</summary>
    public const int TileVectors = 2;

    /// <summary>Steps a byte accumulator can take before it could overflow: at most <c>StepBits</c> mismatches per step.</summary>
    public static int MaxChunk<T, L>() where T : struct where L : IPlanarLanes<T> => byte.MaxValue / L.StepBits;

    /// <summary>Operands of <paramref name="steps"/> steps × Block channels from weight units [step][Block], one vector each.</summary>
    [MethodImpl(HotCode.Options)]
    public static void BuildOperands<T, L>(byte* weightUnits, int steps, byte* operands)
        where T : struct where L : IPlanarLanes<T>
    {
        int n = steps * PlanarLayout.Block;
        for (int i = 0; i < n; i++)
            Unsafe.WriteUnaligned(operands + (long)i * L.Pixels, L.Operand(weightUnits[i]));
    }

    /// <summary>
    /// Adds the mismatch counts of <paramref name="tiles"/> tiles (2 vectors each) of strip positions from <paramref name="x"/>
    /// over <paramref name="steps"/> steps at <paramref name="offsets"/> to the sums of channel j at <paramref name="sums"/> + j·<paramref name="stride"/>.
    /// </summary>
    [MethodImpl(HotCode.Options)]
    public static void Sweep<T, L>(byte* x, int tiles, int* offsets, int steps, byte* operands, ushort* sums, int stride)
        where T : struct where L : IPlanarLanes<T>
    {
        int v = L.Pixels;
        for (int i = 0; i < tiles; i++, x += 2 * v, sums += 2 * v)
        {
            T a00 = L.Zero, a01 = L.Zero, a02 = L.Zero, a03 = L.Zero, a10 = L.Zero, a11 = L.Zero, a12 = L.Zero, a13 = L.Zero;
            byte* o = operands;
            for (int s = 0; s < steps; s++, o += PlanarLayout.Block * v)
            {
                byte* p = x + offsets[s];
                T x0 = L.Load(p), x1 = L.Load(p + v);
                T t = L.Load(o);
                a00 = L.Add(a00, L.Count(x0, t)); a10 = L.Add(a10, L.Count(x1, t));
                t = L.Load(o + v);
                a01 = L.Add(a01, L.Count(x0, t)); a11 = L.Add(a11, L.Count(x1, t));
                t = L.Load(o + 2 * v);
                a02 = L.Add(a02, L.Count(x0, t)); a12 = L.Add(a12, L.Count(x1, t));
                t = L.Load(o + 3 * v);
                a03 = L.Add(a03, L.Count(x0, t)); a13 = L.Add(a13, L.Count(x1, t));
            }
            L.AddWidened(a00, sums); L.AddWidened(a10, sums + v);
            L.AddWidened(a01, sums + stride); L.AddWidened(a11, sums + stride + v);
            L.AddWidened(a02, sums + 2 * stride); L.AddWidened(a12, sums + 2 * stride + v);
            L.AddWidened(a03, sums + 3 * stride); L.AddWidened(a13, sums + 3 * stride + v);
        }
    }
}
