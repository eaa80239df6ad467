using System.Numerics;
using Bramble.Kernels.Conv;
using Bramble.Tensors;

namespace Bramble.Kernels.Binary;

/// <summary>
/// The obviously correct binary convolution the fast kernels are checked against: for every output, every tap
/// either lies in the image (contributing C − 2·popcount over the tap's words) or in the padding (contributing
/// pad·Σ_c w[c], the value the padding stands for times the weights).
/// </summary>
public static class BinaryConvReference
{
    /// <summary>Input [N, H, W, words], weights [M, KH, KW, words], output float [N, M, OH, OW].</summary>
    public static void Run(in ConvGeometry g, ReadOnlySpan<ulong> input, ReadOnlySpan<ulong> weights, ReadOnlySpan<float> alpha,
        ReadOnlySpan<float> bias, BinaryActivation activation, int padValue, int batch, Span<float> output)
    {
        int words = BitPacked.WordsFor(g.InChannels), oh = g.OutHeight, ow = g.OutWidth;
        for (int b = 0; b < batch; b++)
            for (int m = 0; m < g.OutChannels; m++)
                for (int y = 0; y < oh; y++)
                    for (int x = 0; x < ow; x++)
                    {
                        long dot = 0;
                        for (int kh = 0; kh < g.KernelH; kh++)
                            for (int kw = 0; kw < g.KernelW; kw++)
                            {
                                int iy = y * g.StrideH + kh * g.DilationH - g.PadTop;
                                int ix = x * g.StrideW + kw * g.DilationW - g.PadLeft;
                                int wBase = ((m * g.KernelH + kh) * g.KernelW + kw) * words;
                                if (iy < 0 || iy >= g.InHeight || ix < 0 || ix >= g.InWidth)
                                {
                                    int ones = 0;
                                    for (int i = 0; i < words; i++) ones += BitOperations.PopCount(weights[wBase + i]);
                                    dot += (long)padValue * (2 * ones - g.InChannels);
                                    continue;
                                }
                                int xBase = ((b * g.InHeight + iy) * g.InWidth + ix) * words;
                                int differ = 0;
                                for (int i = 0; i < words; i++) differ += BitOperations.PopCount(input[xBase + i] ^ weights[wBase + i]);
                                dot += g.InChannels - 2 * differ;
                            }
                        float v = alpha[m] * dot + (bias.IsEmpty ? 0f : bias[m]);
                        if (activation == BinaryActivation.Relu && !(v > 0f)) v = 0f;
                        output[((b * g.OutChannels + m) * oh + y) * ow + x] = v;
                    }
    }

    /// <summary>Binary Gemm reference: X [N, words], W [M, words], output [N, M].</summary>
    public static void Gemm(int rows, int depth, int outputs, ReadOnlySpan<ulong> x, ReadOnlySpan<ulong> w, ReadOnlySpan<float> alpha,
        ReadOnlySpan<float> bias, BinaryActivation activation, Span<float> output)
    {
        int words = BitPacked.WordsFor(depth);
        for (int n = 0; n < rows; n++)
            for (int m = 0; m < outputs; m++)
            {
                int differ = 0;
                for (int i = 0; i < words; i++) differ += BitOperations.PopCount(x[n * words + i] ^ w[m * words + i]);
                float v = alpha[m] * (depth - 2 * differ) + (bias.IsEmpty ? 0f : bias[m]);
                if (activation == BinaryActivation.Relu && !(v > 0f)) v = 0f;
                output[n * outputs + m] = v;
            }
    }
}
