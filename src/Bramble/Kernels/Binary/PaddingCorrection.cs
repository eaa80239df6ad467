using System.Runtime.CompilerServices;
using Bramble.Kernels.Conv;
using Bramble.Tensors;

namespace Bramble.Kernels.Binary;

/// <summary>
/// The padding term of a binary convolution. The kernels read padding as −1 bits; for pad value p the true dot is
/// that result plus (p + 1)·Σ w over the taps that fell in the padding. That sum depends only on the output channel and
/// on which kernel rows and columns are valid at the pixel, and border pixels share a few such (row mask, column mask)
/// classes, so the corrections are tabulated per channel and class once: the epilogue pays one load per border pixel
/// instead of a loop over the taps (which took a third of the planar kernel's time at 56×56).
/// </summary>
internal sealed class PaddingCorrection
{
    /// <summary>Above this many (row, column) classes the table is skipped and the taps summed per pixel.</summary>
    private const int MaxClasses = 1024;

    private readonly int _channels, _kernelH, _kernelW, _factor;
    private readonly int[] _tapSums;            // [M][KH][KW]: Σ_c w (as ±1)
    private readonly int[] _rowMask, _colMask;  // bit k set when kernel row/column k reads a real input row/column
    private readonly int[] _rowClass, _colClass;
    private readonly int[] _rowMasks, _colMasks; // per class, its mask
    private readonly int[]? _table;             // [M][row class][column class]: the correction

    /// <summary>Every output row/column at which some tap reads padding; empty when there is no correction to make.</summary>
    public readonly int[] BorderColumns;

    /// <summary>Tabulates the corrections of convolution <paramref name="g"/> with packed <paramref name="weights"/> [M][KH][KW][words] and pad value <paramref name="padValue"/>.</summary>
    public unsafe PaddingCorrection(in ConvGeometry g, ulong* weights, int padValue)
    {
        _channels = g.OutChannels;
        _kernelH = g.KernelH;
        _kernelW = g.KernelW;
        _factor = padValue + 1;
        int taps = g.KernelH * g.KernelW, words = BitPacked.WordsFor(g.InChannels);
        _tapSums = new int[g.OutChannels * taps];
        for (int i = 0; i < _tapSums.Length; i++)
        {
            int ones = 0;
            for (int j = 0; j < words; j++) ones += System.Numerics.BitOperations.PopCount(weights[(long)i * words + j]);
            _tapSums[i] = 2 * ones - g.InChannels;
        }
        _rowMask = ValidMasks(g.OutHeight, g.KernelH, g.StrideH, g.DilationH, g.PadTop, g.InHeight);
        _colMask = ValidMasks(g.OutWidth, g.KernelW, g.StrideW, g.DilationW, g.PadLeft, g.InWidth);
        _rowClass = Classify(_rowMask, out _rowMasks);
        _colClass = Classify(_colMask, out _colMasks);
        var border = new List<int>();
        if (_factor != 0)
            for (int ox = 0; ox < g.OutWidth; ox++)
                if (_colMask[ox] != (1 << g.KernelW) - 1) border.Add(ox);
        BorderColumns = border.ToArray();
        int classes = _rowMasks.Length * _colMasks.Length;
        if (_factor != 0 && classes <= MaxClasses)
        {
            _table = new int[_channels * classes];
            for (int m = 0; m < _channels; m++)
                for (int r = 0; r < _rowMasks.Length; r++)
                    for (int c = 0; c < _colMasks.Length; c++)
                        _table[(m * _rowMasks.Length + r) * _colMasks.Length + c] = _factor * BorderSum(m, _rowMasks[r], _colMasks[c]);
        }
    }

    /// <summary>Whether pixels of output row <paramref name="oy"/> other than <see cref="BorderColumns"/> need no correction.</summary>
    public bool RowInterior(int oy) => _factor == 0 || _rowMask[oy] == (1 << _kernelH) - 1;

    /// <summary>Whether pixel (<paramref name="oy"/>, <paramref name="ox"/>) needs a correction.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Applies(int oy, int ox) => _factor != 0 && (_rowMask[oy] != (1 << _kernelH) - 1 || _colMask[ox] != (1 << _kernelW) - 1);

    /// <summary>The term to add to the dot of channel <paramref name="m"/> at pixel (<paramref name="oy"/>, <paramref name="ox"/>).</summary>
    public int Correction(int m, int oy, int ox)
    {
        if (_factor == 0) return 0;
        if (_table != null) return _table[(m * _rowMasks.Length + _rowClass[oy]) * _colMasks.Length + _colClass[ox]];
        return _factor * BorderSum(m, _rowMask[oy], _colMask[ox]);
    }

    /// <summary>Σ w over the taps of channel <paramref name="m"/> that fall in the padding.</summary>
    private int BorderSum(int m, int rows, int cols)
    {
        int sum = 0, taps = _kernelH * _kernelW;
        for (int kh = 0; kh < _kernelH; kh++)
            for (int x = 0; x < _kernelW; x++)
                if (((rows >> kh) & (cols >> x) & 1) == 0) sum += _tapSums[m * taps + kh * _kernelW + x];
        return sum;
    }

    // Bit k set when kernel row k of output row o reads a real (non-padding) input row.
    private static int[] ValidMasks(int outSize, int kernel, int stride, int dilation, int padBegin, int inSize)
    {
        var masks = new int[outSize];
        for (int o = 0; o < outSize; o++)
            for (int k = 0; k < kernel; k++)
            {
                int i = o * stride + k * dilation - padBegin;
                if (i >= 0 && i < inSize) masks[o] |= 1 << k;
            }
        return masks;
    }

    /// <summary>Per position, the index of its mask among the distinct masks (listed in <paramref name="distinct"/>).</summary>
    private static int[] Classify(int[] masks, out int[] distinct)
    {
        var classes = new int[masks.Length];
        var seen = new Dictionary<int, int>();
        for (int i = 0; i < masks.Length; i++)
        {
            if (!seen.TryGetValue(masks[i], out int c)) seen.Add(masks[i], c = seen.Count);
            classes[i] = c;
        }
        distinct = new int[seen.Count];
        foreach (var (mask, c) in seen) distinct[c] = mask;
        return classes;
    }
}
