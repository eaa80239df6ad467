using System.Runtime.Intrinsics;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// One register-tiled micro-kernel with the blocking it is tuned for. The list is the registry:
/// <see cref="Select"/> takes the widest variant the CPU runs under the session's ISA cap.
/// </summary>
internal sealed unsafe class GemmKernel
{
    /// <summary>Depth of one packed K block: an MR×KC A panel plus a KC×NR B panel stay in L1.</summary>
    public const int KC = 256;

    /// <summary>Rows of A packed at once (a multiple of every MR): the MC×KC block stays in L2.</summary>
    public const int MC = 96;

    /// <summary>Columns of B packed at once: the KC×NC panel is shared by all MC blocks from L3.</summary>
    public const int NC = 1024;

    private GemmKernel(string name, Isa isa, int mr, int nr, delegate*<int, float*, float*, int, float*, int, float, float, Epilogue*, int, int, int, void> run)
    {
        Name = name;
        Isa = isa;
        MR = mr;
        NR = nr;
        Run = run;
    }

    public string Name { get; }
    public Isa Isa { get; }
    public int MR { get; }
    public int NR { get; }

    /// <summary>
    /// (kc, packedA, b, ldb, c, ldc, alpha, beta, epilogue or null, tile row, tile column, rows): one MR×NR tile, of which
    /// the first <c>rows</c> are finished and stored (the rest of a ragged last row panel is computed from A's zero padding
    /// and dropped). B's row k of the tile's NR columns starts at b + k·ldb: ldb = NR in a packed panel, the matrix's row
    /// stride when read in place.
    /// </summary>
    public readonly delegate*<int, float*, float*, int, float*, int, float, float, Epilogue*, int, int, int, void> Run;

    public static readonly GemmKernel V512 = new("f32_gemm_8x32__v512", Isa.Vector512, 8, 32, &GemmMicroKernels.Kernel8x32);
    public static readonly GemmKernel V256 = new("f32_gemm_6x16__v256", Isa.Vector256, 6, 16, &GemmMicroKernels.Kernel6x16);
    public static readonly GemmKernel V128 = new("f32_gemm_6x8__v128", Isa.Vector128, 6, 8, &GemmMicroKernels.Kernel6x8);
    public static readonly GemmKernel Scalar = new("f32_gemm_4x4__scalar", Isa.Scalar, 4, 4, &GemmMicroKernels.Kernel4x4);

    /// <summary>Every variant, widest first.</summary>
    public static readonly GemmKernel[] All = [V512, V256, V128, Scalar];

    /// <summary>The widest variant this CPU runs at or below <paramref name="cap"/>.</summary>
    public static GemmKernel Select(Isa cap)
    {
        var isa = CpuFeatures.Effective(cap);
        // FMA matters: without it a 256-bit kernel is no better than two 128-bit ones.
        if (isa >= Isa.Vector512 && Vector512.IsHardwareAccelerated) return V512;
        if (isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated) return V256;
        if (isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated) return V128;
        return Scalar;
    }

    public override string ToString() => Name;
}
