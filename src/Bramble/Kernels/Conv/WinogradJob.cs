using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Runs Winograd F(4×4, 3×3) with pre-transformed filters over a range of blocks (see <see cref="WinogradPlan"/>),
/// one range per part. Per block: input transform V of every 6×6 input tile, 36 GEMMs
/// M_ξ[K×T] = U_ξ[K×C] · V_ξ[C×T], then the output transform with bias and activation.
/// </summary>
internal unsafe struct WinogradJob<TV, TL> : IParallelBody
    where TV : struct
    where TL : struct, IWinogradLanes<TV>
{
    public WinogradTransforms<TV, TL> Transforms;
    public PackedMatrix[] Filters;
    public float* Input, Output;
    public float* Workspace;
    public int Parts, Blocks;
    /// <summary>Pool for the GEMMs when blocks run one after another on the caller (too few blocks to split).</summary>
    public WorkerPool? GemmPool;

    public void Invoke(int part)
    {
        float* ws = Workspace + part * Transforms.Plan.PerThreadFloats;
        int b0 = (int)((long)part * Blocks / Parts), b1 = (int)((long)(part + 1) * Blocks / Parts);
        for (int blk = b0; blk < b1; blk++) RunBlock(ws, blk);
    }

    private void RunBlock(float* ws, int blk)
    {
        var g = Transforms.Geometry;
        var p = Transforms.Plan;
        int image = blk / p.BlocksPerImage;
        int t0 = (blk - image * p.BlocksPerImage) * p.BlockTiles, t1 = Math.Min(t0 + p.BlockTiles, p.TilesX * p.TilesY);
        float* v = ws, m = ws + p.VFloats, scratch = m + p.MFloats;
        float* x = Input + image * g.InChannels * (long)g.InHeight * g.InWidth;
        float* y = Output + image * g.OutChannels * (long)g.OutHeight * g.OutWidth;
        long vStep = (long)g.InChannels * p.TileStride, mStep = (long)g.OutChannels * p.TileStride;
        Transforms.InputChannels(scratch, x, v, vStep, 0, g.InChannels, t0, t1);
        for (int xi = 0; xi < WinogradPlan.Positions; xi++)
            Sgemm.Multiply(Filters[xi], t1 - t0, 1f, v + xi * vStep, p.TileStride, false, 0f, m + xi * mStep, p.TileStride, Epilogue.None, GemmPool);
        Transforms.OutputChannels(scratch, m, mStep, y, 0, g.OutChannels, t0, t1);
    }
}
