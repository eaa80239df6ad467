using System.Runtime.CompilerServices;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Conv;

/// <summary>
/// One chunk of tiles of one image through the streamed Winograd kernel (see <see cref="WinogradStreamPlan"/>),
/// in two parallel phases: <see cref="InputPhase"/> splits the input channels between parts (transform, then pack
/// into Vᵀ's MR-tile panels); the second phase splits the blocks of output channels, each part transforming its
/// blocks' filters into its own packed U, six positions at a time, and inverse-transforming its own Mᵀ.
/// </summary>
internal unsafe struct WinogradStreamJob<TV, TL> : IParallelBody
    where TV : struct
    where TL : struct, IWinogradLanes<TV>
{
    public WinogradTransforms<TV, TL> Transforms;
    public WinogradStreamPlan Plan;
    public GemmKernel Kernel;
    /// <summary>Weights as [block][C][9][KBlock].</summary>
    public float* TapMajor;
    /// <summary>This image's input and output.</summary>
    public float* Input, Output;
    /// <summary>Shared packed Vᵀ, then the parts' regions.</summary>
    public float* Workspace;
    public int T0, T1, Parts;
    public bool InputPhase;

    public void Invoke(int part)
    {
        var g = Transforms.Geometry;
        var p = Plan;
        float* u = Workspace + p.VFloats + part * p.PartFloats, m = u + p.UFloats, row = m + p.MFloats;
        float* outScratch = row + p.RowFloats, scratch = outScratch + p.OutFloats;
        if (InputPhase)
        {
            int c0 = (int)((long)part * g.InChannels / Parts), c1 = (int)((long)(part + 1) * g.InChannels / Parts);
            for (int c = c0; c < c1; c++)
            {
                Transforms.InputChannels(scratch, Input, row, p.Tiles.TileStride, c, c + 1, T0, T1);
                PackChannel(row, c);
            }
            return;
        }
        int b0 = (int)((long)part * p.KBlocks / Parts), b1 = (int)((long)(part + 1) * p.KBlocks / Parts);
        for (int b = b0; b < b1; b++)
        {
            int k0 = b * p.KBlock;
            float* weights = TapMajor + (long)b * g.InChannels * 9 * p.KBlock;
            // Depth block outermost: its weights (kc·9·kb) and six positions of U stay in L2 for all six rows.
            for (int pc = 0; pc < g.InChannels; pc += GemmKernel.KC)
            {
                int kc = Math.Min(GemmKernel.KC, g.InChannels - pc);
                for (int a = 0; a < 6; a++)
                {
                    WinogradFilterTransform.TransformRow<TV, TL>(weights, pc, kc, p.KBlock, Kernel.NR, a, u, p.UStep);
                    for (int xi = 6 * a; xi < 6 * a + 6; xi++) Multiply(xi, pc, kc, u + (xi - 6 * a) * p.UStep, m + xi * p.MStep);
                }
            }
            OutputBlock(m, outScratch, k0, Math.Min(g.OutChannels, k0 + p.KBlock));
        }
    }

    /// <summary>Channel c's transformed tiles (one TileStride row per position) into its depth row of every packed Vᵀ_ξ.</summary>
    private readonly void PackChannel(float* row, int c)
    {
        var p = Plan;
        int mr = Kernel.MR, stride = p.Tiles.TileStride;
        int pc = c / GemmKernel.KC * GemmKernel.KC, kc = Math.Min(GemmKernel.KC, Transforms.Geometry.InChannels - pc);
        long offset = (long)pc * p.PaddedTiles + (long)(c - pc) * mr;
        for (int xi = 0; xi < WinogradPlan.Positions; xi++)
        {
            float* src = row + xi * stride, dst = Workspace + xi * p.VStep + offset;
            for (int t = 0; t < p.PaddedTiles; t += mr, dst += (long)kc * mr)
                for (int r = 0; r < mr; r++) dst[r] = src[t + r];
        }
    }

    /// <summary>
    /// Mᵀ_ξ[PaddedTiles × KBlock] (+)= Vᵀ_ξ · Uᵀ_ξ over depth block [pc, pc+kc) (the first overwrites), whole
    /// micro-kernel tiles (both operands are padded).
    /// </summary>
    [MethodImpl(HotCode.Options)]
    private readonly void Multiply(int xi, int pc, int kc, float* u, float* mt)
    {
        var p = Plan;
        var run = Kernel.Run;
        int mr = Kernel.MR, nr = Kernel.NR, kb = p.KBlock, tiles = p.PaddedTiles;
        float beta = pc == 0 ? 0f : 1f;
        float* vBlock = Workspace + xi * p.VStep + (long)pc * tiles;
        for (int jr = 0; jr < kb; jr += nr)
        {
            float* uPanel = u + (long)jr * kc;
            for (int ir = 0; ir < tiles; ir += mr)
                run(kc, vBlock + (long)ir * kc, uPanel, nr, mt + (long)ir * kb + jr, kb, 1f, beta, null, 0, 0, mr);
        }
    }

    /// <summary>
    /// Output channels [k0, k1) of the chunk from Mᵀ (tile t, channel k at (t − T0)·KBlock + k − k0), SIMD over
    /// channels: a tile's 4×4 pixels of a vector of channels are scattered to their planes, then bias and
    /// activation run over each channel's written rows.
    /// </summary>
    [MethodImpl(HotCode.Options)]
    private readonly void OutputBlock(float* mt, float* scratch, int k0, int k1)
    {
        var g = Transforms.Geometry;
        var tp = Plan.Tiles;
        int n = TL.Count, kb = Plan.KBlock;
        long step = Plan.MStep, outPlane = (long)g.OutHeight * g.OutWidth;
        int ow = g.OutWidth;
        float* columns = scratch, pixels = scratch + 24 * n;
        for (int j = 0; j < k1 - k0; j += n)
        {
            int lanes = Math.Min(n, k1 - k0 - j);
            for (int t = T0; t < T1; t++)
            {
                float* src = mt + (long)(t - T0) * kb + j;
                for (int col = 0; col < 6; col++)
                {
                    float* s = src + col * step;
                    WinogradTransforms<TV, TL>.OutputRows(TL.Load(s), TL.Load(s + 6 * step), TL.Load(s + 12 * step), TL.Load(s + 18 * step),
                        TL.Load(s + 24 * step), TL.Load(s + 30 * step), out var r0, out var r1, out var r2, out var r3);
                    TL.Store(r0, columns + col * n);
                    TL.Store(r1, columns + (6 + col) * n);
                    TL.Store(r2, columns + (12 + col) * n);
                    TL.Store(r3, columns + (18 + col) * n);
                }
                int ty = t / tp.TilesX, tx = t - ty * tp.TilesX;
                int oy0 = WinogradPlan.Tile * ty, ox0 = WinogradPlan.Tile * tx;
                int rows = Math.Min(WinogradPlan.Tile, g.OutHeight - oy0), cols = Math.Min(WinogradPlan.Tile, ow - ox0);
                for (int r = 0; r < rows; r++)
                {
                    float* cr = columns + 6 * r * n;
                    WinogradTransforms<TV, TL>.OutputRows(TL.Load(cr), TL.Load(cr + n), TL.Load(cr + 2 * n), TL.Load(cr + 3 * n),
                        TL.Load(cr + 4 * n), TL.Load(cr + 5 * n), out var o0, out var o1, out var o2, out var o3);
                    TL.Store(o0, pixels);
                    TL.Store(o1, pixels + n);
                    TL.Store(o2, pixels + 2 * n);
                    TL.Store(o3, pixels + 3 * n);
                    float* dst = Output + (long)(k0 + j) * outPlane + (long)(oy0 + r) * ow + ox0;
                    for (int l = 0; l < lanes; l++, dst += outPlane)
                        for (int q = 0; q < cols; q++) dst[q] = pixels[q * n + l];
                }
            }
        }
        if (!Transforms.Epilogue.IsIdentity) ApplyEpilogue(k0, k1);
    }

    /// <summary>Bias and activation over the pixel rows of tiles [T0, T1) of channels [k0, k1).</summary>
    private readonly void ApplyEpilogue(int k0, int k1)
    {
        var g = Transforms.Geometry;
        var tp = Plan.Tiles;
        var e = Transforms.Epilogue;
        long outPlane = (long)g.OutHeight * g.OutWidth;
        for (int k = k0; k < k1; k++)
        {
            float bias = e.BiasKind == BiasKind.PerRow ? e.Bias[k] : 0;
            for (int t = T0; t < T1;)
            {
                int ty = t / tp.TilesX, tx = t - ty * tp.TilesX, width = Math.Min(tp.TilesX - tx, T1 - t);
                int oy0 = WinogradPlan.Tile * ty, x0 = WinogradPlan.Tile * tx;
                int rows = Math.Min(WinogradPlan.Tile, g.OutHeight - oy0), cols = Math.Min(WinogradPlan.Tile * width, g.OutWidth - x0);
                for (int r = 0; r < rows; r++)
                    EpilogueVector.ApplyRow(e, Output + k * outPlane + (long)(oy0 + r) * g.OutWidth + x0, cols, bias, null, Transforms.EpilogueIsa);
                t += width;
            }
        }
    }
}
