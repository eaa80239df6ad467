using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Runs Winograd F(4×4, 3×3) with pre-transformed filters block by block (see <see cref="WinogradPlan"/>). Part p
/// owns worker scratch p; the parts claim blocks from one shared counter, so a participant that starts late (a
/// sleeping or preempted worker) leaves its blocks to the others instead of holding up the layer. Per block: input
/// transform V of every 6×6 input tile, 36 GEMMs M_ξ[K×T] = U_ξ[K×C] · V_ξ[C×T], then the output transform with
/// bias and activation, all on one core so V and M stay in its L2.
/// </summary>
internal unsafe struct WinogradJob<TV, TL> : IParallelBody
    where TV : struct
    where TL : struct, IWinogradLanes<TV>
{
    public WinogradTransforms<TV, TL> Transforms;
    public PackedMatrix[] Filters;
    public float* Input, Output;
    public float* Workspace;
    public int Blocks;
    /// <summary>Next unclaimed block: a counter on the caller's stack, shared by all parts.</summary>
    public int* Next;

    public void Invoke(int part)
    {
        float* ws = Workspace + part * Transforms.Plan.PerThreadFloats;
        for (int blk; (blk = Interlocked.Increment(ref *Next) - 1) < Blocks;) RunBlock(ws, blk);
    }

    private readonly void RunBlock(float* ws, int blk)
    {
        var g = Transforms.Geometry;
        var p = Transforms.Plan;
        var b = WinogradBlock.Of(p, g, blk);
        float* v = ws, m = ws + p.VFloats, scratch = m + p.MFloats;
        Transforms.InputChannels(scratch, Input + b.Image * b.InImage, v, b.VStep, 0, g.InChannels, b.T0, b.T1);
        for (int xi = 0; xi < WinogradPlan.Positions; xi++)
            Sgemm.Multiply(Filters[xi], b.T1 - b.T0, 1f, v + xi * b.VStep, p.TileStride, false, 0f, m + xi * b.MStep, p.TileStride, Epilogue.None, null);
        Transforms.OutputChannels(scratch, m, b.MStep, Output + b.Image * b.OutImage, 0, g.OutChannels, b.T0, b.T1);
    }
}

/// <summary>Where block <c>blk</c> lies: its image, its tiles [T0, T1), and the strides of its V and M.</summary>
internal readonly struct WinogradBlock
{
    public int Image { get; init; }
    public int T0 { get; init; }
    public int T1 { get; init; }
    public long VStep { get; init; }
    public long MStep { get; init; }
    public long InImage { get; init; }
    public long OutImage { get; init; }

    public static WinogradBlock Of(in WinogradPlan p, in ConvGeometry g, int blk)
    {
        int image = blk / p.BlocksPerImage;
        int t0 = (blk - image * p.BlocksPerImage) * p.BlockTiles;
        return new WinogradBlock
        {
            Image = image, T0 = t0, T1 = Math.Min(t0 + p.BlockTiles, p.TilesX * p.TilesY),
            VStep = (long)g.InChannels * p.TileStride, MStep = (long)g.OutChannels * p.TileStride,
            InImage = (long)g.InChannels * g.InHeight * g.InWidth, OutImage = (long)g.OutChannels * g.OutHeight * g.OutWidth,
        };
    }
}
