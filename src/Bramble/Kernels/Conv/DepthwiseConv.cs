using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Conv;

/// <summary>
/// Direct depthwise convolution (one filter per channel, any kernel size, stride, padding, dilation).
/// Each output row splits into a left border, an interior where every tap is inside the image, and a
/// right border. The interior runs SIMD over output width: stride 1 uses plain loads; stride 2 loads
/// two vectors and keeps the even lanes (SSE shuffle / NEON uzp1). Borders and other strides are scalar.
/// Channels are spread over the worker pool. Scalar equivalent: <see cref="Pixel"/>.
/// </summary>
public static unsafe class DepthwiseConv
{
    /// <summary>Runs over one image: input [C, H, W], weights [C, 1, kh, kw], output [C, OH, OW]; bias per channel via the epilogue (PerRow).</summary>
    public static void Run(in ConvGeometry g, float* input, float* weights, float* output, in Epilogue epilogue, WorkerPool? pool, Isa maxIsa)
    {
        g.Validate();
        if (!g.IsDepthwise) throw new ShapeException($"depthwise conv needs groups == in == out channels, got {g}");
        var body = new Body { G = g, Input = input, Weights = weights, Output = output, Epilogue = epilogue, Isa = CpuFeatures.Effective(maxIsa) };
        if (pool == null) for (int c = 0; c < g.InChannels; c++) body.Invoke(c);
        else pool.For(g.InChannels, ref body);
    }

    private struct Body : IParallelBody
    {
        public ConvGeometry G;
        public float* Input, Weights, Output;
        public Epilogue Epilogue;
        public Isa Isa;

        public void Invoke(int c)
        {
            int oh = G.OutHeight, ow = G.OutWidth;
            float* o = Output + (long)c * oh * ow;
            Channel(G, Input + (long)c * G.InHeight * G.InWidth, Weights + c * G.KernelH * G.KernelW, o, Isa);
            Epilogue.Apply(o, oh * ow, 1, oh * ow, c, 0, Isa);
        }
    }

    private static void Channel(in ConvGeometry g, float* x, float* w, float* y, Isa isa)
    {
        int h = g.InHeight, wd = g.InWidth, kh = g.KernelH, kw = g.KernelW, sw = g.StrideW, pl = g.PadLeft, dw = g.DilationW;
        int oh = g.OutHeight, ow = g.OutWidth;
        // Interior columns: ox·sw − pl ≥ 0 and ox·sw − pl + (kw−1)·dw ≤ W−1.
        int lo = Math.Min(ow, (pl + sw - 1) / sw);
        int lastIx = wd - 1 + pl - (kw - 1) * dw;
        int hi = lastIx < 0 ? lo : Math.Max(lo, Math.Min(ow, lastIx / sw + 1));
        for (int oy = 0; oy < oh; oy++)
        {
            float* row = y + (long)oy * ow;
            int iy0 = oy * g.StrideH - g.PadTop;
            // Taps in rows outside the image contribute nothing: restrict ky once per row.
            int kyLo = 0, kyHi = kh;
            while (kyLo < kh && iy0 + kyLo * g.DilationH < 0) kyLo++;
            while (kyHi > kyLo && iy0 + (kyHi - 1) * g.DilationH >= h) kyHi--;
            int ox = 0;
            for (; ox < lo; ox++) row[ox] = Pixel(g, x, w, oy, ox);
            ox = Interior(g, x, w, row, iy0, kyLo, kyHi, lo, hi, isa);
            for (; ox < ow; ox++) row[ox] = Pixel(g, x, w, oy, ox);
        }
    }

    /// <summary>SIMD over [lo, hi); returns the first column it did not compute.</summary>
    private static int Interior(in ConvGeometry g, float* x, float* w, float* row, int iy0, int kyLo, int kyHi, int lo, int hi, Isa isa)
    {
        int wd = g.InWidth, kw = g.KernelW, sw = g.StrideW, pl = g.PadLeft, dw = g.DilationW, dh = g.DilationH;
        int ox = lo;
        if (sw == 1)
        {
            if (isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated)
            {
                for (; ox + 8 <= hi; ox += 8)
                {
                    var acc = Vector256<float>.Zero;
                    for (int ky = kyLo; ky < kyHi; ky++)
                    {
                        float* src = x + (long)(iy0 + ky * dh) * wd + ox - pl;
                        float* wr = w + ky * kw;
                        for (int kx = 0; kx < kw; kx++)
                            acc = Vector256.MultiplyAddEstimate(Vector256.Create(wr[kx]), Vector256.Load(src + kx * dw), acc);
                    }
                    acc.Store(row + ox);
                }
            }
            if (isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated)
            {
                for (; ox + 4 <= hi; ox += 4)
                {
                    var acc = Vector128<float>.Zero;
                    for (int ky = kyLo; ky < kyHi; ky++)
                    {
                        float* src = x + (long)(iy0 + ky * dh) * wd + ox - pl;
                        float* wr = w + ky * kw;
                        for (int kx = 0; kx < kw; kx++)
                            acc = Vector128.MultiplyAddEstimate(Vector128.Create(wr[kx]), Vector128.Load(src + kx * dw), acc);
                    }
                    acc.Store(row + ox);
                }
            }
        }
        else if (sw == 2 && isa >= Isa.Vector128 && (Sse.IsSupported || AdvSimd.Arm64.IsSupported))
        {
            // Loads cover 8 inputs for 4 outputs; the 8th lies one past the last tap, so stop one column earlier.
            int maxOff = (kw - 1) * dw - pl;
            for (; ox + 4 <= hi && 2 * (ox + 3) + maxOff + 1 < wd; ox += 4)
            {
                var acc = Vector128<float>.Zero;
                for (int ky = kyLo; ky < kyHi; ky++)
                {
                    float* src = x + (long)(iy0 + ky * dh) * wd + 2 * ox - pl;
                    float* wr = w + ky * g.KernelW;
                    for (int kx = 0; kx < kw; kx++)
                    {
                        float* s = src + kx * dw;
                        var v0 = Vector128.Load(s);
                        var v1 = Vector128.Load(s + 4);
                        var even = Sse.IsSupported ? Sse.Shuffle(v0, v1, 0b10_00_10_00) : AdvSimd.Arm64.UnzipEven(v0, v1);
                        acc = Vector128.MultiplyAddEstimate(Vector128.Create(wr[kx]), even, acc);
                    }
                }
                acc.Store(row + ox);
            }
        }
        for (; ox < hi; ox++) row[ox] = Pixel(g, x, w, (iy0 + g.PadTop) / g.StrideH, ox);
        return ox;
    }

    /// <summary>One output pixel by the definition, skipping taps in the padding.</summary>
    private static float Pixel(in ConvGeometry g, float* x, float* w, int oy, int ox)
    {
        float s = 0;
        for (int ky = 0; ky < g.KernelH; ky++)
        {
            int iy = oy * g.StrideH - g.PadTop + ky * g.DilationH;
            if ((uint)iy >= (uint)g.InHeight) continue;
            for (int kx = 0; kx < g.KernelW; kx++)
            {
                int ix = ox * g.StrideW - g.PadLeft + kx * g.DilationW;
                if ((uint)ix < (uint)g.InWidth) s += w[ky * g.KernelW + kx] * x[(long)iy * g.InWidth + ix];
            }
        }
        return s;
    }
}
