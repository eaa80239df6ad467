using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Binary;

/// <summary>
/// The planar path of <see cref="BinaryConvKernel"/> (see <see cref="PlanarLayout"/>, <see cref="IPlanarLanes{T}"/>):
/// per image the packed input is scattered into unit planes, then work items of (band of output rows, block of
/// <see cref="PlanarLayout.Block"/> output channels) sweep their strip in chunks of steps and finish with a
/// vectorised α·dot + bias epilogue.
/// </summary>
public sealed unsafe partial class BinaryConvKernel
{
    /// <summary>Which <see cref="IPlanarLanes{T}"/> the planar path runs.</summary>
    private enum PlanarLanes { Nibble256, Nibble128, Byte128 }

    private PlanarLanes ChoosePlanarLanes(BinaryConvPath path) =>
        Isa == Isa.Vector256 ? PlanarLanes.Nibble256
        : ByteLanes128.Native || path == BinaryConvPath.PlanarBytes ? PlanarLanes.Byte128 : PlanarLanes.Nibble128;

    private static int UnitBits(PlanarLanes lanes) => lanes == PlanarLanes.Byte128 ? ByteLanes128.StepBits : NibbleLanes128.StepBits;

    private int PlanarVector => _planarLanes == PlanarLanes.Nibble256 ? NibbleLanes256.Pixels : NibbleLanes128.Pixels;

    [MethodImpl(HotCode.Options)]
    private void RunPlanar(ulong* input, float* output, int batch, byte* workspace, WorkerPool? pool)
    {
        var layout = _planar!;
        long inImage = (long)_g.InHeight * _g.InWidth * _words;
        for (int b = 0; b < batch; b++)
        {
            new Span<byte>(workspace, checked((int)layout.WorkspaceBytes)).Clear();
            var scatter = new ScatterBody(layout, input + b * inImage, workspace);
            if (pool == null) for (int y = 0; y < _g.InHeight; y++) scatter.Invoke(y);
            else pool.For(_g.InHeight, ref scatter);

            var body = new PlanarBody(this, workspace, output + b * _outImage);
            int items = layout.Bands * layout.ChannelBlocks;
            if (pool == null) for (int i = 0; i < items; i++) body.Invoke(i);
            else pool.For(items, ref body);
        }
    }

    private readonly struct ScatterBody(PlanarLayout layout, ulong* image, byte* planes) : IParallelBody
    {
        public void Invoke(int index) => layout.Scatter(image, planes, index, index + 1);
    }

    private readonly struct PlanarBody(BinaryConvKernel kernel, byte* planes, float* output) : IParallelBody
    {
        public void Invoke(int index)
        {
            switch (kernel._planarLanes)
            {
                case PlanarLanes.Nibble256: kernel.RunPlanarItem<Vector256<byte>, NibbleLanes256>(planes, output, index); break;
                case PlanarLanes.Nibble128: kernel.RunPlanarItem<Vector128<byte>, NibbleLanes128>(planes, output, index); break;
                default: kernel.RunPlanarItem<Vector128<byte>, ByteLanes128>(planes, output, index); break;
            }
        }
    }

    /// <summary>One work item: output rows of band index / blocks, channels Block·(index % blocks) onwards.</summary>
    [MethodImpl(HotCode.Options)]
    private void RunPlanarItem<T, L>(byte* planes, float* output, int index) where T : struct where L : IPlanarLanes<T>
    {
        var layout = _planar!;
        int block = index % layout.ChannelBlocks;
        layout.BandRange(index / layout.ChannelBlocks, out int oy0, out int oy1);
        int tile = PlanarSweep.TileVectors * L.Pixels;
        int tiles = ((oy1 - oy0) * layout.RowWidth + tile - 1) / tile;
        int stride = tiles * tile + 8; // + 8: the epilogue loads 8 sums at a time
        ushort* sums = stackalloc ushort[PlanarLayout.Block * stride];
        new Span<ushort>(sums, PlanarLayout.Block * stride).Clear();
        int maxChunk = PlanarSweep.MaxChunk<T, L>();
        byte* operands = stackalloc byte[maxChunk * PlanarLayout.Block * L.Pixels];
        byte* x = planes + (long)oy0 * layout.RowWidth;
        fixed (int* offsets = layout.StepOffsets)
        fixed (byte* weightUnits = layout.WeightUnits)
        {
            for (int s0 = 0; s0 < layout.Steps; s0 += maxChunk)
            {
                int steps = Math.Min(maxChunk, layout.Steps - s0);
                PlanarSweep.BuildOperands<T, L>(weightUnits + ((long)block * layout.Steps + s0) * PlanarLayout.Block, steps, operands);
                PlanarSweep.Sweep<T, L>(x, tiles, offsets + s0, steps, operands, sums, stride);
            }
        }
        int m0 = block * PlanarLayout.Block;
        for (int j = 0; j < PlanarLayout.Block && m0 + j < _g.OutChannels; j++)
            FinishChannel(m0 + j, sums + j * stride, output + (long)(m0 + j) * _g.OutHeight * _g.OutWidth, oy0, oy1);
    }

    /// <summary>Mismatch counts of channel <paramref name="m"/>, rows [oy0, oy1) → act(α·dot + bias), border rows/columns corrected.</summary>
    [MethodImpl(HotCode.Options)]
    private void FinishChannel(int m, ushort* counts, float* output, int oy0, int oy1)
    {
        var g = _g;
        int n = g.InChannels * _taps, ow = g.OutWidth, rowWidth = _planar!.RowWidth;
        float alpha = _alpha[m], bias = _bias[m];
        bool relu = _activation == BinaryActivation.Relu;
        var va = Vector128.Create(alpha);
        var vb = Vector128.Create(bias);
        var vn = Vector128.Create(n);
        for (int oy = oy0; oy < oy1; oy++)
        {
            ushort* c = counts + (oy - oy0) * rowWidth;
            float* o = output + (long)oy * ow;
            int ox = 0;
            for (; ox + 8 <= ow; ox += 8)
            {
                var u = Vector128.Load(c + ox);
                var lo = va * Vector128.ConvertToSingle(vn - (Vector128.WidenLower(u).AsInt32() << 1)) + vb;
                var hi = va * Vector128.ConvertToSingle(vn - (Vector128.WidenUpper(u).AsInt32() << 1)) + vb;
                if (relu)
                {
                    lo = Vector128.ConditionalSelect(Vector128.GreaterThan(lo, Vector128<float>.Zero), lo, Vector128<float>.Zero);
                    hi = Vector128.ConditionalSelect(Vector128.GreaterThan(hi, Vector128<float>.Zero), hi, Vector128<float>.Zero);
                }
                lo.Store(o + ox);
                hi.Store(o + ox + 4);
            }
            for (; ox < ow; ox++) o[ox] = Activate(alpha * (n - 2 * c[ox]) + bias, relu);
            // Taps in the padding read −1 bits: redo the border pixels with the correction (see the class remarks).
            if (_padding.RowInterior(oy))
                foreach (int bx in _padding.BorderColumns)
                    o[bx] = Activate(alpha * (n - 2 * c[bx] + _padding.Correction(m, oy, bx)) + bias, relu);
            else
                for (ox = 0; ox < ow; ox++)
                    o[ox] = Activate(alpha * (n - 2 * c[ox] + _padding.Correction(m, oy, ox)) + bias, relu);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Activate(float y, bool relu) => relu && !(y > 0f) ? 0f : y;
}
