using System.Runtime.CompilerServices;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Runs Winograd F(4×4, 3×3) over a range of blocks (see <see cref="WinogradPlan"/>), one range per part.
/// Per block: input transform V = Bᵀ d B of every 6×6 input tile (zero padding applied here), 36 GEMMs
/// M_ξ[K×T] = U_ξ[K×C] · V_ξ[C×T], then output transform Y = Aᵀ m A with bias and activation.
/// Transforms are SIMD over neighbouring tiles: an image row is split into its 4 column phases so tile t's
/// columns are phase p at index t (columns 4 and 5 are phases 0 and 1 at index t+1).
/// </summary>
internal unsafe struct WinogradJob<TV, TL> : IParallelBody
    where TV : struct
    where TL : struct, IWinogradLanes<TV>
{
    public WinogradPlan Plan;
    public ConvGeometry Geometry;
    public PackedMatrix[] Filters;
    public float* Input, Output;
    public Epilogue Epilogue;
    public Isa EpilogueIsa;
    public float* Workspace;
    public int Parts, Blocks;
    /// <summary>Pool for the GEMMs when blocks run one after another on the caller (too few blocks to split).</summary>
    public WorkerPool? GemmPool;

    public void Invoke(int part)
    {
        float* ws = Workspace + part * Plan.PerThreadFloats;
        int b0 = (int)((long)part * Blocks / Parts), b1 = (int)((long)(part + 1) * Blocks / Parts);
        for (int blk = b0; blk < b1; blk++) RunBlock(ws, blk);
    }

    private void RunBlock(float* ws, int blk)
    {
        var g = Geometry;
        var p = Plan;
        int image = blk / p.BlocksPerImage;
        int t0 = (blk - image * p.BlocksPerImage) * p.BlockTiles, t1 = Math.Min(t0 + p.BlockTiles, p.TilesX * p.TilesY);
        float* v = ws, m = ws + p.VFloats;
        long inPlane = (long)g.InHeight * g.InWidth, outPlane = (long)g.OutHeight * g.OutWidth;
        float* x = Input + image * g.InChannels * inPlane;
        float* y = Output + image * g.OutChannels * outPlane;
        for (int c = 0; c < g.InChannels; c++)
            for (int t = t0; t < t1;)
            {
                int ty = t / p.TilesX, tx = t - ty * p.TilesX, width = Math.Min(p.TilesX - tx, t1 - t);
                TransformInput(ws, x + c * inPlane, v + (long)c * p.TileStride + (t - t0), ty, tx, width);
                t += width;
            }
        long vStep = (long)g.InChannels * p.TileStride, mStep = (long)g.OutChannels * p.TileStride;
        for (int xi = 0; xi < WinogradPlan.Positions; xi++)
            Sgemm.Multiply(Filters[xi], t1 - t0, 1f, v + xi * vStep, p.TileStride, false, 0f, m + xi * mStep, p.TileStride, Epilogue.None, GemmPool);
        for (int k = 0; k < g.OutChannels; k++)
            for (int t = t0; t < t1;)
            {
                int ty = t / p.TilesX, tx = t - ty * p.TilesX, width = Math.Min(p.TilesX - tx, t1 - t);
                TransformOutput(ws, m + (long)k * p.TileStride + (t - t0), y + k * outPlane, k, ty, tx, width);
                t += width;
            }
    }

    /// <summary>Bᵀ·d for one column of a 6×6 tile (F(4,3) with points 0, ±1, ±2, ∞).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRows(TV d0, TV d1, TV d2, TV d3, TV d4, TV d5, float* dst, long stride)
    {
        var t1 = TL.Fma(d2, -4, d4);
        var t2 = TL.Fma(d1, -4, d3);
        var t3 = TL.Sub(d4, d2);
        var t4 = TL.Scale(TL.Sub(d3, d1), 2);
        TL.Store(TL.Fma(d0, 4, TL.Fma(d2, -5, d4)), dst);
        TL.Store(TL.Add(t1, t2), dst + stride);
        TL.Store(TL.Sub(t1, t2), dst + 2 * stride);
        TL.Store(TL.Add(t3, t4), dst + 3 * stride);
        TL.Store(TL.Sub(t3, t4), dst + 4 * stride);
        TL.Store(TL.Fma(d1, 4, TL.Fma(d3, -5, d5)), dst + 5 * stride);
    }

    /// <summary>
    /// Writes the transformed tiles (ty, tx0…tx0+bw) of one channel into V (<paramref name="vc"/> = V_0[c] at
    /// the segment's first column; position ξ is ξ·C·stride further): gather the 6 input rows (zero padded),
    /// transform vertically, split into column phases, transform horizontally.
    /// </summary>
    [MethodImpl(HotCode.Options)]
    private readonly void TransformInput(float* ws, float* plane, float* vc, int ty, int tx0, int bw)
    {
        var g = Geometry;
        var p = Plan;
        int n = TL.Count;
        int vectors = (bw + n - 1) / n;
        int phaseUsed = (vectors + 1) * n, rowUsed = 4 * phaseUsed;
        int rowLength = p.RowLength, phaseLength = p.PhaseLength;
        float* gathered = ws + p.RowsOffset, e = ws + p.EOffset, phases = ws + p.PhaseOffset;
        int xs = WinogradPlan.Tile * tx0 - g.PadLeft;
        long positionStep = (long)g.InChannels * p.TileStride;
        int y0 = WinogradPlan.Tile * ty - g.PadTop;
        for (int r = 0; r < 6; r++) GatherRow(plane, y0 + r, xs, rowUsed, gathered + r * rowLength);
        for (int u = 0; u < rowUsed; u += n)
        {
            float* s = gathered + u;
            InputRows(TL.Load(s), TL.Load(s + rowLength), TL.Load(s + 2 * rowLength), TL.Load(s + 3 * rowLength),
                TL.Load(s + 4 * rowLength), TL.Load(s + 5 * rowLength), e + u, rowLength);
        }
        for (int i = 0; i < 6; i++)
        {
            float* src = e + i * rowLength, ph = phases + 4 * i * phaseLength;
            for (int q = 0; q < phaseUsed; q += n)
                TL.Deinterleave4(src + 4 * q, ph + q, ph + phaseLength + q, ph + 2 * phaseLength + q, ph + 3 * phaseLength + q);
        }
        for (int vi = 0; vi < vectors; vi++)
        {
            int t = vi * n;
            for (int i = 0; i < 6; i++)
            {
                float* ph = phases + 4 * i * phaseLength + t;
                InputRows(TL.Load(ph), TL.Load(ph + phaseLength), TL.Load(ph + 2 * phaseLength), TL.Load(ph + 3 * phaseLength),
                    TL.Load(ph + 1), TL.Load(ph + phaseLength + 1), vc + 6 * i * positionStep + t, positionStep);
            }
        }
    }

    /// <summary>Input row <paramref name="y"/>, columns [xs, xs+count), into <paramref name="dst"/> with zeros outside the image.</summary>
    private readonly void GatherRow(float* plane, int y, int xs, int count, float* dst)
    {
        int w = Geometry.InWidth;
        if ((uint)y >= (uint)Geometry.InHeight)
        {
            new Span<float>(dst, count).Clear();
            return;
        }
        int lo = Math.Clamp(-xs, 0, count), hi = Math.Clamp(w - xs, lo, count);
        if (lo > 0) new Span<float>(dst, lo).Clear();
        Buffer.MemoryCopy(plane + (long)y * w + xs + lo, dst + lo, (hi - lo) * sizeof(float), (hi - lo) * sizeof(float));
        if (hi < count) new Span<float>(dst + hi, count - hi).Clear();
    }

    /// <summary>Aᵀ·m for one column of a 6×6 product tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputRows(TV m0, TV m1, TV m2, TV m3, TV m4, TV m5, out TV o0, out TV o1, out TV o2, out TV o3)
    {
        var a = TL.Add(m1, m2);
        var b = TL.Sub(m1, m2);
        var c = TL.Add(m3, m4);
        var d = TL.Sub(m3, m4);
        o0 = TL.Add(TL.Add(m0, a), c);
        o1 = TL.Fma(d, 2, b);
        o2 = TL.Fma(c, 4, a);
        o3 = TL.Add(TL.Fma(d, 8, b), m5);
    }

    /// <summary>
    /// Output channel k of tiles (ty, tx0…tx0+bw): <paramref name="mk"/> = M_0[k] at the segment's first
    /// column (position ξ is ξ·K·stride further). Ragged right/bottom tiles write only pixels inside the output.
    /// </summary>
    [MethodImpl(HotCode.Options)]
    private readonly void TransformOutput(float* ws, float* mk, float* yk, int k, int ty, int tx0, int bw)
    {
        var g = Geometry;
        int n = TL.Count;
        int vectors = (bw + n - 1) / n;
        int ow = g.OutWidth, x0 = WinogradPlan.Tile * tx0;
        int cols = Math.Min(WinogradPlan.Tile * bw, ow - x0);
        long step = (long)g.OutChannels * Plan.TileStride;
        float* columns = ws + Plan.OutputOffset, spill = columns + 24 * n;
        bool epilogue = !Epilogue.IsIdentity;
        float bias = Epilogue.BiasKind == BiasKind.PerRow ? Epilogue.Bias[k] : 0;
        int oy0 = WinogradPlan.Tile * ty;
        int validRows = Math.Min(WinogradPlan.Tile, g.OutHeight - oy0);
        for (int vi = 0; vi < vectors; vi++)
        {
            float* src = mk + vi * n;
            // Vertical pass: column j of the 6×6 product tile → 4 rows, parked in L1.
            for (int j = 0; j < 6; j++)
            {
                float* s = src + j * step;
                OutputRows(TL.Load(s), TL.Load(s + 6 * step), TL.Load(s + 12 * step), TL.Load(s + 18 * step),
                    TL.Load(s + 24 * step), TL.Load(s + 30 * step), out var r0, out var r1, out var r2, out var r3);
                TL.Store(r0, columns + j * n);
                TL.Store(r1, columns + (6 + j) * n);
                TL.Store(r2, columns + (12 + j) * n);
                TL.Store(r3, columns + (18 + j) * n);
            }
            int at = vi * 4 * n, valid = cols - at;
            for (int r = 0; r < validRows; r++)
            {
                float* c = columns + 6 * r * n;
                OutputRows(TL.Load(c), TL.Load(c + n), TL.Load(c + 2 * n), TL.Load(c + 3 * n), TL.Load(c + 4 * n), TL.Load(c + 5 * n),
                    out var o0, out var o1, out var o2, out var o3);
                float* dst = yk + (long)(oy0 + r) * ow + x0 + at;
                if (valid >= 4 * n) TL.Interleave4(o0, o1, o2, o3, dst);
                else
                {
                    TL.Interleave4(o0, o1, o2, o3, spill);
                    for (int i = 0; i < valid; i++) dst[i] = spill[i];
                }
            }
        }
        if (epilogue)
            for (int r = 0; r < validRows; r++)
                EpilogueVector.ApplyRow(Epilogue, yk + (long)(oy0 + r) * ow + x0, cols, bias, null, EpilogueIsa);
    }
}
