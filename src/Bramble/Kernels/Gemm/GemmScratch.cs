using System.Runtime.InteropServices;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// Per-thread packing buffers, allocated on a thread's first GEMM and reused for all later ones so a
/// call allocates nothing. Freed by the finalizer when the thread (and its static) goes away.
/// </summary>
internal sealed unsafe class GemmScratch
{
    private const int MaxMR = 8, MaxNR = 32;

    [ThreadStatic] private static GemmScratch? t_current;

    public static GemmScratch Current => t_current ??= new GemmScratch();

    public readonly float* A;
    public readonly float* B;
    public readonly float* Tile;

    private GemmScratch()
    {
        A = (float*)NativeMemory.AlignedAlloc((nuint)(GemmKernel.MC * GemmKernel.KC * sizeof(float)), 64);
        B = (float*)NativeMemory.AlignedAlloc((nuint)(GemmKernel.KC * GemmKernel.NC * sizeof(float)), 64);
        Tile = (float*)NativeMemory.AlignedAlloc((nuint)(MaxMR * MaxNR * sizeof(float)), 64);
    }

    ~GemmScratch()
    {
        NativeMemory.AlignedFree(A);
        NativeMemory.AlignedFree(B);
        NativeMemory.AlignedFree(Tile);
    }
}
