using Bramble.Kernels.Gemm;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Workspace of the streamed Winograd kernel, which keeps only the 3×3 weights and transforms the filters of
/// <see cref="KBlock"/> output channels at a time on every run. The GEMMs are transposed, Mᵀ_ξ[tiles × K] =
/// Vᵀ_ξ[tiles × C] · Uᵀ_ξ[C × K], so that both operands can be written straight into the micro-kernel's packed
/// layouts: V once per chunk of tiles (shared by all workers, MR-tile panels), U per block of output channels
/// (NR-channel panels, one vector of channels per store). Per chunk (a whole image unless its V exceeds
/// <see cref="VBudgetBytes"/>) each worker takes whole blocks of output channels; per block and row of six
/// positions it transforms the filters into its U, runs six GEMMs into its Mᵀ, and finally inverse-transforms.
/// </summary>
internal readonly struct WinogradStreamPlan
{
    /// <summary>Bytes of one worker's six transformed positions of a block and depth block: fits L2 next to its weights.</summary>
    internal static long UBudgetBytes = 192 * 1024;

    /// <summary>Bytes of the shared transformed input; past this an image is cut into chunks (each redoes the filter transforms).</summary>
    internal static long VBudgetBytes = 8L << 20;

    /// <summary>Bytes of one worker's products Mᵀ (36 × tiles × KBlock): also bounds the chunk.</summary>
    internal static long MBudgetBytes = 2L << 20;

    /// <param name="g">The convolution.</param>
    /// <param name="lanes">Tiles (input transform) and output channels (filter and output transforms) per vector.</param>
    /// <param name="kernel">The GEMM micro-kernel: tiles are padded to its MR, output channels to its NR.</param>
    /// <param name="threads">Workers the blocks are shared between.</param>
    /// <param name="kBlock">Output channels per block, rounded up to NR; 0 = from <see cref="UBudgetBytes"/> (tests force small blocks).</param>
    /// <param name="chunkTiles">Tiles per chunk; 0 = from <see cref="VBudgetBytes"/>.</param>
    public WinogradStreamPlan(in ConvGeometry g, int lanes, GemmKernel kernel, int threads, int kBlock = 0, int chunkTiles = 0)
    {
        int c = g.InChannels, k = g.OutChannels, mr = kernel.MR, nr = kernel.NR;
        int tiles = ((g.OutWidth + WinogradPlan.Tile - 1) / WinogradPlan.Tile) * ((g.OutHeight + WinogradPlan.Tile - 1) / WinogradPlan.Tile);
        if (kBlock <= 0)
        {
            kBlock = (int)(UBudgetBytes / (6L * Math.Min(c, GemmKernel.KC) * sizeof(float)));
            // Every worker gets at least one block.
            kBlock = Math.Min(kBlock, (k + threads - 1) / threads);
        }
        KBlock = Math.Min(Math.Max(1, (kBlock + nr - 1) / nr) * nr, (k + nr - 1) / nr * nr);
        KBlocks = (k + KBlock - 1) / KBlock;
        PaddedK = KBlocks * KBlock;
        if (chunkTiles <= 0)
        {
            long perTile = (long)WinogradPlan.Positions * sizeof(float);
            long limit = Math.Min(VBudgetBytes / (perTile * c), MBudgetBytes / (perTile * KBlock));
            chunkTiles = (int)Math.Clamp(limit, Math.Min(WinogradPlan.MinTiles, tiles), tiles);
        }
        Tiles = new WinogradPlan(g, lanes, 1, chunkTiles);
        PaddedTiles = (Tiles.BlockTiles + mr - 1) / mr * mr;
        VStep = (long)PaddedTiles * c;
        UStep = (long)Math.Min(c, GemmKernel.KC) * KBlock;
        MStep = (long)PaddedTiles * KBlock;
        VFloats = WinogradPlan.Round16(WinogradPlan.Positions * VStep);
        UFloats = WinogradPlan.Round16(6 * UStep);
        MFloats = WinogradPlan.Round16(WinogradPlan.Positions * MStep);
        // One channel's transformed tiles before packing (plus a panel of slack: packing reads whole MR panels).
        RowFloats = WinogradPlan.Round16(WinogradPlan.Positions * (long)Tiles.TileStride + mr);
        OutFloats = WinogradPlan.Round16(40L * lanes);
        PartFloats = UFloats + MFloats + RowFloats + OutFloats + Tiles.ScratchFloats;
    }

    /// <summary>Tile geometry; its blocks are the chunks.</summary>
    public WinogradPlan Tiles { get; }

    /// <summary>Output channels rounded up to whole blocks (the reordered weights' row length; zeros past K).</summary>
    public int PaddedK { get; }

    public int KBlock { get; }
    public int KBlocks { get; }

    /// <summary>Tiles of a chunk rounded up to the micro-kernel's MR (rows of Vᵀ and Mᵀ).</summary>
    public int PaddedTiles { get; }

    /// <summary>Floats between positions of packed Vᵀ, of packed Uᵀ (one depth block) and of Mᵀ.</summary>
    public long VStep { get; }
    public long UStep { get; }
    public long MStep { get; }

    /// <summary>The shared, packed transformed input.</summary>
    public long VFloats { get; }

    /// <summary>Per worker: six positions of packed U, 36 of Mᵀ, one channel's tiles, output-transform scratch.</summary>
    public long UFloats { get; }
    public long MFloats { get; }
    public long RowFloats { get; }
    public long OutFloats { get; }

    /// <summary>One worker's region: U, Mᵀ, row, output scratch, tile-transform scratch.</summary>
    public long PartFloats { get; }

    /// <summary>Workspace floats for <paramref name="parts"/> workers.</summary>
    public long WorkspaceFloats(int parts) => VFloats + parts * PartFloats;
}
