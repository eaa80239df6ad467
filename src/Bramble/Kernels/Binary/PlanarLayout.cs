using System.Runtime.CompilerServices;
using Bramble.Kernels.Conv;
using Bramble.Tensors;

namespace Bramble.Kernels.Binary;

/// <summary>
/// Geometry of the byte-planar binary convolution. The padded input image is rearranged into planes of one channel
/// byte each, split by stride phase: plane (phase row, phase column, byte b) holds byte b of every padded pixel whose
/// coordinates have those phases, as rows of <see cref="RowWidth"/> bytes. Output pixel (oy, ox) sits at strip position
/// q = oy·RowWidth + ox, and for every tap and channel byte (a "step") its input byte is at q + a fixed offset in one
/// plane — so <c>Pixels</c> consecutive strip positions are one unaligned vector load for any stride and dilation.
/// Columns ox ≥ OW of the strip are computed and thrown away (a few percent), which lets vectors run across rows.
/// </summary>
internal sealed unsafe class PlanarLayout
{
    /// <summary>Output channels per register block: eight byte accumulators.</summary>
    public const int Block = 8;

    /// <summary>Steps a byte accumulator takes before widening: ≤ 8 per step, 31·8 = 248 &lt; 256.</summary>
    public const int MaxChunk = 31;

    /// <summary>Strip positions per work item, bounding its stack scratch (16-bit sums for a block).</summary>
    public const int MaxStrip = 2048;

    /// <summary>Widest vector in bytes: slack after each plane so every width's loads stay inside it.</summary>
    public const int MaxVector = 32;

    public readonly int Bytes;        // channel bytes per pixel, ⌈C/8⌉
    public readonly int Steps;        // taps · Bytes
    public readonly int RowWidth, PlaneRows;
    public readonly long PlaneLength; // bytes per plane incl. slack
    public readonly int Planes;
    public readonly int BandRows, Bands, ChannelBlocks;
    public readonly int[] StepOffsets;  // pinned: per step, byte offset of its plane plus its tap's shift
    public readonly byte[] WeightBytes; // pinned: [block][step][Block] weight bytes (0 past the last channel)
    private readonly ConvGeometry _g;
    private readonly int _words;

    private PlanarLayout(in ConvGeometry g, ulong* weights)
    {
        _g = g;
        _words = BitPacked.WordsFor(g.InChannels);
        Bytes = (g.InChannels + 7) / 8;
        int taps = g.KernelH * g.KernelW;
        Steps = checked(taps * Bytes);
        int paddedH = g.InHeight + g.PadTop + g.PadBottom, paddedW = g.InWidth + g.PadLeft + g.PadRight;
        RowWidth = (paddedW + g.StrideW - 1) / g.StrideW;
        PlaneRows = (paddedH + g.StrideH - 1) / g.StrideH;
        int maxDy = (g.KernelH - 1) * g.DilationH / g.StrideH, maxDx = (g.KernelW - 1) * g.DilationW / g.StrideW;
        long needed = Math.Max((long)PlaneRows * RowWidth, (long)(g.OutHeight + maxDy) * RowWidth + maxDx) + MaxVector;
        PlaneLength = (needed + 63) & ~63L;
        Planes = checked(g.StrideH * g.StrideW * Bytes);

        StepOffsets = GC.AllocateArray<int>(Steps, pinned: true);
        for (int kh = 0; kh < g.KernelH; kh++)
            for (int kw = 0; kw < g.KernelW; kw++)
            {
                int y = kh * g.DilationH, x = kw * g.DilationW;
                int phase = (y % g.StrideH) * g.StrideW + x % g.StrideW;
                for (int b = 0; b < Bytes; b++)
                    StepOffsets[(kh * g.KernelW + kw) * Bytes + b] = checked((int)((phase * Bytes + b) * PlaneLength + (long)(y / g.StrideH) * RowWidth + x / g.StrideW));
            }

        ChannelBlocks = (g.OutChannels + Block - 1) / Block;
        WeightBytes = GC.AllocateArray<byte>(checked(ChannelBlocks * Steps * Block), pinned: true);
        var packed = (byte*)weights;
        for (int m = 0; m < g.OutChannels; m++)
            for (int t = 0; t < taps; t++)
                for (int b = 0; b < Bytes; b++)
                    WeightBytes[((m / Block) * Steps + t * Bytes + b) * Block + m % Block] = packed[((long)m * taps + t) * _words * 8 + b];

        BandRows = Math.Max(1, MaxStrip / RowWidth);
        Bands = (g.OutHeight + BandRows - 1) / BandRows;
    }

    /// <summary>Strip positions below which the word-popcount path is used instead (<see cref="TryCreate"/>).</summary>
    public const int MinStrip = 128;

    /// <summary>
    /// The layout for <paramref name="g"/>, or null when the planar path does not apply: popcount totals must fit the
    /// 16-bit sums (C·KH·KW ≤ 65535) and a row must fit one work item's strip. With <paramref name="requireLargeStrip"/>
    /// also null for images of fewer than <see cref="MinStrip"/> strip positions: each work item rebuilds its lookup
    /// tables (about one sweep step's work per step) and a tiny strip leaves most vector lanes idle, so there the
    /// word-popcount path is faster (512→512 @7×7: 0.67 against 0.99 ms on AVX2).
    /// </summary>
    public static PlanarLayout? TryCreate(in ConvGeometry g, ulong* weights, bool requireLargeStrip)
    {
        long n = (long)g.InChannels * g.KernelH * g.KernelW;
        int rowWidth = (g.InWidth + g.PadLeft + g.PadRight + g.StrideW - 1) / g.StrideW;
        if (n > ushort.MaxValue || rowWidth > MaxStrip) return null;
        if (requireLargeStrip && (long)g.OutHeight * rowWidth < MinStrip) return null;
        var layout = new PlanarLayout(g, weights);
        return layout.Planes * layout.PlaneLength > int.MaxValue ? null : layout;
    }

    /// <summary>Bytes of the planes of one image.</summary>
    public long WorkspaceBytes => Planes * PlaneLength;

    /// <summary>Strip positions of band <paramref name="band"/>: output rows [<paramref name="oy0"/>, <paramref name="oy1"/>).</summary>
    public void BandRange(int band, out int oy0, out int oy1)
    {
        oy0 = band * BandRows;
        oy1 = Math.Min(_g.OutHeight, oy0 + BandRows);
    }

    /// <summary>Input rows [<paramref name="y0"/>, <paramref name="y1"/>) of a packed image [H, W, words] into the planes (cleared beforehand).</summary>
    [MethodImpl(HotCode.Options)]
    public void Scatter(ulong* image, byte* planes, int y0, int y1)
    {
        var g = _g;
        int rowBytes = _words * 8;
        for (int y = y0; y < y1; y++)
        {
            int py = y + g.PadTop;
            long rowBase = (long)(py % g.StrideH) * g.StrideW * Bytes * PlaneLength + (long)(py / g.StrideH) * RowWidth;
            var src = (byte*)(image + (long)y * g.InWidth * _words);
            for (int x = 0; x < g.InWidth; x++)
            {
                int px = x + g.PadLeft;
                byte* dst = planes + rowBase + (long)(px % g.StrideW) * Bytes * PlaneLength + px / g.StrideW;
                byte* s = src + (long)x * rowBytes;
                for (int b = 0; b < Bytes; b++) dst[b * PlaneLength] = s[b];
            }
        }
    }
}
