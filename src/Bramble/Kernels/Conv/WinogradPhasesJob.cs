using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Conv;

/// <summary>
/// One Winograd block (see <see cref="WinogradPlan"/>) computed by all threads together, for layers with too few
/// tiles to give every thread blocks of its own (e.g. 256 channels at 14×14: one block of 16 tiles). Three
/// parallel phases share block V and M in worker region 0: the input transform split by input channels, the 36
/// GEMMs one position at a time (each thread reads only its positions' transformed weights), and the output
/// transform split by output channels. Part p uses worker region p's transform scratch; the parts claim
/// channel chunks and positions from one shared counter, so a late participant leaves its share to the others.
/// </summary>
internal unsafe struct WinogradPhasesJob<TV, TL> : IParallelBody
    where TV : struct
    where TL : struct, IWinogradLanes<TV>
{
    public enum Phase { Input, Multiply, Output }

    public WinogradTransforms<TV, TL> Transforms;
    public PackedMatrix[] Filters;
    public float* Input, Output;
    public float* Workspace;
    public WinogradBlock Block;
    public Phase Step;
    /// <summary>Next unclaimed item of the current phase: a counter on the caller's stack.</summary>
    public int* Next;
    /// <summary>Channels per claim in the transform phases.</summary>
    public int Chunk;

    public void Invoke(int part)
    {
        var g = Transforms.Geometry;
        var p = Transforms.Plan;
        var b = Block;
        float* v = Workspace, m = v + p.VFloats, scratch = Workspace + part * p.PerThreadFloats + p.VFloats + p.MFloats;
        switch (Step)
        {
            case Phase.Input:
                for (int c0; (c0 = Claim() * Chunk) < g.InChannels;)
                {
                    int c1 = Math.Min(g.InChannels, c0 + Chunk);
                    Transforms.InputChannels(scratch, Input + b.Image * b.InImage, v + c0 * p.TileStride, b.VStep, c0, c1, b.T0, b.T1);
                }
                break;
            case Phase.Multiply:
                for (int xi; (xi = Claim()) < WinogradPlan.Positions;)
                    Sgemm.Multiply(Filters[xi], b.T1 - b.T0, 1f, v + xi * b.VStep, p.TileStride, false, 0f, m + xi * b.MStep, p.TileStride, Epilogue.None, null);
                break;
            default:
                for (int k0; (k0 = Claim() * Chunk) < g.OutChannels;)
                {
                    int k1 = Math.Min(g.OutChannels, k0 + Chunk);
                    Transforms.OutputChannels(scratch, m + k0 * p.TileStride, b.MStep, Output + b.Image * b.OutImage, k0, k1, b.T0, b.T1);
                }
                break;
        }
    }

    private readonly int Claim() => Interlocked.Increment(ref *Next) - 1;

    /// <summary>Runs every block of <paramref name="blocks"/> through the three phases over <paramref name="parts"/> parts.</summary>
    public void Run(WorkerPool pool, int blocks, int parts)
    {
        int next;
        Next = &next;
        var g = Transforms.Geometry;
        for (int blk = 0; blk < blocks; blk++)
        {
            Block = WinogradBlock.Of(Transforms.Plan, g, blk);
            for (var step = Phase.Input; step <= Phase.Output; step++)
            {
                Step = step;
                // About four claims per part in a transform phase: small enough to balance, large enough to keep rows streaming.
                Chunk = Math.Max(1, (step == Phase.Input ? g.InChannels : g.OutChannels) / (4 * parts));
                next = 0;
                pool.For(parts, ref this);
            }
        }
        Next = null;
    }
}
