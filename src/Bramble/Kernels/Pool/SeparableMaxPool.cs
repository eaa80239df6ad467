using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Pool;

/// <summary>
/// Max pooling in two passes per output row: the maximum down the window's rows, over the whole input width, into a row
/// bordered with −∞ (a max over columns that are padding or past the image is then the max over those that are not),
/// and then across that row's kw columns per output, as vectors from the first output column to the last. No border
/// columns are left to a scalar loop and no planes are interleaved: a plane is read once, in order (ResNet's and
/// SqueezeNet's 3×3 stride-2 pools, BlazeFace's 2×2). Each window must hold an input pixel (<see cref="Supports"/>), so
/// −∞ never reaches the output; NaN inputs: the hardware max, as the other max-pool kernels.
/// </summary>
internal static unsafe class SeparableMaxPool
{
    /// <summary>Widest padded row handled (the row lives on the stack).</summary>
    internal const int MaxRowFloats = 4096;

    /// <summary>
    /// Narrowest input routed here by shape. Against the interleaved kernel, min of 3 alternating runs (µs, 1 thread):
    /// 2×2 stride 2, 64 planes of 112²: 194 → 126; ResNet's 3×3 stride 2 of 112²: 213 → 174; but Darknet's 2×2 stride 1
    /// over 512 planes of 13²: 44 → 112, where a row is under two vectors and the per-row work dominates.
    /// </summary>
    internal const int MinInputWidth = 48;

    /// <summary>Whether this kernel is the faster choice for <paramref name="g"/> under <paramref name="isa"/>.</summary>
    public static bool Suits(in PoolGeometry2d g, Isa isa) => g.InWidth >= MinInputWidth && Supports(g, isa);

    /// <summary>Whether it runs <paramref name="g"/> under <paramref name="isa"/>.</summary>
    public static bool Supports(in PoolGeometry2d g, Isa isa) =>
        g.StrideW is 1 or 2 && g.PadTop < g.KernelH && g.PadLeft < g.KernelW
        && (g.OutHeight - 1) * g.StrideH - g.PadTop < g.InHeight && (g.OutWidth - 1) * g.StrideW - g.PadLeft < g.InWidth
        && RowFloats(g, 8) <= MaxRowFloats
        && ((isa >= Isa.Vector256 && F256.Supported) || (isa >= Isa.Vector128 && F128.Supported));

    /// <summary>Floats of the bordered row for vectors of <paramref name="v"/> lanes: every column the last output vector reads.</summary>
    private static int RowFloats(in PoolGeometry2d g, int v) =>
        Math.Max(g.PadLeft + g.InWidth, (Math.Max(g.OutWidth, v) - 1) * g.StrideW + g.KernelW + (g.StrideW == 2 ? v : 0)) + 1;

    /// <summary>Pools <paramref name="planes"/> planes of [InHeight, InWidth] into [OutHeight, OutWidth].</summary>
    public static void Run(in PoolGeometry2d g, float* input, float* output, int planes, WorkerPool? pool, Isa isa)
    {
        var body = new Body { G = g, Input = input, Output = output, Wide = isa >= Isa.Vector256 && F256.Supported };
        if (pool == null) for (int i = 0; i < planes; i++) body.Invoke(i);
        else pool.For(planes, ref body);
    }

    private struct Body : IParallelBody
    {
        public PoolGeometry2d G;
        public float* Input, Output;
        public bool Wide;

        public readonly void Invoke(int i)
        {
            float* x = Input + (long)i * G.InHeight * G.InWidth, y = Output + (long)i * G.OutHeight * G.OutWidth;
            if (Wide) Plane<F256, Vector256<float>>(G, x, y);
            else Plane<F128, Vector128<float>>(G, x, y);
        }
    }

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private static void Plane<TS, TV>(in PoolGeometry2d g, float* x, float* y) where TS : struct, ISimdF<TV> where TV : struct
    {
        int v = TS.Count, wd = g.InWidth, ow = g.OutWidth, pl = g.PadLeft, s = g.StrideW, kw = g.KernelW;
        int floats = RowFloats(g, v);
        float* row = stackalloc float[floats + v];
        new Span<float>(row, floats + v).Fill(float.NegativeInfinity);
        float* image = row + pl; // column 0 of the input
        float* staged = stackalloc float[16];
        for (int oy = 0; oy < g.OutHeight; oy++)
        {
            int iy0 = oy * g.StrideH - g.PadTop;
            int ky0 = Math.Max(0, -iy0), ky1 = Math.Min(g.KernelH, g.InHeight - iy0);
            // Down the window's rows (at least one: Supports).
            float* r0 = x + (long)(iy0 + ky0) * wd;
            int j = 0;
            for (; j + v <= wd; j += v)
            {
                TV m = TS.Load(r0 + j);
                for (int ky = ky0 + 1; ky < ky1; ky++) m = TS.Max(m, TS.Load(r0 + (long)(ky - ky0) * wd + j));
                TS.Store(m, image + j);
            }
            for (; j < wd; j++)
            {
                float m = r0[j];
                for (int ky = ky0 + 1; ky < ky1; ky++) m = MathF.Max(m, r0[(long)(ky - ky0) * wd + j]);
                image[j] = m;
            }
            // Across: output ox takes columns ox·s … ox·s + kw − 1 of the bordered row. The last vector ends at the row's
            // end and may recompute some outputs (same values); a row narrower than a vector runs one padded vector.
            float* yr = y + (long)oy * ow;
            if (ow < v)
            {
                TV m = Across<TS, TV>(row, s, kw);
                if (s == 2) TS.StoreEvenOrder(m, staged); else TS.Store(m, staged);
                new ReadOnlySpan<float>(staged, ow).CopyTo(new Span<float>(yr, ow));
                continue;
            }
            for (int ox = 0; ; ox = Math.Min(ox + v, ow - v))
            {
                TV m = Across<TS, TV>(row + ox * s, s, kw);
                if (s == 2) TS.StoreEvenOrder(m, yr + ox); else TS.Store(m, yr + ox);
                if (ox + v >= ow) break;
            }
        }
    }

    /// <summary>Max over kw columns for a vector of outputs starting at <paramref name="p"/> (stride 2: in <see cref="ISimdF{TV}.LoadEven"/>'s lane order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Across<TS, TV>(float* p, int s, int kw) where TS : struct, ISimdF<TV> where TV : struct
    {
        TV m = s == 1 ? TS.Load(p) : TS.LoadEven(p);
        for (int kx = 1; kx < kw; kx++)
            m = TS.Max(m, s == 1 ? TS.Load(p + kx) : (kx & 1) == 0 ? TS.LoadEven(p + kx) : TS.LoadOdd(p + kx - 1));
        return m;
    }
}
