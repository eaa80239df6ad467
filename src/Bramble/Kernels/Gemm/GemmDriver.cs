using System.Runtime.CompilerServices;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// The BLIS loop nest around a micro-kernel, generic over where A and B panels come from (dense,
/// pre-packed, or an implicit im2col for convolution) so the JIT specialises each combination.
/// Threads split C into a grid of pm×pn parts; each part runs the whole nest with its own buffers.
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
    public int PartsN, RowsPerPart, ColsPerPart;

    public void Invoke(int index)
    {
        int m0 = index / PartsN * RowsPerPart, n0 = index % PartsN * ColsPerPart;
        int m1 = Math.Min(M, m0 + RowsPerPart), n1 = Math.Min(N, n0 + ColsPerPart);
        if (m0 < m1 && n0 < n1) Compute(m0, m1, n0, n1);
    }

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private void Compute(int m0, int m1, int n0, int n1)
    {
        var scratch = GemmScratch.Current;
        var kernel = Kernel;
        int mr = kernel.MR, nr = kernel.NR;
        var run = kernel.Run;
        var isa = kernel.Isa;
        bool epilogue = !Epilogue.IsIdentity;
        // Full tiles of the last K block get the epilogue in the kernel's registers when it can run there.
        var copy = Epilogue;
        Epilogue* inKernel = epilogue && copy.RunsInKernel ? &copy : null;
        // A residual is added per MC×NC block (in L2) rather than per tile: a tile's six short rows of the residual
        // are six more memory streams per tile, which measured slower than the separate Add it replaces.
        bool perBlock = epilogue && copy.Residual != null;
        bool perTile = epilogue && !perBlock;
        for (int jc = n0; jc < n1; jc += GemmKernel.NC)
        {
            int nc = Math.Min(GemmKernel.NC, n1 - jc);
            for (int pc = 0; pc < K; pc += GemmKernel.KC)
            {
                int kc = Math.Min(GemmKernel.KC, K - pc);
                float beta = pc == 0 ? Beta : 1f;
                bool last = pc + kc == K;
                float* bp = B.Panels(scratch.B, pc, kc, jc, nc, nr);
                for (int ic = m0; ic < m1; ic += GemmKernel.MC)
                {
                    int mc = Math.Min(GemmKernel.MC, m1 - ic);
                    float* ap = A.Panels(scratch.A, ic, mc, pc, kc, mr);
                    for (int jr = 0; jr < nc; jr += nr)
                    {
                        int cols = Math.Min(nr, nc - jr);
                        float* bPanel = bp + (long)jr * kc;
                        for (int ir = 0; ir < mc; ir += mr)
                        {
                            int rows = Math.Min(mr, mc - ir);
                            float* c = C + (ic + ir) * Ldc + jc + jr;
                            if (rows == mr && cols == nr)
                            {
                                bool fused = last && inKernel != null;
                                run(kc, ap + (long)ir * kc, bPanel, c, (int)Ldc, Alpha, beta, fused ? inKernel : null, ic + ir, jc + jr);
                                if (last && perTile && !fused) Epilogue.Apply(c, (int)Ldc, rows, cols, ic + ir, jc + jr, isa);
                            }
                            else
                            {
                                // Ragged edge: full tile into scratch, then only the valid part into C.
                                float* t = scratch.Tile;
                                run(kc, ap + (long)ir * kc, bPanel, t, nr, Alpha, 0f, null, 0, 0);
                                for (int r = 0; r < rows; r++)
                                {
                                    float* cr = c + r * Ldc;
                                    float* tr = t + r * nr;
                                    if (beta == 0) for (int j = 0; j < cols; j++) cr[j] = tr[j];
                                    else for (int j = 0; j < cols; j++) cr[j] = tr[j] + beta * cr[j];
                                }
                                if (last && perTile) Epilogue.Apply(c, (int)Ldc, rows, cols, ic + ir, jc + jr, isa);
                            }
                        }
                    }
                    if (last && perBlock) Epilogue.Apply(C + ic * Ldc + jc, (int)Ldc, mc, nc, ic, jc, isa);
                }
            }
        }
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
        ChooseGrid(threads, out int pm, out int pn);
        PartsN = pn;
        int mTiles = (M + Kernel.MR - 1) / Kernel.MR, nTiles = (N + Kernel.NR - 1) / Kernel.NR;
        RowsPerPart = (mTiles + pm - 1) / pm * Kernel.MR;
        ColsPerPart = (nTiles + pn - 1) / pn * Kernel.NR;
        if (pm * pn == 1 || pool == null) Compute(0, M, 0, N);
        else pool.For(pm * pn, ref this);
    }

    /// <summary>
    /// Picks pm×pn ≤ threads parts minimising the largest part's work: compute ∝ tile area (with
    /// rounding to tiles) plus packing ∝ its rows + columns, since every part packs its own panels.
    /// </summary>
    private readonly void ChooseGrid(int threads, out int pm, out int pn)
    {
        int mTiles = (M + Kernel.MR - 1) / Kernel.MR, nTiles = (N + Kernel.NR - 1) / Kernel.NR;
        pm = 1; pn = 1;
        double best = double.MaxValue;
        for (int tm = 1; tm <= threads; tm++)
        {
            int tn = threads / tm;
            if (tm > mTiles || tn > nTiles) continue;
            double rows = (double)((mTiles + tm - 1) / tm) * Kernel.MR;
            double cols = (double)((nTiles + tn - 1) / tn) * Kernel.NR;
            double cost = rows * cols + 2 * (rows + cols);
            if (cost < best) { best = cost; pm = tm; pn = tn; }
        }
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
