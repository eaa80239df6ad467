using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Conv;

/// <summary>
/// One float vector width for kernels written once and specialised per width by the JIT (the type
/// argument is a struct, so every call inlines). <see cref="LoadEven"/>/<see cref="LoadOdd"/> pick the
/// even/odd elements of 2·Count consecutive floats (stride-2 taps) in a width-specific lane order that
/// <see cref="StoreEvenOrder"/> undoes, so a kernel permutes once per output vector, not once per tap.
/// </summary>
internal unsafe interface ISimdF<TV> where TV : struct
{
    static abstract int Count { get; }
    /// <summary>Whether this CPU runs the width (and its stride-2 shuffles).</summary>
    static abstract bool Supported { get; }
    static abstract TV Zero { get; }
    static abstract TV Splat(float v);
    static abstract TV Load(float* p);
    static abstract void Store(TV v, float* p);
    /// <summary>a·b + c.</summary>
    static abstract TV Fma(TV a, TV b, TV c);
    /// <summary>Hardware max/min: which operand wins for NaN or ±0 is platform-defined (cheaper than IEEE maximum).</summary>
    static abstract TV Max(TV a, TV b);
    static abstract TV Min(TV a, TV b);
    static abstract TV Add(TV a, TV b);
    static abstract TV LoadEven(float* p);
    static abstract TV LoadOdd(float* p);
    /// <summary>The even elements of the 2·Count floats lo‖hi, in <see cref="LoadEven"/>'s lane order.</summary>
    static abstract TV PickEven(TV lo, TV hi);
    /// <summary>The odd elements of the 2·Count floats lo‖hi, in <see cref="LoadOdd"/>'s lane order.</summary>
    static abstract TV PickOdd(TV lo, TV hi);
    static abstract void StoreEvenOrder(TV v, float* p);
    static abstract float Sum(TV v);
    static abstract float MaxAcross(TV v);
}

internal unsafe struct F256 : ISimdF<Vector256<float>>
{
    public static int Count => 8;
    public static bool Supported => Avx2.IsSupported && System.Runtime.Intrinsics.X86.Fma.IsSupported;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Splat(float v) => Vector256.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, float* p) => Vector256.Store(v, p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => SimdMath.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => SimdMath.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => SimdMath.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    // In-lane picks give [0 2 8 10 | 4 6 12 14]; StoreEvenOrder's 64-bit permute restores order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LoadEven(float* p) => PickEven(Vector256.Load(p), Vector256.Load(p + 8));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> LoadOdd(float* p) => PickOdd(Vector256.Load(p), Vector256.Load(p + 8));
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> PickEven(Vector256<float> lo, Vector256<float> hi) => Avx.Shuffle(lo, hi, 0b10_00_10_00);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> PickOdd(Vector256<float> lo, Vector256<float> hi) => Avx.Shuffle(lo, hi, 0b11_01_11_01);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreEvenOrder(Vector256<float> v, float* p) => Vector256.Store(Avx2.Permute4x64(v.AsDouble(), 0b11_01_10_00).AsSingle(), p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => Vector128.Sum(v.GetLower() + v.GetUpper());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float MaxAcross(Vector256<float> v) => F128.MaxAcross(Vector128.Max(v.GetLower(), v.GetUpper()));
}

internal unsafe struct F128 : ISimdF<Vector128<float>>
{
    public static int Count => 4;
    public static bool Supported => Vector128.IsHardwareAccelerated && (Sse.IsSupported || AdvSimd.Arm64.IsSupported);
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Splat(float v) => Vector128.Create(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> v, float* p) => Vector128.Store(v, p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) => SimdMath.MultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => SimdMath.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Min(Vector128<float> a, Vector128<float> b) => SimdMath.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadEven(float* p) => PickEven(Vector128.Load(p), Vector128.Load(p + 4));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> LoadOdd(float* p) => PickOdd(Vector128.Load(p), Vector128.Load(p + 4));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> PickEven(Vector128<float> lo, Vector128<float> hi) =>
        Sse.IsSupported ? Sse.Shuffle(lo, hi, 0b10_00_10_00) : AdvSimd.Arm64.UnzipEven(lo, hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> PickOdd(Vector128<float> lo, Vector128<float> hi) =>
        Sse.IsSupported ? Sse.Shuffle(lo, hi, 0b11_01_11_01) : AdvSimd.Arm64.UnzipOdd(lo, hi);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void StoreEvenOrder(Vector128<float> v, float* p) => Vector128.Store(v, p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector128<float> v) => Vector128.Sum(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaxAcross(Vector128<float> v) => MathF.Max(MathF.Max(v.GetElement(0), v.GetElement(1)), MathF.Max(v.GetElement(2), v.GetElement(3)));
}
