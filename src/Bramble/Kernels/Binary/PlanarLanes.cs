using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Binary;

/// <summary>
/// One SIMD width and counting method of the planar binary convolution (<see cref="PlanarLayout"/>): a vector holds
/// one input unit (a nibble or a byte of channels) of <see cref="Pixels"/> consecutive output pixels, and a weight unit
/// becomes an "operand" vector that <see cref="Count"/> turns into per-pixel mismatch counts in one or two instructions.
/// On x86 the unit is a nibble and the operand the 16-entry table popcount(i XOR w): one vpshufb counts 4 channels of
/// every pixel with the XOR folded into the table, and the input needs no nibble split because it is stored split.
/// ARM counts a byte per step with XOR + CNT, which beats two TBL lookups.
/// </summary>
internal unsafe interface IPlanarLanes<T> where T : struct
{
    /// <summary>Output pixels (bytes) per vector.</summary>
    static abstract int Pixels { get; }

    /// <summary>Input channels per step: 4 (nibble planes, table lookups) or 8 (byte planes, XOR + popcount).</summary>
    static abstract int StepBits { get; }

    static abstract T Zero { get; }

    static abstract T Load(byte* p);

    /// <summary>The operand of weight unit <paramref name="w"/>, built once per chunk and reused across the strip.</summary>
    static abstract T Operand(byte w);

    /// <summary>Per byte: mismatches between input units <paramref name="x"/> and the weight unit behind <paramref name="operand"/>.</summary>
    static abstract T Count(T x, T operand);

    static abstract T Add(T a, T b);

    /// <summary>Adds the byte counts of <paramref name="acc"/> to the 16-bit counts at <paramref name="sums"/> (<see cref="Pixels"/> of them).</summary>
    static abstract void AddWidened(T acc, ushort* sums);
}

/// <summary>Constants shared by the lanes: bit counts of 0..15 and the identity permutation, in one 16-byte lane.</summary>
internal static class NibbleCounts
{
    public static Vector128<byte> Table => Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);

    /// <summary>popcount(i XOR w) for i = 0..15: the bit counts permuted by XOR with w (a lookup, so no table in memory).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> XorTable(byte w) =>
        Vector128.Shuffle(Table, Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) ^ Vector128.Create(w));
}

/// <summary>AVX2: 32 pixels per vector, one vpshufb per nibble step and output channel.</summary>
internal readonly unsafe struct NibbleLanes256 : IPlanarLanes<Vector256<byte>>
{
    public static bool IsSupported => Avx2.IsSupported;
    public static int Pixels => 32;
    public static int StepBits => 4;
    public static Vector256<byte> Zero => Vector256<byte>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Load(byte* p) => Vector256.Load(p);
    public static Vector256<byte> Operand(byte w) => Vector256.Create(NibbleCounts.XorTable(w), NibbleCounts.XorTable(w));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Count(Vector256<byte> x, Vector256<byte> operand) => Avx2.Shuffle(operand, x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Add(Vector256<byte> a, Vector256<byte> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(Vector256<byte> acc, ushort* sums)
    {
        (Vector256.Load(sums) + Avx2.ConvertToVector256Int16(acc.GetLower()).AsUInt16()).Store(sums);
        (Vector256.Load(sums + 16) + Avx2.ConvertToVector256Int16(acc.GetUpper()).AsUInt16()).Store(sums + 16);
    }
}

/// <summary>128-bit tables: SSSE3 pshufb (or NEON TBL): 16 pixels per vector.</summary>
internal readonly unsafe struct NibbleLanes128 : IPlanarLanes<Vector128<byte>>
{
    public static bool IsSupported => AdvSimd.Arm64.IsSupported || Ssse3.IsSupported;
    public static int Pixels => 16;
    public static int StepBits => 4;
    public static Vector128<byte> Zero => Vector128<byte>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Load(byte* p) => Vector128.Load(p);
    public static Vector128<byte> Operand(byte w) => NibbleCounts.XorTable(w);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Count(Vector128<byte> x, Vector128<byte> operand)
    {
        if (Ssse3.IsSupported) return Ssse3.Shuffle(operand, x);
        if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.VectorTableLookup(operand, x);
        return Vector128.Shuffle(operand, x);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Add(Vector128<byte> a, Vector128<byte> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void AddWidened(Vector128<byte> acc, ushort* sums) => Widening.Add128(acc, sums);
}

/// <summary>
/// 128-bit byte steps: popcount(x XOR broadcast weight byte), NEON CNT on ARM. Elsewhere the popcount is the nibble
/// lookup (slower than <see cref="NibbleLanes128"/>, never chosen there): it lets the tests run ARM's layout and sweep on x86.
/// </summary>
internal readonly unsafe struct ByteLanes128 : IPlanarLanes<Vector128<byte>>
{
    public static bool Native => AdvSimd.IsSupported;
    public static int Pixels => 16;
    public static int StepBits => 8;
    public static Vector128<byte> Zero => Vector128<byte>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Load(byte* p) => Vector128.Load(p);
    public static Vector128<byte> Operand(byte w) => Vector128.Create(w);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Count(Vector128<byte> x, Vector128<byte> operand)
    {
        var v = x ^ operand;
        if (AdvSimd.IsSupported) return AdvSimd.PopCount(v);
        var low = Vector128.Create((byte)0x0F);
        return NibbleLanes128.Count(v & low, NibbleCounts.Table) + NibbleLanes128.Count(Vector128.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & low, NibbleCounts.Table);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Add(Vector128<byte> a, Vector128<byte> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void AddWidened(Vector128<byte> acc, ushort* sums) => Widening.Add128(acc, sums);
}

internal static unsafe class Widening
{
    /// <summary>Sixteen byte counts added to sixteen 16-bit sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add128(Vector128<byte> acc, ushort* sums)
    {
        (Vector128.Load(sums) + Vector128.WidenLower(acc)).Store(sums);
        (Vector128.Load(sums + 8) + Vector128.WidenUpper(acc)).Store(sums + 8);
    }
}
