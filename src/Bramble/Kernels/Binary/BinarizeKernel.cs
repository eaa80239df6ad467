using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Threading;
using Bramble.Tensors;

namespace Bramble.Kernels.Binary;

/// <summary>
/// Binarises and packs a float activation [N, C, pixels] into [N, pixels, ⌈C/64⌉] words: channel c becomes
/// bit 1 when sign[c]·x ≥ sign[c]·threshold[c]. Per-channel thresholds and signs are where a preceding
/// BatchNormalization went (sign −1 for negative γ). The vector paths compare a run of pixels of one channel
/// at once and widen each lane's mask to a 64-bit word, so 64 channels of a few pixels build up in registers.
/// </summary>
public sealed unsafe class BinarizeKernel
{
    private readonly float[] _thresholds; // pinned: sign·threshold
    private readonly float[] _signs;      // pinned: ±1
    private readonly int _channels, _words;

    public BinarizeKernel(int channels, ReadOnlySpan<float> thresholds, ReadOnlySpan<float> signs, Isa maxIsa)
    {
        if ((!thresholds.IsEmpty && thresholds.Length != channels) || (!signs.IsEmpty && signs.Length != channels))
            throw new ShapeException($"binarize: thresholds/signs must have {channels} values, got {thresholds.Length}/{signs.Length}");
        _channels = channels;
        _words = BitPacked.WordsFor(channels);
        _signs = GC.AllocateArray<float>(channels, pinned: true);
        _thresholds = GC.AllocateArray<float>(channels, pinned: true);
        for (int c = 0; c < channels; c++)
        {
            _signs[c] = !signs.IsEmpty && signs[c] < 0 ? -1f : 1f;
            _thresholds[c] = _signs[c] * (thresholds.IsEmpty ? 0f : thresholds[c]);
        }
        var isa = CpuFeatures.Effective(maxIsa);
        Isa = isa >= Isa.Vector256 && Vector256.IsHardwareAccelerated ? Isa.Vector256
            : isa >= Isa.Vector128 && Vector128.IsHardwareAccelerated ? Isa.Vector128 : Isa.Scalar;
    }

    public Isa Isa { get; }

    /// <summary>Packs <paramref name="batch"/> images of <paramref name="pixels"/> pixels.</summary>
    public void Run(float* x, ulong* packed, int batch, int pixels, WorkerPool? pool)
    {
        var body = new Body(this, x, packed, pixels);
        int items = batch * _words;
        if (pool == null) for (int i = 0; i < items; i++) body.Invoke(i);
        else pool.For(items, ref body);
    }

    private readonly struct Body(BinarizeKernel kernel, float* x, ulong* packed, int pixels) : IParallelBody
    {
        public void Invoke(int index)
        {
            int b = index / kernel._words, word = index % kernel._words;
            kernel.PackWord(x + (long)b * kernel._channels * pixels, packed + (long)b * pixels * kernel._words, pixels, word);
        }
    }

    /// <summary>Fills word <paramref name="word"/> (channels 64·word …) of every pixel of one image.</summary>
    [MethodImpl(HotCode.Options)]
    private void PackWord(float* image, ulong* packed, int pixels, int word)
    {
        int c0 = word * 64, count = Math.Min(64, _channels - c0), stride = _words;
        int p = 0;
        fixed (float* signs = _signs)
        fixed (float* thresholds = _thresholds)
        {
            if (Isa == Isa.Vector256)
            {
                for (; p + 8 <= pixels; p += 8)
                {
                    Vector256<ulong> lo = Vector256<ulong>.Zero, hi = Vector256<ulong>.Zero;
                    for (int i = 0; i < count; i++)
                    {
                        int c = c0 + i;
                        var v = Vector256.Load(image + (long)c * pixels + p) * signs[c];
                        var mask = Vector256.GreaterThanOrEqual(v, Vector256.Create(thresholds[c])).AsInt32();
                        var bit = Vector256.Create(1UL << i);
                        lo |= Vector256.WidenLower(mask).AsUInt64() & bit;
                        hi |= Vector256.WidenUpper(mask).AsUInt64() & bit;
                    }
                    for (int j = 0; j < 4; j++)
                    {
                        packed[(long)(p + j) * stride + word] = lo.GetElement(j);
                        packed[(long)(p + 4 + j) * stride + word] = hi.GetElement(j);
                    }
                }
            }
            else if (Isa == Isa.Vector128)
            {
                for (; p + 4 <= pixels; p += 4)
                {
                    Vector128<ulong> lo = Vector128<ulong>.Zero, hi = Vector128<ulong>.Zero;
                    for (int i = 0; i < count; i++)
                    {
                        int c = c0 + i;
                        var v = Vector128.Load(image + (long)c * pixels + p) * signs[c];
                        var mask = Vector128.GreaterThanOrEqual(v, Vector128.Create(thresholds[c])).AsInt32();
                        var bit = Vector128.Create(1UL << i);
                        lo |= Vector128.WidenLower(mask).AsUInt64() & bit;
                        hi |= Vector128.WidenUpper(mask).AsUInt64() & bit;
                    }
                    for (int j = 0; j < 2; j++)
                    {
                        packed[(long)(p + j) * stride + word] = lo.GetElement(j);
                        packed[(long)(p + 2 + j) * stride + word] = hi.GetElement(j);
                    }
                }
            }
            for (; p < pixels; p++)
            {
                ulong bits = 0;
                for (int i = 0; i < count; i++)
                {
                    int c = c0 + i;
                    if (image[(long)c * pixels + p] * signs[c] >= thresholds[c]) bits |= 1UL << i;
                }
                packed[(long)p * stride + word] = bits;
            }
        }
    }
}
