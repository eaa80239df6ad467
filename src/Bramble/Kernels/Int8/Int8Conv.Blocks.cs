namespace Bramble.Kernels.Int8;

public sealed unsafe partial class Int8Conv
{
    /// <summary>Computes output columns [c0, c0 + block) of every output channel of group <paramref name="g"/> of image <paramref name="n"/>.</summary>
    private void RunBlock(byte* x, byte* y, int n, int g, int c0)
    {
        int outSize = _p.Window.OutputSize;
        int nc = Math.Min(_blockColumns, outSize - c0);
        int panels = (nc + Int8MicroKernels.Panel - 1) / Int8MicroKernels.Panel;
        int panelInts = _kPairs * Int8MicroKernels.Panel;
        int* b = Scratch(panels * panelInts + 16 * Int8MicroKernels.MR + panels * Int8MicroKernels.Panel, out var pin);
        int* acc = b + panels * panelInts;
        PackColumns(x, n, g, c0, nc, panels, (short*)b, (short*)(acc + 16 * Int8MicroKernels.MR));
        int mg = _p.OutChannelsPerGroup;
        fixed (int* packed = _packed)
        {
            for (int m0 = 0; m0 < mg; m0 += Int8MicroKernels.MR)
            {
                int* a = packed + g * _groupStride + m0 * _kPairs;
                int rows = Math.Min(Int8MicroKernels.MR, mg - m0);
                for (int j = 0; j < panels; j += 2)
                {
                    int* b0 = b + j * panelInts;
                    int* b1 = j + 1 < panels ? b0 + panelInts : b0;
                    Int8MicroKernels.Run(_isa, a, b0, b1, _kPairs, acc);
                    int cols = Math.Min(2 * Int8MicroKernels.Panel, nc - j * Int8MicroKernels.Panel);
                    for (int r = 0; r < rows; r++)
                    {
                        int m = g * mg + m0 + r;
                        byte* dst = y + ((long)(n * _p.OutChannels + m) * outSize + c0 + j * Int8MicroKernels.Panel);
                        RequantizeRow.Run(_isa, acc + r * 16, cols, _bias[m], _multiplier[m], _yZp, _lo, _hi, dst, _ySigned);
                    }
                }
            }
        }
        GC.KeepAlive(pin);
    }

}
