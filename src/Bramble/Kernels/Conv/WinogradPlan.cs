namespace Bramble.Kernels.Conv;

/// <summary>
/// How a Winograd F(4×4, 3×3) convolution cuts its output into blocks of tiles, and where each worker's
/// scratch lives. A block is a run of <see cref="BlockTiles"/> tiles of one image in raster order;
/// one worker transforms, multiplies and inverse-transforms a whole block, so its transformed input V
/// (36 × C × tiles) and products M (36 × K × tiles) stay in that core's L2 between the three phases.
/// All sizes are in floats and rounded to 16 (64 bytes) so every region starts cache-line aligned.
/// </summary>
internal readonly struct WinogradPlan
{
    /// <summary>Output pixels per tile side; the input tile is 6×6.</summary>
    public const int Tile = 4;

    /// <summary>Transformed-tile positions: one GEMM each.</summary>
    public const int Positions = 36;

    /// <summary>Bytes of V + M a block may use; half of this machine's 512 KiB L2 leaves room for weight panels.</summary>
    internal static int L2BudgetBytes = 256 * 1024;

    /// <summary>Fewest tiles per block: below this the GEMM's 16-column panels run mostly empty.</summary>
    internal static int MinTiles = 64;

    /// <summary>Transformed weights small enough that every thread reading all of them costs less than idling.</summary>
    internal const long SharedFilterBytes = 4L << 20;

    /// <param name="g">The convolution.</param>
    /// <param name="lanes">Tiles per transform vector (8 AVX2, 4 SSE/NEON, 1 scalar).</param>
    /// <param name="threads">Workers the blocks are shared between.</param>
    /// <param name="blockTiles">Tiles per block; 0 = derive from the L2 budget and the thread count (tests force small blocks).</param>
    public WinogradPlan(in ConvGeometry g, int lanes, int threads, int blockTiles = 0)
    {
        Lanes = lanes;
        TilesX = (g.OutWidth + Tile - 1) / Tile;
        TilesY = (g.OutHeight + Tile - 1) / Tile;
        int tiles = TilesX * TilesY;
        int blocks;
        if (blockTiles > 0) blocks = (tiles + blockTiles - 1) / blockTiles;
        else
        {
            int perTile = Positions * sizeof(float) * (g.InChannels + g.OutChannels);
            int target = Math.Max(MinTiles, L2BudgetBytes / perTile);
            blocks = (tiles + target - 1) / target;
            // A multiple of the thread count keeps static shares equal. A small image with large weights stays
            // one block: all threads then share its phases
            // (WinogradPhasesJob; each thread reads only its positions' weights, not all).
            long filterBytes = (long)Positions * g.InChannels * g.OutChannels * sizeof(float);
            bool split = blocks > 1 || tiles >= threads * MinTiles || (tiles >= threads * 16 && filterBytes <= SharedFilterBytes);
            if (split) blocks = (blocks + threads - 1) / threads * threads;
        }
        BlockTiles = (tiles + blocks - 1) / blocks;
        BlocksPerImage = (tiles + BlockTiles - 1) / BlockTiles;
        // A block is a run of tiles in raster order: row segments at most this wide.
        int segment = Math.Min(TilesX, BlockTiles);
        // A segment is transformed a whole vector at a time; the last vector spills up to Lanes-1 columns
        // past it, which the next segment then overwrites (or the padding absorbs).
        TileStride = Round16(BlockTiles + lanes);
        PhaseLength = ((segment + lanes - 1) / lanes + 1) * lanes;
        RowLength = 4 * PhaseLength;
        VFloats = (long)Positions * g.InChannels * TileStride;
        MFloats = (long)Positions * g.OutChannels * TileStride;
        long rows = Round16(6 * RowLength);
        long phases = Round16(24 * PhaseLength);
        long output = Round16(24 * lanes + 4 * lanes);
        EOffset = rows;
        PhaseOffset = EOffset + rows;
        OutputOffset = PhaseOffset + phases;
        ScratchFloats = OutputOffset + output;
        PerThreadFloats = VFloats + MFloats + ScratchFloats;
    }

    public int Lanes { get; }
    public int TilesX { get; }
    public int TilesY { get; }

    /// <summary>Tiles per block (the last block of an image may have fewer).</summary>
    public int BlockTiles { get; }

    public int BlocksPerImage { get; }

    /// <summary>Leading dimension of every V and M matrix (tiles of one block plus vector spill).</summary>
    public int TileStride { get; }

    /// <summary>Entries per column phase of one transformed input row: one vector more than the block is wide (tiles overlap).</summary>
    public int PhaseLength { get; }

    /// <summary>Floats of one padded input row for a block: 4 per tile.</summary>
    public int RowLength { get; }

    public long VFloats { get; }
    public long MFloats { get; }

    /// <summary>A worker's transform scratch (gathered rows at 0, then E, phases, output columns): after V and M.</summary>
    public long ScratchFloats { get; }

    /// <summary>Offsets inside the transform scratch.</summary>
    public long EOffset { get; }
    public long PhaseOffset { get; }
    public long OutputOffset { get; }

    /// <summary>V, M and scratch of one worker of the pre-transformed kernel.</summary>
    public long PerThreadFloats { get; }

    internal static int Round16(int n) => (n + 15) & ~15;
    internal static long Round16(long n) => (n + 15) & ~15L;
}
