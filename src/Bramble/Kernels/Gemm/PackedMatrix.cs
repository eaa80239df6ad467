using Bramble.Tensors;

namespace Bramble.Kernels.Gemm;

/// <summary>
/// A GEMM operand (usually constant weights) packed once into the micro-kernel's panel layout, so runs
/// skip packing it. Packed as the left operand A (M×K, panels of MR rows) or the right operand B (K×N,
/// panels of NR columns), for the kernel chosen under an ISA cap; it can only be used with that kernel.
/// Layout: for each K block of <see cref="GemmKernel.KC"/>, all panels of that block, each kc×panel.
/// </summary>
public sealed unsafe class PackedMatrix : IDisposable
{
    private readonly NativeBuffer _buffer;

    private PackedMatrix(GemmKernel kernel, bool isLeft, int rows, int cols, int panel)
    {
        Kernel = kernel;
        IsLeft = isLeft;
        Rows = rows;
        Cols = cols;
        Panel = panel;
        int outer = isLeft ? rows : cols;
        Padded = (outer + panel - 1) / panel * panel;
        int depth = isLeft ? cols : rows;
        // Prefilled when a compiled model supplies the panels packed at compile time (see PackedWeights).
        _buffer = PackedWeights.Allocate(Math.Max(1L, (long)Padded * depth) * sizeof(float));
        Prefilled = PackedWeights.Prefilled;
    }

    /// <summary>True when the buffer came already packed: the Pack methods leave it (and their source) untouched.</summary>
    private bool Prefilled { get; }

    internal GemmKernel Kernel { get; }

    /// <summary>True when packed as the left operand A; false for the right operand B.</summary>
    public bool IsLeft { get; }

    /// <summary>Logical rows (M for A, K for B).</summary>
    public int Rows { get; }

    /// <summary>Logical columns (K for A, N for B).</summary>
    public int Cols { get; }

    /// <summary>Name of the kernel it was packed for.</summary>
    public string KernelName => Kernel.Name;

    internal int Panel { get; }
    internal int Padded { get; }
    internal int Depth => IsLeft ? Cols : Rows;

    /// <summary>Bytes of packed data.</summary>
    public long ByteLength => _buffer.ByteLength;

    /// <summary>The packed panels of K block <paramref name="k0"/> starting at row/column <paramref name="x0"/> (a multiple of the panel).</summary>
    internal float* Block(int k0, int x0)
    {
        int kc = Math.Min(GemmKernel.KC, Depth - k0);
        return (float*)_buffer.Pointer + (long)k0 * Padded + (long)(x0 / Panel) * kc * Panel;
    }

    /// <summary>Packs A (M×K; element (i,k) = transposed ? a[k·lda+i] : a[i·lda+k]) for the kernel chosen under <paramref name="cap"/>.</summary>
    public static PackedMatrix PackA(float* a, int lda, bool transposed, int m, int k, Isa cap)
    {
        CheckShape(m, k);
        var kernel = GemmKernel.Select(cap);
        var packed = new PackedMatrix(kernel, true, m, k, kernel.MR);
        for (int k0 = 0; k0 < k && !packed.Prefilled; k0 += GemmKernel.KC)
        {
            int kc = Math.Min(GemmKernel.KC, k - k0);
            GemmPacking.PackA(packed.Block(k0, 0), a, lda, transposed, m, 0, packed.Padded, k0, kc, kernel.MR);
        }
        return packed;
    }

    /// <summary>Packs B (K×N; element (k,j) = transposed ? b[j·ldb+k] : b[k·ldb+j]) for the kernel chosen under <paramref name="cap"/>.</summary>
    public static PackedMatrix PackB(float* b, int ldb, bool transposed, int k, int n, Isa cap)
    {
        CheckShape(k, n);
        var kernel = GemmKernel.Select(cap);
        var packed = new PackedMatrix(kernel, false, k, n, kernel.NR);
        for (int k0 = 0; k0 < k && !packed.Prefilled; k0 += GemmKernel.KC)
        {
            int kc = Math.Min(GemmKernel.KC, k - k0);
            GemmPacking.PackB(packed.Block(k0, 0), b, ldb, transposed, n, k0, kc, 0, packed.Padded, kernel.NR);
        }
        return packed;
    }

    internal static PackedMatrix PackAWith(GemmKernel kernel, float* a, int lda, bool transposed, int m, int k)
    {
        var packed = new PackedMatrix(kernel, true, m, k, kernel.MR);
        for (int k0 = 0; k0 < k && !packed.Prefilled; k0 += GemmKernel.KC)
            GemmPacking.PackA(packed.Block(k0, 0), a, lda, transposed, m, 0, packed.Padded, k0, Math.Min(GemmKernel.KC, k - k0), kernel.MR);
        return packed;
    }

    internal static PackedMatrix PackBWith(GemmKernel kernel, float* b, int ldb, bool transposed, int k, int n)
    {
        var packed = new PackedMatrix(kernel, false, k, n, kernel.NR);
        for (int k0 = 0; k0 < k && !packed.Prefilled; k0 += GemmKernel.KC)
            GemmPacking.PackB(packed.Block(k0, 0), b, ldb, transposed, n, k0, Math.Min(GemmKernel.KC, k - k0), 0, packed.Padded, kernel.NR);
        return packed;
    }

    private static void CheckShape(int rows, int cols)
    {
        if (rows < 0 || cols < 0) throw new ShapeException($"cannot pack a {rows}×{cols} matrix: negative dimension");
    }

    public void Dispose() => _buffer.Dispose();
}
