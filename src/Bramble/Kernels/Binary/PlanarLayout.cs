using System.Runtime.CompilerServices;
using Bramble.Kernels.Conv;
using Bramble.Tensors;

namespace Bramble.Kernels.Binary;

/// <summary>
/// Geometry of the planar binary convolution. The padded input image is rearranged into planes of one input unit
/// (a nibble or a byte of channels, <see cref="UnitBits"/>) each, split by stride phase: plane (phase row, phase
/// column, unit u) holds unit u of every padded pixel whose coordinates have those phases, one unit per byte, as rows
/// of <see cref="RowWidth"/> bytes. Output pixel (oy, ox) sits at strip position q = oy·RowWidth + ox, and for every tap
/// and unit (a "step") its input is at q + a fixed offset in one plane — so consecutive strip positions are one
/// unaligned vector load for any stride and dilation. Columns ox ≥ OW of the strip are computed and thrown away (a
/// few percent), which lets vectors run across rows.
/// Steps run unit-major, tap-minor: a chunk of steps then reads few planes, each row of which serves every tap, so a
/// strip's inputs stay in L1 through a chunk instead of streaming a plane per step from L2.
/// </summary>
internal sealed unsafe class PlanarLayout
{
    /// <summary>Output channels per register block (<see cref="PlanarSweep"/>).</summary>
    public const int Block = 4;

    /// <summary>Strip positions per work item, bounding its stack scratch (16-bit sums for a block).</summary>
    public const int MaxStrip = 2048;

    /// <summary>Strip positions one sweep tile reads past its start: slack after each plane keeps them inside it.</summary>
    public const int MaxTile = PlanarSweep.TileVectors * 32;

    public readonly int UnitBits;     // input channels per unit: 4 or 8
    public readonly int Units;        // units per pixel, ⌈C/UnitBits⌉
    public readonly int Steps;        // taps · Units
    public readonly int RowWidth, PlaneRows;
    public readonly long PlaneLength; // bytes per plane incl. slack
    public readonly int Planes;
    public readonly int BandRows, Bands, ChannelBlocks;
    public readonly int[] StepOffsets;  // pinned: per step, byte offset of its plane plus its tap's shift
    public readonly byte[] WeightUnits; // pinned: [block][step][Block] weight units (0 past the last channel)
    private readonly ConvGeometry _g;
    private readonly int _words;

    private PlanarLayout(in ConvGeometry g, ulong* weights, int unitBits)
    {
        _g = g;
        _words = BitPacked.WordsFor(g.InChannels);
        UnitBits = unitBits;
        Units = (g.InChannels + unitBits - 1) / unitBits;
        int taps = g.KernelH * g.KernelW;
        Steps = checked(taps * Units);
        int paddedH = g.InHeight + g.PadTop + g.PadBottom, paddedW = g.InWidth + g.PadLeft + g.PadRight;
        RowWidth = (paddedW + g.StrideW - 1) / g.StrideW;
        PlaneRows = (paddedH + g.StrideH - 1) / g.StrideH;
        int maxDy = (g.KernelH - 1) * g.DilationH / g.StrideH, maxDx = (g.KernelW - 1) * g.DilationW / g.StrideW;
        long needed = Math.Max((long)PlaneRows * RowWidth, (long)(g.OutHeight + maxDy) * RowWidth + maxDx) + MaxTile;
        PlaneLength = (needed + 63) & ~63L;
        Planes = checked(g.StrideH * g.StrideW * Units);

        StepOffsets = GC.AllocateArray<int>(Steps, pinned: true);
        for (int u = 0; u < Units; u++)
            for (int kh = 0; kh < g.KernelH; kh++)
                for (int kw = 0; kw < g.KernelW; kw++)
                {
                    int y = kh * g.DilationH, x = kw * g.DilationW;
                    int phase = (y % g.StrideH) * g.StrideW + x % g.StrideW;
                    StepOffsets[u * taps + kh * g.KernelW + kw] =
                        checked((int)((phase * Units + u) * PlaneLength + (long)(y / g.StrideH) * RowWidth + x / g.StrideW));
                }

        ChannelBlocks = (g.OutChannels + Block - 1) / Block;
        WeightUnits = GC.AllocateArray<byte>(checked(ChannelBlocks * Steps * Block), pinned: true);
        var packed = (byte*)weights;
        for (int m = 0; m < g.OutChannels; m++)
            for (int t = 0; t < taps; t++)
                for (int u = 0; u < Units; u++)
                    WeightUnits[((m / Block) * Steps + u * taps + t) * Block + m % Block] = Unit(packed + ((long)m * taps + t) * _words * 8, u);

        BandRows = Math.Max(1, MaxStrip / RowWidth);
        Bands = (g.OutHeight + BandRows - 1) / BandRows;
    }

    /// <summary>Unit <paramref name="u"/> of a pixel's packed channel bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte Unit(byte* channels, int u) =>
        UnitBits == 8 ? channels[u] : (byte)((channels[u >> 1] >> ((u & 1) << 2)) & 15);

    /// <summary>Strip positions below which the word-popcount path is used instead (<see cref="TryCreate"/>).</summary>
    public const int MinStrip = 128;

    /// <summary>
    /// The layout for <paramref name="g"/>, or null when the planar path does not apply: popcount totals must fit the
    /// 16-bit sums (C·KH·KW ≤ 65535) and a row must fit one work item's strip. With <paramref name="requireLargeStrip"/>
    /// also null for images of fewer than <see cref="MinStrip"/> strip positions: each work item rebuilds its lookup
    /// tables (about one sweep step's work per step) and a tiny strip leaves most vector lanes idle, so there the
    /// word-popcount path is faster (512→512 @7×7: 0.67 against 0.99 ms on AVX2).
    /// </summary>
    public static PlanarLayout? TryCreate(in ConvGeometry g, ulong* weights, int unitBits, bool requireLargeStrip)
    {
        long n = (long)g.InChannels * g.KernelH * g.KernelW;
        int rowWidth = (g.InWidth + g.PadLeft + g.PadRight + g.StrideW - 1) / g.StrideW;
        if (n > ushort.MaxValue || rowWidth > MaxStrip) return null;
        if (requireLargeStrip && (long)g.OutHeight * rowWidth < MinStrip) return null;
        var layout = new PlanarLayout(g, weights, unitBits);
        return layout.Planes * layout.PlaneLength > int.MaxValue ? null : layout;
    }

    /// <summary>Bytes of the planes of one image (cleared by <see cref="Scatter"/>'s caller, so padding reads 0 bits).</summary>
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
            long rowBase = (long)(py % g.StrideH) * g.StrideW * Units * PlaneLength + (long)(py / g.StrideH) * RowWidth;
            var src = (byte*)(image + (long)y * g.InWidth * _words);
            for (int x = 0; x < g.InWidth; x++)
            {
                int px = x + g.PadLeft;
                byte* dst = planes + rowBase + (long)(px % g.StrideW) * Units * PlaneLength + px / g.StrideW;
                byte* s = src + (long)x * rowBytes;
                for (int u = 0; u < Units; u++) dst[u * PlaneLength] = Unit(s, u);
            }
        }
    }
}
