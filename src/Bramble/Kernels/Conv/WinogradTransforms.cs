using System.Runtime.CompilerServices;
using Bramble.Kernels.Gemm;

namespace Bramble.Kernels.Conv;

/// <summary>
/// The tile transforms of Winograd F(4×4, 3×3), shared by the pre-transformed and the streamed kernel:
/// input V = Bᵀ d B of 6×6 input tiles (zero padding applied here) and output Y = Aᵀ m A with bias and
/// activation. SIMD over neighbouring tiles: an image row is split into its 4 column phases so tile t's
/// columns are phase p at index t (columns 4 and 5 are phases 0 and 1 at index t+1). Every method takes
/// the calling worker's scratch (<see cref="WinogradPlan.ScratchFloats"/> floats).
/// </summary>
internal unsafe struct WinogradTransforms<TV, TL>
    where TV : struct
    where TL : struct, IWinogradLanes<TV>
{
    public WinogradPlan Plan;
    public ConvGeometry Geometry;
    public Epilogue Epilogue;
    public Isa EpilogueIsa;

    /// <summary>
    /// Transforms tiles [t0, t1) of channels [c0, c1) of one image <paramref name="x"/> into V (<paramref name="v"/> =
    /// V_0 of channel c0: row c − c0, column t − t0; position ξ is ξ·<paramref name="step"/> further).
    /// </summary>
    public readonly void InputChannels(float* scratch, float* x, float* v, long step, int c0, int c1, int t0, int t1)
    {
        var p = Plan;
        long inPlane = (long)Geometry.InHeight * Geometry.InWidth;
        for (int c = c0; c < c1; c++)
            for (int t = t0; t < t1;)
            {
                int ty = t / p.TilesX, tx = t - ty * p.TilesX, width = Math.Min(p.TilesX - tx, t1 - t);
                TransformInput(scratch, x + c * inPlane, v + (long)(c - c0) * p.TileStride + (t - t0), step, ty, tx, width);
                t += width;
            }
    }

    /// <summary>
    /// Inverse-transforms output channels [k0, k1) of tiles [t0, t1) into image <paramref name="y"/>: <paramref name="m"/>
    /// = M_0 of channel k0 (row k − k0, column t − t0), position ξ is ξ·<paramref name="step"/> further.
    /// </summary>
    public readonly void OutputChannels(float* scratch, float* m, long step, float* y, int k0, int k1, int t0, int t1)
    {
        var p = Plan;
        long outPlane = (long)Geometry.OutHeight * Geometry.OutWidth;
        for (int k = k0; k < k1; k++)
            for (int t = t0; t < t1;)
            {
                int ty = t / p.TilesX, tx = t - ty * p.TilesX, width = Math.Min(p.TilesX - tx, t1 - t);
                TransformOutput(scratch, m + (long)(k - k0) * p.TileStride + (t - t0), step, y + k * outPlane, k, ty, tx, width);
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
    /// the segment's first column; position ξ is ξ·<paramref name="positionStep"/> further): gather the 6 input rows (zero padded),
    /// transform vertically, split into column phases, transform horizontally.
    /// </summary>
    [MethodImpl(HotCode.Options)]
    public readonly void TransformInput(float* scratch, float* plane, float* vc, long positionStep, int ty, int tx0, int bw)
    {
        var g = Geometry;
        var p = Plan;
        int n = TL.Count;
        int vectors = (bw + n - 1) / n;
        int phaseUsed = (vectors + 1) * n, rowUsed = 4 * phaseUsed;
        int rowLength = p.RowLength, phaseLength = p.PhaseLength;
        float* gathered = scratch, e = scratch + p.EOffset, phases = scratch + p.PhaseOffset;
        int xs = WinogradPlan.Tile * tx0 - g.PadLeft;
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
    internal static void OutputRows(TV m0, TV m1, TV m2, TV m3, TV m4, TV m5, out TV o0, out TV o1, out TV o2, out TV o3)
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
    public readonly void TransformOutput(float* scratch, float* mk, long step, float* yk, int k, int ty, int tx0, int bw)
    {
        var g = Geometry;
        int n = TL.Count;
        int vectors = (bw + n - 1) / n;
        int ow = g.OutWidth, x0 = WinogradPlan.Tile * tx0;
        int cols = Math.Min(WinogradPlan.Tile * bw, ow - x0);
        float* columns = scratch + Plan.OutputOffset, spill = columns + 24 * n;
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
