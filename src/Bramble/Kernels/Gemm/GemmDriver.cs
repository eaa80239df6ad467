using System.Runtime.CompilerServices;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// The BLIS loop nest around a micro-kernel, generic over where A and B panels come from (dense,
/// pre-packed, or an implicit im2col for convolution) so the JIT specialises each combination.
/// Threads split C into a grid of pm×pn parts of whole micro-tiles (<see cref="GemmGrid"/>), usually several per
/// thread, claimed dynamically; each part runs the whole nest with its thread's buffers.
/// </summary>
internal unsafe struct GemmJob<TA, TB> : IParallelBody
    where TA : struct, IPanelSourceA
    where TB : struct, IPanelSourceB
{
    public TA A;
    public TB B;
    public float* C;
    public long Ldc;
    public int M, N, K;
    public float Alpha, Beta;
    public Epilogue Epilogue;
    public GemmKernel Kernel;
    public int PartsM, PartsN, MTiles, NTiles;

    public void Invoke(int index)
    {
        int pi = index / PartsN, pj = index - pi * PartsN, mr = Kernel.MR, nr = Kernel.NR;
        int m0 = GemmGrid.Start(pi, PartsM, MTiles, mr), m1 = Math.Min(M, GemmGrid.Start(pi + 1, PartsM, MTiles, mr));
        int n0 = GemmGrid.Start(pj, PartsN, NTiles, nr), n1 = Math.Min(N, GemmGrid.Start(pj + 1, PartsN, NTiles, nr));
        if (m0 < m1 && n0 < n1) Compute(m0, m1, n0, n1);
    }

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private void Compute(int m0, int m1, int n0, int n1)
    {
        var scratch = GemmScratch.Current;
        int mr = Kernel.MR, nr = Kernel.NR;
        bool epilogue = !Epilogue.IsIdentity;
        // Full tiles of the last K block get the epilogue in the kernel's registers when it can run there.
        var copy = Epilogue;
        Epilogue* inKernel = epilogue && copy.RunsInKernel ? &copy : null;
        for (int jc = n0; jc < n1; jc += GemmKernel.NC)
        {
            int nc = Math.Min(GemmKernel.NC, n1 - jc);
            for (int pc = 0; pc < K; pc += GemmKernel.KC)
            {
                int kc = Math.Min(GemmKernel.KC, K - pc);
                float beta = pc == 0 ? Beta : 1f;
                bool last = pc + kc == K;
                bool rowsOuter = kc <= RowsOuterMaxDepth;
                // A residual is added per MC×NC block (in L2) in BLIS order: there a tile's six short rows of the residual
                // are six more memory streams per tile, which measured slower than the separate Add it replaces. Swept
                // row panel by row panel they are six sequential streams beside C's, so each tile adds its own.
                bool perBlock = last && epilogue && copy.Residual != null && !rowsOuter;
                bool perTile = last && epilogue && !perBlock;
                Epilogue* tileEpilogue = perTile ? inKernel : null;
                float* bp = B.Panels(scratch.B, pc, kc, jc, nc, nr);
                for (int ic = m0; ic < m1; ic += GemmKernel.MC)
                {
                    int mc = Math.Min(GemmKernel.MC, m1 - ic);
                    float* ap = A.Panels(scratch.A, ic, mc, pc, kc, mr);
                    if (rowsOuter)
                    {
                        // Short K: six rows at a time across the whole block, so C is written as six sequential
                        // streams rather than MC/MR·6 interleaved ones that defeat the store prefetcher; the
                        // kc×nc B block this re-reads per row panel is small enough to stay in L2.
                        for (int ir = 0; ir < mc; ir += mr)
                            for (int jr = 0; jr < nc; jr += nr)
                                Tile(scratch, tileEpilogue, ap, bp, kc, ic, ir, mc, jc, jr, nc, beta, perTile);
                    }
                    else
                    {
                        // BLIS order: the kc×nr B panel stays in L1 while the MC×kc A block streams from L2.
                        for (int jr = 0; jr < nc; jr += nr)
                            for (int ir = 0; ir < mc; ir += mr)
                                Tile(scratch, tileEpilogue, ap, bp, kc, ic, ir, mc, jc, jr, nc, beta, perTile);
                    }
                    if (perBlock) Epilogue.Apply(C + ic * Ldc + jc, (int)Ldc, mc, nc, ic, jc, Kernel.Isa);
                }
            }
        }
    }

    /// <summary>
    /// Depth up to which <see cref="Compute"/> sweeps row panels outermost: the kc×NC B block it re-reads per
    /// row panel (≤ 256 KiB) then stays in L2, and stores run along C's rows (1×1 convolutions over few channels).
    /// </summary>
    internal const int RowsOuterMaxDepth = 64;

    /// <summary>
    /// One MR×NR tile of C at block (ic, jc) + (ir, jr); a ragged right edge goes through a scratch tile. With
    /// <paramref name="applyEpilogue"/> the epilogue runs in the kernel (<paramref name="inKernel"/>) or right after.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Tile(GemmScratch scratch, Epilogue* inKernel, float* ap, float* bp, int kc, int ic, int ir, int mc, int jc, int jr, int nc,
        float beta, bool applyEpilogue)
    {
        var kernel = Kernel;
        int mr = kernel.MR, nr = kernel.NR;
        int cols = Math.Min(nr, nc - jr), rows = Math.Min(mr, mc - ir);
        float* bPanel = B.Tile(bp, scratch.B, kc, jr, cols, nr, out int ldb);
        float* c = C + (ic + ir) * Ldc + jc + jr;
        if (cols == nr && M - (ic + ir) == 1 && GemmEdgeRows.Handles(kernel))
        {
            // C's one row (a fully connected layer at batch 1): a matrix-vector product, not a tile of A's padding.
            GemmEdgeRows.Run(kc, ap + (long)ir * kc, mr, bPanel, ldb, nr, c, Alpha, beta);
            if (applyEpilogue) Epilogue.Apply(c, (int)Ldc, 1, cols, ic + ir, jc + jr, kernel.Isa);
            return;
        }
        if (cols == nr)
        {
            // Full width: straight into C, a ragged last row panel storing only its rows.
            kernel.Run(kc, ap + (long)ir * kc, bPanel, ldb, c, (int)Ldc, Alpha, beta, inKernel, ic + ir, jc + jr, rows);
            if (applyEpilogue && inKernel == null) Epilogue.Apply(c, (int)Ldc, rows, cols, ic + ir, jc + jr, kernel.Isa);
            return;
        }
        // Ragged right edge: the tile (or, for a few columns, just those) into scratch, then only the valid part into C.
        float* t = scratch.Tile;
        if (GemmEdgeColumns.Handles(kernel, cols)) GemmEdgeColumns.Run(kc, ap + (long)ir * kc, mr, bPanel, ldb, cols, t, nr, Alpha);
        else kernel.Run(kc, ap + (long)ir * kc, bPanel, ldb, t, nr, Alpha, 0f, null, 0, 0, mr);
        for (int r = 0; r < rows; r++)
        {
            float* cr = c + r * Ldc;
            float* tr = t + r * nr;
            if (beta == 0) for (int j = 0; j < cols; j++) cr[j] = tr[j];
            else for (int j = 0; j < cols; j++) cr[j] = tr[j] + beta * cr[j];
        }
        if (applyEpilogue) Epilogue.Apply(c, (int)Ldc, rows, cols, ic + ir, jc + jr, kernel.Isa);
    }

    /// <summary>Splits C over the pool and runs.</summary>
    public void Run(WorkerPool? pool)
    {
        if (M == 0 || N == 0) return;
        if (K == 0)
        {
            ScaleOnly();
            return;
        }
        int threads = pool?.ThreadCount ?? 1;
        // Below ~64³ MACs waking workers costs more than it saves.
        if ((long)M * N * K < 1L << 18) threads = 1;
        MTiles = (M + Kernel.MR - 1) / Kernel.MR;
        NTiles = (N + Kernel.NR - 1) / Kernel.NR;
        double costA = TA.ElementCost > 0 ? TA.ElementCost : GemmGrid.StreamCost((long)M * K);
        double costB = TB.ElementCost > 0 ? TB.ElementCost : GemmGrid.StreamCost((long)K * N);
        GemmGrid.Choose(MTiles, NTiles, Kernel.MR, Kernel.NR, K, threads, costA, costB, out PartsM, out PartsN);
        if (PartsM * PartsN == 1 || pool == null) Compute(0, M, 0, N);
        else pool.For(PartsM * PartsN, ref this);
    }

    private readonly void ScaleOnly()
    {
        for (int i = 0; i < M; i++)
        {
            float* c = C + i * Ldc;
            for (int j = 0; j < N; j++) c[j] = Beta == 0 ? 0 : Beta * c[j];
        }
        Epilogue.Apply(C, (int)Ldc, M, N, 0, 0, Kernel.Isa);
    }
}
