using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Conv;

/// <summary>Which depthwise kernel family runs a layer: chosen by shape, or forced (tests cover each family).</summary>
internal enum DepthwisePath
{
    /// <summary>By shape: <see cref="DepthwiseInterleaved"/> on small planes, the plane kernels elsewhere.</summary>
    Auto,
    /// <summary>Width-vectorised plane kernels (<see cref="Depthwise3x3"/> or the padded-plane kernel).</summary>
    Planes,
    /// <summary><see cref="DepthwiseInterleaved"/> wherever it can run.</summary>
    Interleaved,
}

/// <summary>
/// Direct depthwise convolution (one filter per channel; any kernel size, stride, padding, dilation).
/// Each channel is first copied into a zero-bordered plane, so every output pixel is "interior" and the
/// loops need no bounds checks. Output rows run SIMD over width: stride 1 uses plain loads; stride 2
/// loads two vectors and keeps the even lanes (SSE/AVX shuffle, NEON uzp1); other strides and the
/// last few columns of a row are scalar. Channels are spread over the worker pool.
/// Scalar equivalent: the tail loop in <see cref="Row"/>. 3×3 stride 1/2 shapes go to <see cref="Depthwise3x3"/> instead,
/// small output planes to <see cref="DepthwiseInterleaved"/>.
/// </summary>
public static unsafe class DepthwiseConv
{
    /// <summary>Runs over one image: input [C, H, W], weights [C, 1, kh, kw], output [C, OH, OW]; bias per channel via the epilogue (PerRow).</summary>
    public static void Run(in ConvGeometry g, float* input, float* weights, float* output, in Epilogue epilogue, WorkerPool? pool, Isa maxIsa) =>
        Run(g, input, weights, output, epilogue, pool, maxIsa, DepthwisePath.Auto);

    /// <summary>As <see cref="Run(in ConvGeometry, float*, float*, float*, in Epilogue, WorkerPool?, Isa)"/> with the kernel family chosen by <paramref name="path"/>.</summary>
    internal static void Run(in ConvGeometry g, float* input, float* weights, float* output, in Epilogue epilogue, WorkerPool? pool, Isa maxIsa, DepthwisePath path)
    {
        g.Validate();
        if (!g.IsDepthwise) throw new ShapeException($"depthwise conv needs groups == in == out channels, got {g}");
        var isa = CpuFeatures.Effective(maxIsa);
        if (UseInterleaved(g, isa, path))
        {
            DepthwiseInterleaved.Run(g, input, weights, output, epilogue, pool, isa);
            return;
        }
        bool direct = UseDirect3x3(g, isa);
        bool wide = isa >= Isa.Vector256 && F256.Supported && (!F128.Supported || Depthwise3x3.PreferWide(g));
        var body = new Body { G = g, Input = input, Weights = weights, Output = output, Epilogue = epilogue, Isa = isa, Direct3x3 = direct, Wide3x3 = wide };
        if (pool == null) for (int c = 0; c < g.InChannels; c++) body.Invoke(c);
        else pool.For(g.InChannels, ref body);
    }

    /// <summary>Which depthwise kernel runs <paramref name="g"/> under <paramref name="isa"/>, for profiles.</summary>
    internal static string KernelName(in ConvGeometry g, Isa isa, DepthwisePath path) =>
        UseInterleaved(g, isa, path) ? "depthwise-interleaved" : UseDirect3x3(g, isa) ? "depthwise3x3" : "depthwise";

    private static bool UseInterleaved(in ConvGeometry g, Isa isa, DepthwisePath path) => path switch
    {
        DepthwisePath.Auto => DepthwiseInterleaved.Suits(g, isa),
        DepthwisePath.Interleaved => DepthwiseInterleaved.Supports(g, isa),
        _ => false,
    };

    /// <summary>Whether <see cref="Depthwise3x3"/> (no padded copy, two rows per pass) runs <paramref name="g"/> under <paramref name="isa"/>.</summary>
    public static bool UseDirect3x3(in ConvGeometry g, Isa isa) =>
        Depthwise3x3.Handles(g) && ((isa >= Isa.Vector256 && F256.Supported) || (isa >= Isa.Vector128 && F128.Supported));

    // Extra zeroed floats after each padded row so stride-2 pair loads may read one vector past the last tap.
    private const int Slack = 16;

    private struct Body : IParallelBody
    {
        public ConvGeometry G;
        public float* Input, Weights, Output;
        public Epilogue Epilogue;
        public Isa Isa;
        public bool Direct3x3;
        public bool Wide3x3; // 8 lanes rather than 4 for the 3×3 kernel

        [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
        public void Invoke(int c)
        {
            int oh = G.OutHeight, ow = G.OutWidth;
            float* o = Output + (long)c * oh * ow;
            if (Direct3x3)
            {
                float* xc = Input + (long)c * G.InHeight * G.InWidth, wc = Weights + c * 9;
                if (Wide3x3) Depthwise3x3.Plane<F256, Vector256<float>>(G, xc, wc, o, Epilogue, c, Isa);
                else Depthwise3x3.Plane<F128, Vector128<float>>(G, xc, wc, o, Epilogue, c, Isa);
                return;
            }
            int wp = G.InWidth + G.PadLeft + G.PadRight + Slack, hp = G.InHeight + G.PadTop + G.PadBottom;
            // Borders stay zero between channels of the same geometry: only the image rows are copied.
            long size = (uint)G.InWidth | ((long)G.InHeight << 32);
            long pads = (uint)G.PadTop | ((long)G.PadLeft << 16) | ((long)G.PadBottom << 32) | ((long)G.PadRight << 48);
            float* plane = PaddedPlane.Get((long)wp * hp, size, pads);
            Pad(G, Input + (long)c * G.InHeight * G.InWidth, plane, wp);
            float* w = Weights + c * G.KernelH * G.KernelW;
            for (int oy = 0; oy < oh; oy++) Row(G, plane, wp, w, o + (long)oy * ow, oy, Isa);
            Epilogue.Apply(o, oh * ow, 1, oh * ow, c, 0, Isa);
        }
    }

    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private static void Pad(in ConvGeometry g, float* x, float* p, int wp)
    {
        int w = g.InWidth;
        float* d = p + (long)g.PadTop * wp + g.PadLeft;
        for (int y = 0; y < g.InHeight; y++, d += wp, x += w)
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
                for (; i + 8 <= w; i += 8) Vector256.Store(Vector256.Load(x + i), d + i);
            for (; i + 4 <= w; i += 4) Vector128.Store(Vector128.Load(x + i), d + i);
            for (; i < w; i++) d[i] = x[i];
        }
    }

    /// <summary>One output row from the padded plane.</summary>
    [MethodImpl(HotCode.Options)] // hot from the first call: skip tier-0 code
    private static void Row(in ConvGeometry g, float* p, int wp, float* w, float* y, int oy, Isa isa)
    {
        int kh = g.KernelH, kw = g.KernelW, sw = g.StrideW, dw = g.DilationW, dh = g.DilationH, ow = g.OutWidth;
        float* top = p + (long)oy * g.StrideH * wp;
        int ox = 0;
        if (sw == 1 && isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated)
        {
            // Four independent accumulators: one chain of kh·kw dependent FMAs would be latency-bound.
            // Overlapping sweep: the last block is shifted left to end at the row's end; outputs are
            // recomputed, not accumulated, so writing a few twice is harmless and there is no ragged tail.
            if (ow - ox >= 32) for (; ; ox = Math.Min(ox + 32, ow - 32))
            {
                Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                for (int ky = 0; ky < kh; ky++)
                {
                    float* s = top + (long)ky * dh * wp + ox;
                    float* wr = w + ky * kw;
                    for (int kx = 0; kx < kw; kx++)
                    {
                        var wv = Vector256.Create(wr[kx]);
                        float* q = s + kx * dw;
                        a0 = SimdMath.MultiplyAdd(wv, Vector256.Load(q), a0);
                        a1 = SimdMath.MultiplyAdd(wv, Vector256.Load(q + 8), a1);
                        a2 = SimdMath.MultiplyAdd(wv, Vector256.Load(q + 16), a2);
                        a3 = SimdMath.MultiplyAdd(wv, Vector256.Load(q + 24), a3);
                    }
                }
                a0.Store(y + ox); a1.Store(y + ox + 8); a2.Store(y + ox + 16); a3.Store(y + ox + 24);
                if (ox + 32 >= ow) { ox = ow; break; }
            }
            for (; ox + 8 <= ow; ox += 8)
            {
                var acc = Vector256<float>.Zero;
                for (int ky = 0; ky < kh; ky++)
                {
                    float* s = top + (long)ky * dh * wp + ox;
                    float* wr = w + ky * kw;
                    for (int kx = 0; kx < kw; kx++)
                        acc = SimdMath.MultiplyAdd(Vector256.Create(wr[kx]), Vector256.Load(s + kx * dw), acc);
                }
                acc.Store(y + ox);
            }
        }
        else if (sw == 2 && isa >= Isa.Vector256 && Avx2.IsSupported)
        {
            // Overlapping sweep: the last block is shifted left to end at the row's end; outputs are
            // recomputed, not accumulated, so writing a few twice is harmless and there is no ragged tail.
            if (ow - ox >= 16) for (; ; ox = Math.Min(ox + 16, ow - 16))
            {
                Vector256<float> a0 = default, a1 = default;
                for (int ky = 0; ky < kh; ky++)
                {
                    float* s = top + (long)ky * dh * wp + 2 * ox;
                    float* wr = w + ky * kw;
                    for (int kx = 0; kx < kw; kx++)
                    {
                        float* q = s + kx * dw;
                        var wv = Vector256.Create(wr[kx]);
                        var m0 = Avx.Shuffle(Vector256.Load(q), Vector256.Load(q + 8), 0b10_00_10_00);
                        var m1 = Avx.Shuffle(Vector256.Load(q + 16), Vector256.Load(q + 24), 0b10_00_10_00);
                        a0 = SimdMath.MultiplyAdd(wv, Avx2.Permute4x64(m0.AsDouble(), 0b11_01_10_00).AsSingle(), a0);
                        a1 = SimdMath.MultiplyAdd(wv, Avx2.Permute4x64(m1.AsDouble(), 0b11_01_10_00).AsSingle(), a1);
                    }
                }
                a0.Store(y + ox); a1.Store(y + ox + 8);
                if (ox + 16 >= ow) { ox = ow; break; }
            }
            for (; ox + 8 <= ow; ox += 8)
            {
                var acc = Vector256<float>.Zero;
                for (int ky = 0; ky < kh; ky++)
                {
                    float* s = top + (long)ky * dh * wp + 2 * ox;
                    float* wr = w + ky * kw;
                    for (int kx = 0; kx < kw; kx++)
                    {
                        float* q = s + kx * dw;
                        // In-lane even picks give [0 2 8 10 | 4 6 12 14]; the 64-bit permute restores order.
                        var mixed = Avx.Shuffle(Vector256.Load(q), Vector256.Load(q + 8), 0b10_00_10_00);
                        var even = Avx2.Permute4x64(mixed.AsDouble(), 0b11_01_10_00).AsSingle();
                        acc = SimdMath.MultiplyAdd(Vector256.Create(wr[kx]), even, acc);
                    }
                }
                acc.Store(y + ox);
            }
        }
        if (isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
        {
            if (sw == 1)
            {
                // Overlapping sweep: the last block is shifted left to end at the row's end; outputs are
                // recomputed, not accumulated, so writing a few twice is harmless and there is no ragged tail.
                if (ow - ox >= 16) for (; ; ox = Math.Min(ox + 16, ow - 16))
                {
                    Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        float* s = top + (long)ky * dh * wp + ox;
                        float* wr = w + ky * kw;
                        for (int kx = 0; kx < kw; kx++)
                        {
                            var wv = Vector128.Create(wr[kx]);
                            float* q = s + kx * dw;
                            a0 = SimdMath.MultiplyAdd(wv, Vector128.Load(q), a0);
                            a1 = SimdMath.MultiplyAdd(wv, Vector128.Load(q + 4), a1);
                            a2 = SimdMath.MultiplyAdd(wv, Vector128.Load(q + 8), a2);
                            a3 = SimdMath.MultiplyAdd(wv, Vector128.Load(q + 12), a3);
                        }
                    }
                    a0.Store(y + ox); a1.Store(y + ox + 4); a2.Store(y + ox + 8); a3.Store(y + ox + 12);
                    if (ox + 16 >= ow) { ox = ow; break; }
                }
                for (; ox + 4 <= ow; ox += 4)
                {
                    var acc = Vector128<float>.Zero;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        float* s = top + (long)ky * dh * wp + ox;
                        float* wr = w + ky * kw;
                        for (int kx = 0; kx < kw; kx++)
                            acc = SimdMath.MultiplyAdd(Vector128.Create(wr[kx]), Vector128.Load(s + kx * dw), acc);
                    }
                    acc.Store(y + ox);
                }
            }
            else if (sw == 2 && (Sse.IsSupported || AdvSimd.Arm64.IsSupported))
            {
                for (; ox + 4 <= ow; ox += 4)
                {
                    var acc = Vector128<float>.Zero;
                    for (int ky = 0; ky < kh; ky++)
                    {
                        float* s = top + (long)ky * dh * wp + 2 * ox;
                        float* wr = w + ky * kw;
                        for (int kx = 0; kx < kw; kx++)
                        {
                            float* q = s + kx * dw;
                            var v0 = Vector128.Load(q);
                            var v1 = Vector128.Load(q + 4);
                            var even = Sse.IsSupported ? Sse.Shuffle(v0, v1, 0b10_00_10_00) : AdvSimd.Arm64.UnzipEven(v0, v1);
                            acc = SimdMath.MultiplyAdd(Vector128.Create(wr[kx]), even, acc);
                        }
                    }
                    acc.Store(y + ox);
                }
            }
        }
        for (; ox < ow; ox++)
        {
            float s = 0;
            for (int ky = 0; ky < kh; ky++)
            {
                float* r = top + (long)ky * dh * wp + ox * sw;
                for (int kx = 0; kx < kw; kx++) s += w[ky * kw + kx] * r[kx * dw];
            }
            y[ox] = s;
        }
    }

    /// <summary>
    /// Per-thread scratch for one padded channel; grows when a larger plane is needed, else reused.
    /// Zeroed whenever the geometry changes, so its borders are zero for every channel after that.
    /// </summary>
    private sealed class PaddedPlane
    {
        [ThreadStatic] private static PaddedPlane? t_current;
        private float* _data;
        private long _capacity;
        private long _size = -1, _pads = -1;

        public static float* Get(long floats, long size, long pads)
        {
            var p = t_current ??= new PaddedPlane();
            if (p._capacity < floats)
            {
                NativeMemory.AlignedFree(p._data);
                p._data = null;
                p._data = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
                p._capacity = floats;
                p._size = -1;
            }
            if (p._size != size || p._pads != pads)
            {
                NativeMemory.Clear(p._data, (nuint)(floats * sizeof(float)));
                p._size = size;
                p._pads = pads;
            }
            return p._data;
        }

        ~PaddedPlane() => NativeMemory.AlignedFree(_data);
    }
}
