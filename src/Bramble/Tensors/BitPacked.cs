namespace Bramble.Tensors;

/// <summary>
/// The bit-packed layout of binary (±1) tensors. A value +1 is bit 1 and −1 is bit 0. Channels are the
/// packed axis and move last: a float activation [N, C, spatial…] becomes UInt64 [N, spatial…, ⌈C/64⌉]
/// (channel c is bit c mod 64 of word c / 64), and binary conv weights [M, C, KH, KW] become
/// [M, KH, KW, ⌈C/64⌉]. The unused high bits of the last word are always 0 in activations and weights
/// alike, so they XOR to 0 and never reach a popcount: the dot product of n real channels is
/// n − 2·popcount(x XOR w) whatever the padding.
/// </summary>
public static class BitPacked
{
    /// <summary>64-bit words that hold <paramref name="channels"/> bits.</summary>
    public static int WordsFor(int channels) => (channels + 63) >> 6;

    /// <summary>Packed shape of a float activation: [N, C, s…] → [N, s…, ⌈C/64⌉].</summary>
    public static int[] ActivationShape(int[] floatShape)
    {
        if (floatShape.Length < 2) throw new ShapeException($"a binary activation needs rank >= 2 ([N, C, …]), got {ShapeUtil.Format(floatShape)}");
        var packed = new int[floatShape.Length];
        packed[0] = floatShape[0];
        for (int i = 2; i < floatShape.Length; i++) packed[i - 1] = floatShape[i];
        packed[^1] = WordsFor(floatShape[1]);
        return packed;
    }

    /// <summary>
    /// Reference binarisation of a float activation [N, C, s…] into <paramref name="packed"/>: channel c is +1 when
    /// sign[c]·x ≥ sign[c]·threshold[c] (sign −1 turns the test into x ≤ threshold, as a BatchNormalization with
    /// negative γ does). Empty spans mean threshold 0 and sign +1.
    /// </summary>
    public static void Pack(ReadOnlySpan<float> x, int[] floatShape, ReadOnlySpan<float> thresholds, ReadOnlySpan<float> signs, Span<ulong> packed)
    {
        int n = floatShape[0], c = floatShape[1], words = WordsFor(c);
        long pixels = 1;
        for (int i = 2; i < floatShape.Length; i++) pixels *= floatShape[i];
        packed[..checked((int)(n * pixels * words))].Clear();
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
            {
                float t = thresholds.IsEmpty ? 0f : thresholds[ch];
                bool flip = !signs.IsEmpty && signs[ch] < 0;
                for (long p = 0; p < pixels; p++)
                {
                    float v = x[checked((int)((b * c + ch) * pixels + p))];
                    bool one = flip ? v <= t : v >= t;
                    if (one) packed[checked((int)((b * pixels + p) * words + (ch >> 6)))] |= 1UL << (ch & 63);
                }
            }
    }

    /// <summary>Unpacks [N, s…, ⌈C/64⌉] bits back to a ±1 float activation of <paramref name="floatShape"/> [N, C, s…].</summary>
    public static void Unpack(ReadOnlySpan<ulong> packed, int[] floatShape, Span<float> x)
    {
        int n = floatShape[0], c = floatShape[1], words = WordsFor(c);
        long pixels = 1;
        for (int i = 2; i < floatShape.Length; i++) pixels *= floatShape[i];
        for (int b = 0; b < n; b++)
            for (int ch = 0; ch < c; ch++)
                for (long p = 0; p < pixels; p++)
                {
                    ulong word = packed[checked((int)((b * pixels + p) * words + (ch >> 6)))];
                    x[checked((int)((b * c + ch) * pixels + p))] = ((word >> (ch & 63)) & 1) != 0 ? 1f : -1f;
                }
    }

    /// <summary>
    /// Packs the signs of float weights [M, C, k…] into [M, k…, ⌈C/64⌉] (bit 1 for w ≥ 0). Callers that need the exact
    /// ONNX Sign semantics reject zero weights first (Sign(0) = 0 has no bit).
    /// </summary>
    public static Tensor PackWeights(Tensor weights)
    {
        var s = weights.Shape;
        if (s.Length < 2) throw new ShapeException($"binary weights need rank >= 2 ([M, C, …]), got {ShapeUtil.Format(s)}");
        int m = s[0], c = s[1], words = WordsFor(c);
        int taps = 1;
        for (int i = 2; i < s.Length; i++) taps = checked(taps * s[i]);
        var shape = new int[s.Length];
        shape[0] = m;
        for (int i = 2; i < s.Length; i++) shape[i - 1] = s[i];
        shape[^1] = words;
        var packed = Tensor.Allocate(DataType.UInt64, shape);
        var dst = packed.AsSpan<ulong>();
        dst.Clear();
        var w = weights.AsReadOnlySpan<float>();
        for (int o = 0; o < m; o++)
            for (int ch = 0; ch < c; ch++)
                for (int t = 0; t < taps; t++)
                    if (w[(o * c + ch) * taps + t] >= 0)
                        dst[(o * taps + t) * words + (ch >> 6)] |= 1UL << (ch & 63);
        return packed;
    }
}
