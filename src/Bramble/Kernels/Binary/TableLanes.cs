using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Binary;

/// <summary>
/// One SIMD width of the byte-planar binary convolution (<see cref="PlanarLayout"/>): a vector holds one
/// channel byte (8 channels) of <see cref="Pixels"/> consecutive output pixels, and a weight byte w is applied as two
/// 16-entry tables, T_lo[i] = popcount(i XOR (w &amp; 15)) and T_hi[i] = popcount(i XOR (w &gt;&gt; 4)), looked up by
/// the pixels' low and high nibbles. The nibbles are split once per input vector and shared by every output channel,
/// so one output channel costs two shuffles and two byte adds per 8 channels × <see cref="Pixels"/> pixels, where XOR
/// then a popcount lookup costs eight instructions. ARM instead XORs with the broadcast weight byte and counts with CNT.
/// </summary>
internal unsafe interface ITableLanes<T> where T : struct
{
    /// <summary>Output pixels (bytes) per vector.</summary>
    static abstract int Pixels { get; }

    /// <summary>True where <see cref="CountNative"/> is used instead of the table lookups (ARM CNT).</summary>
    static abstract bool NativeCount { get; }

    static abstract T Zero { get; }

    static abstract T Load(byte* p);

    /// <summary>Low nibble of every byte (0..15).</summary>
    static abstract T LowNibble(T x);

    /// <summary>High nibble of every byte (0..15).</summary>
    static abstract T HighNibble(T x);

    /// <summary>Per byte: <paramref name="table"/>[<paramref name="nibbles"/>] (a 16-byte table repeated per 128-bit lane).</summary>
    static abstract T Lookup(T table, T nibbles);

    /// <summary>Per byte: popcount(x XOR w), w one byte broadcast (ARM CNT; unused elsewhere).</summary>
    static abstract T CountNative(T x, byte* w);

    static abstract T Add(T a, T b);

    /// <summary>Adds the byte counts of <paramref name="acc"/> to the 16-bit counts at <paramref name="sums"/> (<see cref="Pixels"/> of them).</summary>
    static abstract void AddWidened(T acc, ushort* sums);
}

/// <summary>AVX2: 32 pixels per vector, vpshufb lookups.</summary>
internal readonly unsafe struct TableLanes256 : ITableLanes<Vector256<byte>>
{
    public static bool IsSupported => Avx2.IsSupported;
    public static int Pixels => 32;
    public static bool NativeCount => false;
    public static Vector256<byte> Zero => Vector256<byte>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Load(byte* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> LowNibble(Vector256<byte> x) => x & Vector256.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> HighNibble(Vector256<byte> x) => Avx2.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & Vector256.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Lookup(Vector256<byte> table, Vector256<byte> nibbles) => Avx2.Shuffle(table, nibbles);
    public static Vector256<byte> CountNative(Vector256<byte> x, byte* w) => throw new NotSupportedException();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Add(Vector256<byte> a, Vector256<byte> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(Vector256<byte> acc, ushort* sums)
    {
        (Vector256.Load(sums) + Vector256.WidenLower(acc)).Store(sums);
        (Vector256.Load(sums + 16) + Vector256.WidenUpper(acc)).Store(sums + 16);
    }
}

/// <summary>128-bit: 16 pixels per vector; SSSE3 pshufb lookups on x86, XOR + CNT on ARM.</summary>
internal readonly unsafe struct TableLanes128 : ITableLanes<Vector128<byte>>
{
    public static bool IsSupported => AdvSimd.IsSupported || Ssse3.IsSupported;
    public static int Pixels => 16;
    public static bool NativeCount => AdvSimd.IsSupported;
    public static Vector128<byte> Zero => Vector128<byte>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Load(byte* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> LowNibble(Vector128<byte> x) => x & Vector128.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> HighNibble(Vector128<byte> x) => Vector128.ShiftRightLogical(x.AsUInt16(), 4).AsByte() & Vector128.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Lookup(Vector128<byte> table, Vector128<byte> nibbles)
    {
        if (Ssse3.IsSupported) return Ssse3.Shuffle(table, nibbles);
        if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.VectorTableLookup(table, nibbles);
        return Vector128.Shuffle(table, nibbles);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> CountNative(Vector128<byte> x, byte* w) => AdvSimd.PopCount(x ^ Vector128.Create(*w));

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Add(Vector128<byte> a, Vector128<byte> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddWidened(Vector128<byte> acc, ushort* sums)
    {
        (Vector128.Load(sums) + Vector128.WidenLower(acc)).Store(sums);
        (Vector128.Load(sums + 8) + Vector128.WidenUpper(acc)).Store(sums + 8);
    }
}
