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
