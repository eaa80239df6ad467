namespace Bramble.Kernels.Conv;

/// <summary>
/// How a Winograd F(4×4, 3×3) convolution cuts its output into blocks of tiles, and where each worker's
/// scratch lives. A block is <see cref="BlockRows"/> × <see cref="BlockW"/> tiles (edge blocks are smaller);
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
    internal static int MinTiles = 32;

    /// <param name="blockTiles">Tiles per block; 0 = derive from the L2 budget and the thread count (tests force small blocks).</param>
    public WinogradPlan(in ConvGeometry g, int lanes, int threads, int blockTiles = 0)
    {
        Lanes = lanes;
        TilesX = (g.OutWidth + Tile - 1) / Tile;
        TilesY = (g.OutHeight + Tile - 1) / Tile;
        int perTile = Positions * sizeof(float) * (g.InChannels + g.OutChannels);
        int target = Math.Max(MinTiles, L2BudgetBytes / perTile);
        // Enough blocks that every thread gets one (small images would otherwise run on one core).
        int tiles = TilesX * TilesY;
        target = Math.Max(1, Math.Min(target, (tiles + threads - 1) / Math.Max(1, threads)));
        if (blockTiles > 0) target = blockTiles;
        BlockW = Math.Min(TilesX, target);
        BlockRows = Math.Clamp(target / BlockW, 1, TilesY);
        BlocksX = (TilesX + BlockW - 1) / BlockW;
        BlocksY = (TilesY + BlockRows - 1) / BlockRows;
        int maxTiles = BlockW * BlockRows;
        // A row of tiles is transformed a whole vector at a time; the last vector spills up to Lanes-1
        // columns past the block, which the padding absorbs (and the next tile row then overwrites).
        TileStride = Round16(maxTiles + lanes);
        PhaseLength = ((BlockW + lanes - 1) / lanes + 1) * lanes;
        RowLength = 4 * PhaseLength;
        VFloats = (long)Positions * g.InChannels * TileStride;
        MFloats = (long)Positions * g.OutChannels * TileStride;
        long rows = Round16(6 * RowLength);
        long phases = Round16(24 * PhaseLength);
        long output = Round16(24 * lanes + 4 * lanes);
        RowsOffset = VFloats + MFloats;
        EOffset = RowsOffset + rows;
        PhaseOffset = EOffset + rows;
        OutputOffset = PhaseOffset + phases;
        PerThreadFloats = OutputOffset + output;
    }

    public int Lanes { get; }
    public int TilesX { get; }
    public int TilesY { get; }
    public int BlockW { get; }
    public int BlockRows { get; }
    public int BlocksX { get; }
    public int BlocksY { get; }
    public int BlocksPerImage => BlocksX * BlocksY;

    /// <summary>Leading dimension of every V and M matrix (tiles of one block plus vector spill).</summary>
    public int TileStride { get; }

    /// <summary>Entries per column phase of one transformed input row: one vector more than the block is wide (tiles overlap).</summary>
    public int PhaseLength { get; }

    /// <summary>Floats of one padded input row for a block: 4 per tile.</summary>
    public int RowLength { get; }

    public long VFloats { get; }
    public long MFloats { get; }
    public long RowsOffset { get; }
    public long EOffset { get; }
    public long PhaseOffset { get; }
    public long OutputOffset { get; }
    public long PerThreadFloats { get; }

    private static int Round16(int n) => (n + 15) & ~15;
    private static long Round16(long n) => (n + 15) & ~15L;
}
