namespace Bramble.Kernels.Gemm;

/// <summary>
/// How the GEMM driver cuts C into a grid of parts for the worker pool. Parts are whole micro-tiles (MR rows ×
/// NR columns), spread evenly so no two parts differ by more than one tile per side, and there are usually
/// several per thread: participants claim them dynamically, so a worker that wakes late, or is preempted by
/// another process, costs at most about one part of waiting instead of a whole thread's share.
/// </summary>
/// <remarks>
/// The grid minimises an estimated finishing time: rounds of parts (⌈parts / threads⌉) times the largest part's
/// cost, plus a quarter part of slack for a straggler (the waiting a late participant may still cause). A part's cost is its multiply-adds plus bringing in its operands:
/// every part packs (or, when pre-packed, at least streams) the A rows and B columns it touches, so cutting N
/// re-reads A once per column part and cutting M re-reads B once per row part. Costs per element are the
/// sources' <see cref="IPanelSourceA.ElementCost"/>/<see cref="IPanelSourceB.ElementCost"/>.
/// </remarks>
internal static class GemmGrid
{
    /// <summary>Most parts per thread considered: beyond this the per-part overhead outweighs the balance.</summary>
    internal const int MaxPartsPerThread = 8;

    /// <summary>Fixed cost of one part in multiply-add equivalents (claim, loop set-up, partial panels).</summary>
    internal const double PartOverhead = 16_384;

    /// <summary>Packing an element (read, reorder, write) in multiply-adds: the micro-kernel does ~16 per cycle.</summary>
    internal const double PackCost = 6;

    /// <summary>Gathering an implicit-im2col element: short row pieces, zeros at the borders.</summary>
    internal const double GatherCost = 32;

    /// <summary>Straggler slack in parts (see remarks): more over-partitions, less avoids duplicated packing.</summary>
    internal const double Slack = 0.25;

    /// <summary>
    /// Streaming a pre-packed element into a part's working set: cheap from outer cache, dear from memory once the
    /// operand (of <paramref name="elements"/>) outgrows the caches — every part cutting the other side reads it again.
    /// </summary>
    internal static double StreamCost(long elements) => elements > 1 << 20 ? 16 : 4;

    /// <summary>
    /// Picks <paramref name="pm"/> × <paramref name="pn"/> parts over <paramref name="mTiles"/> × <paramref name="nTiles"/>
    /// tiles. <paramref name="costA"/>/<paramref name="costB"/>: cost of one element of A/B's panels in multiply-adds.
    /// </summary>
    public static void Choose(int mTiles, int nTiles, int mr, int nr, int k, int threads, double costA, double costB, out int pm, out int pn)
    {
        pm = 1; pn = 1;
        if (threads <= 1 || mTiles <= 0 || nTiles <= 0) return;
        int maxParts = MaxPartsPerThread * threads;
        double best = double.MaxValue;
        for (int tm = 1; tm <= Math.Min(mTiles, maxParts); tm++)
        {
            double rows = (double)((mTiles + tm - 1) / tm) * mr;
            for (int tn = 1; tn <= Math.Min(nTiles, maxParts / tm); tn++)
            {
                int parts = tm * tn;
                if (parts < threads && (tm < mTiles || tn < nTiles)) continue; // every thread gets a part where tiles allow
                double cols = (double)((nTiles + tn - 1) / tn) * nr;
                double part = k * (rows * cols + costA * rows + costB * cols) + PartOverhead;
                double finish = ((parts + threads - 1) / threads + Slack) * part;
                if (finish < best) { best = finish; pm = tm; pn = tn; }
            }
        }
    }

    /// <summary>Start of part <paramref name="index"/> of <paramref name="parts"/> over <paramref name="tiles"/> tiles of <paramref name="tile"/> elements.</summary>
    public static int Start(int index, int parts, int tiles, int tile) => (int)((long)index * tiles / parts) * tile;
}
