namespace Bramble.Kernels.Gemm;

/// <summary>Where the driver gets packed panels of A: packs them into a scratch buffer, or points into a pre-packed matrix.</summary>
internal unsafe interface IPanelSourceA
{
    /// <summary>Packed panels for rows [i0, i0+mc) × depth [k0, k0+kc); may pack into <paramref name="buffer"/>.</summary>
    float* Panels(float* buffer, int i0, int mc, int k0, int kc, int mr);

    /// <summary>
    /// Cost of packing one panel element in multiply-adds, for splitting work (<see cref="GemmGrid"/>); 0 for
    /// pre-packed panels, which every part that uses them still streams into cache (<see cref="GemmGrid.StreamCost"/>).
    /// </summary>
    static virtual double ElementCost => GemmGrid.PackCost;
}

/// <summary>Where the driver gets packed panels of B (see <see cref="IPanelSourceA"/>).</summary>
internal unsafe interface IPanelSourceB
{
    /// <summary>Packed panels for depth [k0, k0+kc) × columns [j0, j0+nc); may pack into <paramref name="buffer"/>.</summary>
    float* Panels(float* buffer, int k0, int kc, int j0, int nc, int nr);

    /// <summary>
    /// Where the micro-kernel reads tile column <paramref name="jr"/> (its first <paramref name="cols"/> of nr columns
    /// valid) of the block <see cref="Panels"/> returned, and the stride between its kc rows: a packed panel
    /// (stride nr), or the matrix itself. <paramref name="scratch"/> is this source's to use for a padded copy.
    /// </summary>
    float* Tile(float* block, float* scratch, int kc, int jr, int cols, int nr, out int ldb);

    /// <summary>See <see cref="IPanelSourceA.ElementCost"/>.</summary>
    static virtual double ElementCost => GemmGrid.PackCost;
}

internal readonly unsafe struct DenseA(float* a, long lda, bool transposed, int m) : IPanelSourceA
{
    public float* Panels(float* buffer, int i0, int mc, int k0, int kc, int mr)
    {
        GemmPacking.PackA(buffer, a, lda, transposed, m, i0, mc, k0, kc, mr);
        return buffer;
    }
}

internal readonly unsafe struct PrepackedA(PackedMatrix packed) : IPanelSourceA
{
    public static double ElementCost => 0;

    public float* Panels(float* buffer, int i0, int mc, int k0, int kc, int mr) => packed.Block(k0, i0);
}

internal readonly unsafe struct DenseB(float* b, long ldb, bool transposed, int n) : IPanelSourceB
{
    public float* Panels(float* buffer, int k0, int kc, int j0, int nc, int nr)
    {
        GemmPacking.PackB(buffer, b, ldb, transposed, n, k0, kc, j0, nc, nr);
        return buffer;
    }

    public float* Tile(float* block, float* scratch, int kc, int jr, int cols, int nr, out int stride) => PackedPanels.Tile(block, kc, jr, nr, out stride);
}

/// <summary>
/// B (K×N, row-major, not transposed) read in place by the micro-kernel: nothing is packed. For the GEMMs of 1×1
/// convolutions with few output channels, where packing B costs about as much as multiplying it, since each packed
/// element feeds only M multiply-adds (see <see cref="Sgemm.ReadsBInPlace"/>).
/// </summary>
internal readonly unsafe struct InPlaceB(float* b, long ldb) : IPanelSourceB
{
    public static double ElementCost => 0;

    public float* Panels(float* buffer, int k0, int kc, int j0, int nc, int nr) => b + k0 * ldb + j0;

    public float* Tile(float* block, float* scratch, int kc, int jr, int cols, int nr, out int stride)
    {
        if (cols == nr)
        {
            stride = (int)ldb;
            return block + jr;
        }
        // The ragged last tile: a full-width read would run past the row, and on the last row past the matrix.
        GemmPacking.PackB(scratch, block + jr, ldb, false, cols, 0, kc, 0, nr, nr);
        stride = nr;
        return scratch;
    }
}

/// <summary>Tiles of B blocks packed as consecutive kc×nr panels.</summary>
internal static unsafe class PackedPanels
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static float* Tile(float* block, int kc, int jr, int nr, out int stride)
    {
        stride = nr;
        return block + (long)jr * kc;
    }
}

internal readonly unsafe struct PrepackedB(PackedMatrix packed) : IPanelSourceB
{
    public static double ElementCost => 0;

    public float* Panels(float* buffer, int k0, int kc, int j0, int nc, int nr) => packed.Block(k0, j0);

    public float* Tile(float* block, float* scratch, int kc, int jr, int cols, int nr, out int stride) => PackedPanels.Tile(block, kc, jr, nr, out stride);
}
