using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Bramble.Kernels.Conv;

/// <summary>
/// The vector width Winograd's tile transforms run at, SIMD over neighbouring tiles. Tiles overlap and sit
/// 4 columns apart, so moving between image rows and tile lanes is a stride-4 (de)interleave:
/// <see cref="Deinterleave4"/> splits 4·Count consecutive floats into the 4 column phases (p_k[t] = src[4t+k]),
/// <see cref="Interleave4"/> is its inverse. Each width is a struct so the JIT specialises the transforms.
/// </summary>
internal unsafe interface IWinogradLanes<TV> where TV : struct
{
    static abstract int Count { get; }
    static abstract TV Load(float* p);
    static abstract void Store(TV v, float* p);
    static abstract TV Add(TV a, TV b);
    static abstract TV Sub(TV a, TV b);
    /// <summary>a·s + c.</summary>
    static abstract TV Fma(TV a, float s, TV c);
    static abstract TV Scale(TV a, float s);
    static abstract void Deinterleave4(float* src, float* p0, float* p1, float* p2, float* p3);
    static abstract void Interleave4(TV p0, TV p1, TV p2, TV p3, float* dst);
}

/// <summary>AVX2: 8 tiles per vector.</summary>
internal unsafe struct WinogradLanes256 : IWinogradLanes<Vector256<float>>
{
    public static bool Supported => Avx2.IsSupported;
    public static int Count => 8;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(float* p) => Vector256.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, float* p) => Vector256.Store(v, p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Sub(Vector256<float> a, Vector256<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, float s, Vector256<float> c) => SimdMath.MultiplyAdd(a, Vector256.Create(s), c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Scale(Vector256<float> a, float s) => a * s;

    // Two rounds of in-lane even/odd picks leave each phase in tile order [0 2 4 6 1 3 5 7]; one
    // cross-lane permute per phase restores it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave4(float* src, float* p0, float* p1, float* p2, float* p3)
    {
        var a = Vector256.Load(src); var b = Vector256.Load(src + 8);
        var c = Vector256.Load(src + 16); var d = Vector256.Load(src + 24);
        var e0 = Avx.Shuffle(a, b, 0b10_00_10_00); var o0 = Avx.Shuffle(a, b, 0b11_01_11_01);
        var e1 = Avx.Shuffle(c, d, 0b10_00_10_00); var o1 = Avx.Shuffle(c, d, 0b11_01_11_01);
        var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        Vector256.Store(Avx2.PermuteVar8x32(Avx.Shuffle(e0, e1, 0b10_00_10_00), order), p0);
        Vector256.Store(Avx2.PermuteVar8x32(Avx.Shuffle(o0, o1, 0b10_00_10_00), order), p1);
        Vector256.Store(Avx2.PermuteVar8x32(Avx.Shuffle(e0, e1, 0b11_01_11_01), order), p2);
        Vector256.Store(Avx2.PermuteVar8x32(Avx.Shuffle(o0, o1, 0b11_01_11_01), order), p3);
    }

    // 4×4 transposes within each 128-bit lane, then the lanes are regrouped.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Interleave4(Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3, float* dst)
    {
        var a = Avx.UnpackLow(p0, p1).AsDouble(); var b = Avx.UnpackLow(p2, p3).AsDouble();
        var c = Avx.UnpackHigh(p0, p1).AsDouble(); var d = Avx.UnpackHigh(p2, p3).AsDouble();
        var abLo = Avx.UnpackLow(a, b).AsSingle(); var abHi = Avx.UnpackHigh(a, b).AsSingle();
        var cdLo = Avx.UnpackLow(c, d).AsSingle(); var cdHi = Avx.UnpackHigh(c, d).AsSingle();
        Vector256.Store(Avx.Permute2x128(abLo, abHi, 0x20), dst);
        Vector256.Store(Avx.Permute2x128(cdLo, cdHi, 0x20), dst + 8);
        Vector256.Store(Avx.Permute2x128(abLo, abHi, 0x31), dst + 16);
        Vector256.Store(Avx.Permute2x128(cdLo, cdHi, 0x31), dst + 24);
    }
}

/// <summary>SSE or NEON: 4 tiles per vector (the Raspberry Pi path).</summary>
internal unsafe struct WinogradLanes128 : IWinogradLanes<Vector128<float>>
{
    public static bool Supported => Sse.IsSupported || AdvSimd.Arm64.IsSupported;
    public static int Count => 4;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(float* p) => Vector128.Load(p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> v, float* p) => Vector128.Store(v, p);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Sub(Vector128<float> a, Vector128<float> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Fma(Vector128<float> a, float s, Vector128<float> c) => SimdMath.MultiplyAdd(a, Vector128.Create(s), c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Scale(Vector128<float> a, float s) => a * s;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Even(Vector128<float> a, Vector128<float> b) =>
        Sse.IsSupported ? Sse.Shuffle(a, b, 0b10_00_10_00) : AdvSimd.Arm64.UnzipEven(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Odd(Vector128<float> a, Vector128<float> b) =>
        Sse.IsSupported ? Sse.Shuffle(a, b, 0b11_01_11_01) : AdvSimd.Arm64.UnzipOdd(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Deinterleave4(float* src, float* p0, float* p1, float* p2, float* p3)
    {
        var a = Vector128.Load(src); var b = Vector128.Load(src + 4);
        var c = Vector128.Load(src + 8); var d = Vector128.Load(src + 12);
        var e0 = Even(a, b); var o0 = Odd(a, b);
        var e1 = Even(c, d); var o1 = Odd(c, d);
        Vector128.Store(Even(e0, e1), p0);
        Vector128.Store(Even(o0, o1), p1);
        Vector128.Store(Odd(e0, e1), p2);
        Vector128.Store(Odd(o0, o1), p3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Interleave4(Vector128<float> p0, Vector128<float> p1, Vector128<float> p2, Vector128<float> p3, float* dst)
    {
        if (Sse.IsSupported)
        {
            var a = Sse.UnpackLow(p0, p1); var b = Sse.UnpackLow(p2, p3);
            var c = Sse.UnpackHigh(p0, p1); var d = Sse.UnpackHigh(p2, p3);
            Vector128.Store(Sse.MoveLowToHigh(a, b), dst);
            Vector128.Store(Sse.MoveHighToLow(b, a), dst + 4);
            Vector128.Store(Sse.MoveLowToHigh(c, d), dst + 8);
            Vector128.Store(Sse.MoveHighToLow(d, c), dst + 12);
        }
        else
        {
            var a = AdvSimd.Arm64.ZipLow(p0, p1).AsUInt64(); var b = AdvSimd.Arm64.ZipLow(p2, p3).AsUInt64();
            var c = AdvSimd.Arm64.ZipHigh(p0, p1).AsUInt64(); var d = AdvSimd.Arm64.ZipHigh(p2, p3).AsUInt64();
            Vector128.Store(AdvSimd.Arm64.ZipLow(a, b).AsSingle(), dst);
            Vector128.Store(AdvSimd.Arm64.ZipHigh(a, b).AsSingle(), dst + 4);
            Vector128.Store(AdvSimd.Arm64.ZipLow(c, d).AsSingle(), dst + 8);
            Vector128.Store(AdvSimd.Arm64.ZipHigh(c, d).AsSingle(), dst + 12);
        }
    }
}

/// <summary>Plain C#: one tile per "vector"; the definition the vector widths must match.</summary>
internal unsafe struct WinogradLanes1 : IWinogradLanes<float>
{
    public static int Count => 1;
    public static float Load(float* p) => *p;
    public static void Store(float v, float* p) => *p = v;
    public static float Add(float a, float b) => a + b;
    public static float Sub(float a, float b) => a - b;
    public static float Fma(float a, float s, float c) => a * s + c;
    public static float Scale(float a, float s) => a * s;

    public static void Deinterleave4(float* src, float* p0, float* p1, float* p2, float* p3)
    {
        *p0 = src[0]; *p1 = src[1]; *p2 = src[2]; *p3 = src[3];
    }

    public static void Interleave4(float p0, float p1, float p2, float p3, float* dst)
    {
        dst[0] = p0; dst[1] = p1; dst[2] = p2; dst[3] = p3;
    }
}
