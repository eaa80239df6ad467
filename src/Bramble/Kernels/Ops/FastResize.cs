using Bramble.Kernels.Threading;
using Bramble.Ops.Nn;
using Bramble.Tensors;

namespace Bramble.Kernels.Ops;

/// <summary>
/// Resize of the last two dimensions (the NCHW case every CNN has) from the reference's tap tables: one
/// plane per part, rows and columns resampled separably; nearest (one tap of weight 1 per axis) is a
/// plain gather. Anything else (leading axes resized, tf_crop_and_resize extrapolation) stays on the reference.
/// </summary>
internal sealed unsafe class FastResize
{
    private readonly ResizeParameters _p;
    private readonly bool _nearest;

    private FastResize(ResizeParameters p, bool nearest)
    {
        _p = p;
        _nearest = nearest;
    }

    public string Name => _nearest ? "resize nearest gather" : "resize separable";

    public static FastResize? TryCreate(ResizeParameters p, Runtime.SessionOptions options)
    {
        int rank = p.InputShape.Length;
        if (options.ReferenceKernels || rank < 2) return null;
        for (int d = 0; d < rank; d++)
            foreach (bool outside in p.Outside[d]) if (outside) return null;
        for (int d = 0; d < rank - 2; d++)
        {
            if (p.InputShape[d] != p.OutputShape[d]) return null;
            for (int o = 0; o < p.OutputShape[d]; o++)
            {
                int t = p.TapStart[d][o];
                if (p.TapStart[d][o + 1] - t != 1 || p.TapIndex[d][t] != o || p.TapWeight[d][t] != 1) return null;
            }
        }
        bool nearest = true;
        for (int d = rank - 2; d < rank; d++)
            for (int o = 0; o < p.OutputShape[d]; o++)
            {
                int t = p.TapStart[d][o];
                if (p.TapStart[d][o + 1] - t != 1 || p.TapWeight[d][t] != 1) nearest = false;
            }
        return new FastResize(p, nearest);
    }

    public void Run(Tensor x, Tensor y, WorkerPool pool)
    {
        int rank = _p.InputShape.Length;
        long planes = 1;
        for (int d = 0; d < rank - 2; d++) planes *= _p.InputShape[d];
        fixed (int* hs = _p.TapStart[rank - 2], hi = _p.TapIndex[rank - 2], ws = _p.TapStart[rank - 1], wi = _p.TapIndex[rank - 1])
        fixed (double* hw = _p.TapWeight[rank - 2], ww = _p.TapWeight[rank - 1])
        {
            var body = new Body
            {
                X = (float*)x.Data, Y = (float*)y.Data, Planes = planes, Nearest = _nearest,
                InH = _p.InputShape[rank - 2], InW = _p.InputShape[rank - 1], OutH = _p.OutputShape[rank - 2], OutW = _p.OutputShape[rank - 1],
                HStart = hs, HIndex = hi, HWeight = hw, WStart = ws, WIndex = wi, WWeight = ww,
            };
            body.Parts = (int)Math.Min(pool.ThreadCount, planes);
            pool.For(Math.Max(1, body.Parts), ref body);
        }
    }

    private struct Body : IParallelBody
    {
        public float* X, Y;
        public long Planes;
        public int Parts, InH, InW, OutH, OutW;
        public bool Nearest;
        public int* HStart, HIndex, WStart, WIndex;
        public double* HWeight, WWeight;

        public void Invoke(int part)
        {
            long p0 = Planes * part / Math.Max(1, Parts), p1 = Planes * (part + 1) / Math.Max(1, Parts);
            for (long plane = p0; plane < p1; plane++)
            {
                float* x = X + plane * InH * InW, y = Y + plane * OutH * OutW;
                for (int oh = 0; oh < OutH; oh++)
                {
                    float* yRow = y + (long)oh * OutW;
                    if (Nearest)
                    {
                        float* xRow = x + (long)HIndex[HStart[oh]] * InW;
                        for (int ow = 0; ow < OutW; ow++) yRow[ow] = xRow[WIndex[WStart[ow]]];
                        continue;
                    }
                    for (int ow = 0; ow < OutW; ow++)
                    {
                        double sum = 0;
                        for (int th = HStart[oh]; th < HStart[oh + 1]; th++)
                        {
                            float* xRow = x + (long)HIndex[th] * InW;
                            double inner = 0;
                            for (int tw = WStart[ow]; tw < WStart[ow + 1]; tw++) inner += WWeight[tw] * xRow[WIndex[tw]];
                            sum += HWeight[th] * inner;
                        }
                        yRow[ow] = (float)sum;
                    }
                }
            }
        }
    }
}
