using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Ops.Nn;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Kernels.Ops;

/// <summary>
/// ConvTranspose as GEMM + col2im (as Caffe and ONNX Runtime do): per image and group,
/// cols[mg·K, HW] = W_gᵀ[mg·K, cg] · X_g[cg, HW], then every column entry is added at its output
/// position. Needs a workspace of mg·K·HW floats; handles strides, dilations, pads and groups.
/// </summary>
internal sealed unsafe class FastConvTranspose
{
    private readonly ConvTransposeParameters _p;
    private readonly Isa _isa;

    private FastConvTranspose(ConvTransposeParameters p, Isa isa)
    {
        _p = p;
        _isa = isa;
    }

    public string Name => "convtranspose gemm+col2im";

    /// <summary>Workspace bytes the op must request in Prepare.</summary>
    public long WorkspaceBytes => (long)_p.OutChannelsPerGroup * _p.Window.KernelSize * _p.Window.InputSize * sizeof(float);

    public static FastConvTranspose? TryCreate(ConvTransposeParameters p, SessionOptions options)
    {
        if (options.ReferenceKernels) return null;
        long cols = (long)p.OutChannelsPerGroup * p.Window.KernelSize * p.Window.InputSize;
        if (cols > int.MaxValue / 4 || p.Window.OutputSize <= 0) return null;
        return new FastConvTranspose(p, options.MaxIsa);
    }

    public void Run(Tensor x, Tensor w, Tensor? bias, Tensor y, byte* workspace, WorkerPool pool)
    {
        var p = _p;
        var win = p.Window;
        int cg = p.InChannelsPerGroup, mg = p.OutChannelsPerGroup, k = win.KernelSize, inSize = win.InputSize, outSize = win.OutputSize;
        float* cols = (float*)workspace, px = (float*)x.Data, pw = (float*)w.Data, py = (float*)y.Data;
        float* pb = bias == null ? null : (float*)bias.Data;
        for (int n = 0; n < p.Batch; n++)
            for (int g = 0; g < p.Group; g++)
            {
                float* xg = px + ((long)n * p.InChannels + (long)g * cg) * inSize;
                float* wg = pw + (long)g * cg * mg * k;
                Sgemm.Multiply(mg * k, inSize, cg, 1f, wg, mg * k, true, xg, inSize, false, 0f, cols, inSize, Epilogue.None, pool, _isa);
                var body = new Col2Im
                {
                    Cols = cols, Y = py + ((long)n * p.OutChannels + (long)g * mg) * outSize, Bias = pb == null ? null : pb + g * mg, Win = win,
                };
                pool.For(mg, ref body);
            }
    }

    /// <summary>One output channel per part: y = bias, then each of its K column rows is added where its taps land.</summary>
    private struct Col2Im : IParallelBody
    {
        public float* Cols, Y, Bias;
        public SlidingWindow Win;

        public void Invoke(int m)
        {
            var win = Win;
            int inSize = win.InputSize, outSize = win.OutputSize, k = win.KernelSize;
            float* y = Y + (long)m * outSize;
            new Span<float>(y, outSize).Fill(Bias == null ? 0f : Bias[m]);
            int oD = win.Output[0], oH = win.Output[1], oW = win.Output[2];
            for (int kd = 0; kd < win.Kernel[0]; kd++)
                for (int kh = 0; kh < win.Kernel[1]; kh++)
                    for (int kw = 0; kw < win.Kernel[2]; kw++)
                    {
                        int tap = (kd * win.Kernel[1] + kh) * win.Kernel[2] + kw;
                        float* row = Cols + ((long)m * k + tap) * inSize;
                        for (int id = 0; id < win.Input[0]; id++)
                        {
                            int od = id * win.Stride[0] - win.PadBegin[0] + kd * win.Dilation[0];
                            if ((uint)od >= (uint)oD) continue;
                            for (int ih = 0; ih < win.Input[1]; ih++)
                            {
                                int oh = ih * win.Stride[1] - win.PadBegin[1] + kh * win.Dilation[1];
                                if ((uint)oh >= (uint)oH) continue;
                                float* src = row + (id * win.Input[1] + ih) * win.Input[2];
                                float* dst = y + ((long)od * oH + oh) * oW;
                                int sw = win.Stride[2], ow0 = -win.PadBegin[2] + kw * win.Dilation[2];
                                for (int iw = 0; iw < win.Input[2]; iw++)
                                {
                                    int ow = iw * sw + ow0;
                                    if ((uint)ow < (uint)oW) dst[ow] += src[iw];
                                }
                            }
                        }
                    }
        }
    }
}
