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
}

internal readonly unsafe struct PrepackedB(PackedMatrix packed) : IPanelSourceB
{
    public static double ElementCost => 0;

    public float* Panels(float* buffer, int k0, int kc, int j0, int nc, int nr) => packed.Block(k0, j0);
}
