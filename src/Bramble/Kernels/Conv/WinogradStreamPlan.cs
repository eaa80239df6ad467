namespace Bramble.Kernels.Conv;

/// <summary>
/// Workspace of the streamed Winograd kernel, which keeps only the 3×3 weights and transforms the filters of
/// <see cref="KBlock"/> output channels at a time on every run. Per chunk of tiles (a whole image unless its V
/// exceeds <see cref="VBudgetBytes"/>): V (36 × C × tiles) is computed once and shared; each worker then owns
/// a U (36 × KBlock × C) and an M (36 × KBlock × tiles) plus transform scratch, and takes whole blocks of
/// output channels: transform their filters, 36 GEMMs, inverse-transform their outputs.
/// </summary>
internal readonly struct WinogradStreamPlan
{
    /// <summary>Bytes of one worker's transformed filter block: ~L2 size keeps U warm between transform and GEMM.</summary>
    internal static long UBudgetBytes = 1L << 20;

    /// <summary>Bytes of the shared transformed input; past this an image is cut into chunks (each redoes the filter transforms).</summary>
    internal static long VBudgetBytes = 8L << 20;

    /// <param name="g">The convolution.</param>
    /// <param name="lanes">Tiles per transform vector.</param>
    /// <param name="mr">Rows of the GEMM micro-kernel: blocks of output channels are multiples of it.</param>
    /// <param name="threads">Workers the blocks are shared between.</param>
    /// <param name="kBlock">Output channels per block; 0 = from <see cref="UBudgetBytes"/> (tests force small blocks).</param>
    /// <param name="chunkTiles">Tiles per chunk; 0 = from <see cref="VBudgetBytes"/>.</param>
    public WinogradStreamPlan(in ConvGeometry g, int lanes, int mr, int threads, int kBlock = 0, int chunkTiles = 0)
    {
        int c = g.InChannels, k = g.OutChannels;
        long perTileV = (long)WinogradPlan.Positions * c * sizeof(float);
        int tiles = ((g.OutWidth + WinogradPlan.Tile - 1) / WinogradPlan.Tile) * ((g.OutHeight + WinogradPlan.Tile - 1) / WinogradPlan.Tile);
        int chunk = chunkTiles > 0 ? chunkTiles : (int)Math.Clamp(VBudgetBytes / perTileV, Math.Min(WinogradPlan.MinTiles, tiles), tiles);
        Tiles = new WinogradPlan(g, lanes, 1, chunk);
        if (kBlock <= 0)
        {
            long perChannelU = (long)WinogradPlan.Positions * c * sizeof(float);
            kBlock = (int)Math.Max(1, UBudgetBytes / perChannelU / mr) * mr;
            // Every worker gets at least one block.
            int share = ((k + threads - 1) / threads + mr - 1) / mr * mr;
            kBlock = Math.Min(kBlock, share);
        }
        KBlock = Math.Min(kBlock, k);
        KBlocks = (k + KBlock - 1) / KBlock;
        UStep = (long)KBlock * c;
        MStep = (long)KBlock * Tiles.TileStride;
        UFloats = WinogradPlan.Round16(WinogradPlan.Positions * UStep);
        MFloats = WinogradPlan.Round16(WinogradPlan.Positions * MStep);
        VFloats = Tiles.VFloats;
        PartFloats = UFloats + MFloats + Tiles.ScratchFloats;
    }

    /// <summary>Tile geometry; its blocks are the chunks.</summary>
    public WinogradPlan Tiles { get; }

    public int KBlock { get; }
    public int KBlocks { get; }

    /// <summary>Floats between positions of U (KBlock × C) and of M (KBlock × TileStride).</summary>
    public long UStep { get; }
    public long MStep { get; }

    public long UFloats { get; }
    public long MFloats { get; }

    /// <summary>The shared transformed input.</summary>
    public long VFloats { get; }

    /// <summary>One worker's U, M and transform scratch.</summary>
    public long PartFloats { get; }

    /// <summary>Workspace floats for <paramref name="parts"/> workers.</summary>
    public long WorkspaceFloats(int parts) => VFloats + parts * PartFloats;
}
