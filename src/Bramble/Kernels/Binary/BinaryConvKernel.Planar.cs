using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Bramble.Kernels.Threading;

namespace Bramble.Kernels.Binary;

/// <summary>
/// The byte-planar path of <see cref="BinaryConvKernel"/> (see <see cref="PlanarLayout"/>, <see cref="TableLanes256"/>):
/// per image the packed input is scattered into channel-byte planes, then work items of (band of output rows, block of
/// eight output channels) sweep their strip in chunks of steps and finish with a vectorised α·dot + bias epilogue.
/// </summary>
public sealed unsafe partial class BinaryConvKernel
{
    private int PlanarVector => Isa == Isa.Vector256 ? TableLanes256.Pixels : TableLanes128.Pixels;

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
        public void Invoke(int index) => kernel.RunPlanarItem(planes, output, index);
    }

    /// <summary>One work item: output rows of band index / blocks, channels 8·(index % blocks) … + 7.</summary>
    [MethodImpl(HotCode.Options)]
    private void RunPlanarItem(byte* planes, float* output, int index)
    {
        var layout = _planar!;
        int block = index % layout.ChannelBlocks;
        layout.BandRange(index / layout.ChannelBlocks, out int oy0, out int oy1);
        int v = PlanarVector;
        int vectors = ((oy1 - oy0) * layout.RowWidth + v - 1) / v;
        int stride = vectors * v + 8; // + 8: the epilogue loads 8 sums at a time
        ushort* sums = stackalloc ushort[PlanarLayout.Block * stride];
        new Span<ushort>(sums, PlanarLayout.Block * stride).Clear();
        byte* tables = stackalloc byte[PlanarLayout.MaxChunk * 16 * PlanarLayout.MaxVector];
        byte* x = planes + (long)oy0 * layout.RowWidth;
        fixed (int* offsets = layout.StepOffsets)
        fixed (byte* weightBytes = layout.WeightBytes)
        {
            for (int s0 = 0; s0 < layout.Steps; s0 += PlanarLayout.MaxChunk)
            {
                int steps = Math.Min(PlanarLayout.MaxChunk, layout.Steps - s0);
                byte* w = weightBytes + ((long)block * layout.Steps + s0) * PlanarLayout.Block;
                if (Isa == Isa.Vector256)
                {
                    PlanarSweep.BuildTables(w, steps, tables, 32);
                    PlanarSweep.Sweep<Vector256<byte>, TableLanes256>(x, vectors, offsets + s0, steps, tables, sums, stride);
                }
                else if (TableLanes128.NativeCount)
                    PlanarSweep.SweepNative<Vector128<byte>, TableLanes128>(x, vectors, offsets + s0, steps, w, sums, stride);
                else
                {
                    PlanarSweep.BuildTables(w, steps, tables, 16);
                    PlanarSweep.Sweep<Vector128<byte>, TableLanes128>(x, vectors, offsets + s0, steps, tables, sums, stride);
                }
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
        int fullRows = (1 << g.KernelH) - 1, fullCols = (1 << g.KernelW) - 1;
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
            if (_padFactor == 0) continue;
            // Taps in the padding read −1 bits; add (p + 1)·Σ w over them (see the class remarks).
            int rows = _rowMask[oy];
            for (ox = 0; ox < ow; ox++)
                if (rows != fullRows || _colMask[ox] != fullCols)
                    o[ox] = Activate(alpha * (n - 2 * c[ox] + _padFactor * BorderSum(m, rows, _colMask[ox])) + bias, relu);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Activate(float y, bool relu) => relu && !(y > 0f) ? 0f : y;
}
