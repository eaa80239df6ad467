using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Conv;

/// <summary>
/// One chunk of tiles of one image through the streamed Winograd kernel (see <see cref="WinogradStreamPlan"/>),
/// in two parallel phases: <see cref="InputPhase"/> splits the input channels of V between parts; the second
/// phase splits the blocks of output channels, each part transforming its blocks' filters into its own U.
/// </summary>
internal unsafe struct WinogradStreamJob<TV, TL> : IParallelBody
    where TV : struct
    where TL : struct, IWinogradLanes<TV>
{
    public WinogradTransforms<TV, TL> Transforms;
    public WinogradStreamPlan Plan;
    /// <summary>Weights in [K][9][C] order.</summary>
    public float* TapMajor;
    /// <summary>This image's input and output.</summary>
    public float* Input, Output;
    /// <summary>Shared V, then the parts' regions.</summary>
    public float* Workspace;
    public Isa GemmIsa;
    public int T0, T1, Parts;
    public bool InputPhase;

    public void Invoke(int part)
    {
        var g = Transforms.Geometry;
        var p = Plan;
        float* v = Workspace, u = v + p.VFloats + part * p.PartFloats, m = u + p.UFloats, scratch = m + p.MFloats;
        if (InputPhase)
        {
            int c0 = (int)((long)part * g.InChannels / Parts), c1 = (int)((long)(part + 1) * g.InChannels / Parts);
            Transforms.InputChannels(scratch, Input, v, c0, c1, T0, T1);
            return;
        }
        int stride = p.Tiles.TileStride, c = g.InChannels, tiles = T1 - T0;
        long vStep = (long)c * stride;
        int b0 = (int)((long)part * p.KBlocks / Parts), b1 = (int)((long)(part + 1) * p.KBlocks / Parts);
        for (int b = b0; b < b1; b++)
        {
            int k0 = b * p.KBlock, k1 = Math.Min(g.OutChannels, k0 + p.KBlock);
            WinogradFilterTransform.Transform<TV, TL>(TapMajor, c, k0, k1, u, p.UStep);
            for (int xi = 0; xi < WinogradPlan.Positions; xi++)
                Sgemm.Multiply(k1 - k0, tiles, c, 1f, u + xi * p.UStep, c, false, v + xi * vStep, stride, false,
                    0f, m + xi * p.MStep, stride, Epilogue.None, null, GemmIsa);
            Transforms.OutputChannels(scratch, m, p.MStep, Output, k0, k1, T0, T1);
        }
    }
}
