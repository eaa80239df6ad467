using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Binary;

/// <summary>
/// One SIMD width's way of counting the set bits of x XOR w. The binary kernels are written once, generic
/// over this interface; the JIT specialises them per struct, so every call below inlines.
/// Counts are kept per byte (≤ 8 per byte per step) and only widened by <see cref="Sum"/>: daBNN's trick of
/// accumulating narrow popcounts in registers and widening once, which is what makes the vector paths pay.
/// </summary>
internal unsafe interface IPopLanes<T> where T : struct
{
    /// <summary>64-bit words per vector.</summary>
    static abstract int Words { get; }

    /// <summary>Steps a byte accumulator takes before it could overflow (8 per step, 255 max).</summary>
    static abstract int MaxSteps { get; }

    static abstract T Zero { get; }

    static abstract T Load(ulong* p);

    /// <summary>The nibble lookup table (bit counts of 0..15 in every 16-byte lane), for paths that use one.</summary>
    static abstract T Table { get; }

    /// <summary>0x0F in every byte.</summary>
    static abstract T LowNibbles { get; }

    /// <summary>
    /// Per-lane bit counts of a XOR b, in whatever narrow form <see cref="Add"/> and <see cref="Sum"/> take.
    /// <paramref name="table"/> and <paramref name="nibbles"/> are <see cref="Table"/> and <see cref="LowNibbles"/>,
    /// passed in so that loops keep them in registers instead of reloading them per call.
    /// </summary>
    static abstract T CountXor(T a, T b, T table, T nibbles);

    static abstract T Add(T a, T b);

    /// <summary>The total count held by an accumulator.</summary>
    static abstract int Sum(T acc);
}

/// <summary>Scalar: one word, BitOperations.PopCount (x86 popcnt, ARM CNT+ADDV).</summary>
internal readonly unsafe struct ScalarLanes : IPopLanes<ulong>
{
    public static int Words => 1;
    public static int MaxSteps => int.MaxValue / 64;
    public static ulong Zero => 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Load(ulong* p) => *p;
    public static ulong Table => 0;
    public static ulong LowNibbles => 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong CountXor(ulong a, ulong b, ulong table, ulong nibbles) => (ulong)BitOperations.PopCount(a ^ b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Add(ulong a, ulong b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static int Sum(ulong acc) => (int)acc;
}

/// <summary>128-bit: ARM CNT (AdvSimd.PopCount) per byte, or on x86 the SSSE3 nibble lookup (pshufb).</summary>
internal readonly unsafe struct Lanes128 : IPopLanes<Vector128<byte>>
{
    public static bool IsSupported => AdvSimd.IsSupported || Ssse3.IsSupported;
    public static int Words => 2;
    public static int MaxSteps => 31;
    public static Vector128<byte> Zero => Vector128<byte>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Load(ulong* p) => Vector128.Load((byte*)p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> CountXor(Vector128<byte> a, Vector128<byte> b, Vector128<byte> table, Vector128<byte> nibbles)
    {
        var v = a ^ b;
        if (AdvSimd.IsSupported) return AdvSimd.PopCount(v);
        return Ssse3.Shuffle(table, v & nibbles) + Ssse3.Shuffle(table, Vector128.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibbles);
    }

    public static Vector128<byte> Table => Vector128.Create((byte)0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    public static Vector128<byte> LowNibbles => Vector128.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<byte> Add(Vector128<byte> a, Vector128<byte> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector128<byte> acc)
    {
        if (Sse2.IsSupported) return (int)Vector128.Sum(Sse2.SumAbsoluteDifferences(acc, Vector128<byte>.Zero).AsUInt64());
        if (AdvSimd.Arm64.IsSupported) return AdvSimd.Arm64.AddAcrossWidening(acc).ToScalar();
        return (int)(Vector128.Sum(Vector128.WidenLower(acc)) + (uint)Vector128.Sum(Vector128.WidenUpper(acc)));
    }
}

/// <summary>256-bit (AVX2): nibble lookup with vpshufb, byte adds, one vpsadbw to widen.</summary>
internal readonly unsafe struct Lanes256 : IPopLanes<Vector256<byte>>
{
    public static bool IsSupported => Avx2.IsSupported;
    public static int Words => 4;
    public static int MaxSteps => 31;
    public static Vector256<byte> Zero => Vector256<byte>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Load(ulong* p) => Vector256.Load((byte*)p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> CountXor(Vector256<byte> a, Vector256<byte> b, Vector256<byte> table, Vector256<byte> nibbles)
    {
        var v = a ^ b;
        return Avx2.Shuffle(table, v & nibbles) + Avx2.Shuffle(table, Avx2.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibbles);
    }

    public static Vector256<byte> Table => Vector256.Create(Lanes128.Table);
    public static Vector256<byte> LowNibbles => Vector256.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<byte> Add(Vector256<byte> a, Vector256<byte> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector256<byte> acc) => (int)Vector256.Sum(Avx2.SumAbsoluteDifferences(acc, Vector256<byte>.Zero).AsUInt64());
}

/// <summary>
/// 512-bit (AVX-512BW): the same nibble lookup on 64 bytes. .NET 10 exposes no VPOPCNTDQ intrinsic, so
/// vpshufb + vpsadbw is the widest popcount available to C#; runs (and is tested) only where AVX-512BW is real.
/// </summary>
internal readonly unsafe struct Lanes512 : IPopLanes<Vector512<byte>>
{
    public static bool IsSupported => Avx512BW.IsSupported && Vector512.IsHardwareAccelerated;
    public static int Words => 8;
    public static int MaxSteps => 31;
    public static Vector512<byte> Zero => Vector512<byte>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<byte> Load(ulong* p) => Vector512.Load((byte*)p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> CountXor(Vector512<byte> a, Vector512<byte> b, Vector512<byte> table, Vector512<byte> nibbles)
    {
        var v = a ^ b;
        return Avx512BW.Shuffle(table, v & nibbles) + Avx512BW.Shuffle(table, Avx512BW.ShiftRightLogical(v.AsUInt16(), 4).AsByte() & nibbles);
    }

    public static Vector512<byte> Table => Vector512.Create(Lanes128.Table);
    public static Vector512<byte> LowNibbles => Vector512.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<byte> Add(Vector512<byte> a, Vector512<byte> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Sum(Vector512<byte> acc) => (int)Vector512.Sum(Avx512BW.SumAbsoluteDifferences(acc, Vector512<byte>.Zero).AsUInt64());
}
