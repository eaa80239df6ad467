using Bramble.Graph;
using Bramble.Kernels.Conv;
using Bramble.Kernels.Gemm;
using Bramble.Kernels.Threading;
using Bramble.Training.Autodiff;

namespace Bramble.Training.Gradients;

/// <summary>
/// 2-D Conv (any group count, stride, padding, dilation, optional bias). The forward is the inference
/// engine's <see cref="Conv2dKernel"/>; per group the backward is dW += dY·im2col(X)ᵀ and
/// dX += col2im(Wᵀ·dY) on the inference GEMM. Channel-wise groups (one input channel per group: depthwise)
/// use direct row loops in the backward, where a GEMM with one row would be all overhead. Several images of a part are unfolded side by side
/// so that each GEMM is wide. The batch is cut into <see cref="TrainContext.Parts"/>
/// fixed parts with private weight-gradient accumulators summed in part order (deterministic).
/// </summary>
public sealed unsafe class ConvGradient : GradientOp
{
    private int _n, _c, _h, _w, _m, _groups, _cg, _mg, _k, _outH, _outW, _chunk;
    private Window2d _win;
    private bool _depthwise;
    private readonly float[][] _col = new float[TrainContext.Parts][];
    private readonly float[][] _dcol = new float[TrainContext.Parts][];
    private readonly float[][] _ybuf = new float[TrainContext.Parts][];
    private readonly float[][] _dwPart = new float[TrainContext.Parts][];
    private readonly float[][] _dbPart = new float[TrainContext.Parts][];
    private TrainContext _ctx = null!;
    private Conv2dKernel? _kernel;

    public ConvGradient(Node node, TValue[] inputs, TValue[] outputs) : base(node, inputs, outputs) { }

    public override long ForwardMacs => (long)_n * _m * _outH * _outW * _k;

    public override void Forward(TrainContext ctx)
    {
        _ctx = ctx;
        Configure();
        Out.Resize([_n, _m, _outH, _outW]);
        // The forward runs on the inference convolution (implicit-GEMM panels packed straight from the image,
        // direct depthwise kernels): the weights change every step, so they are packed again each time, which
        // costs little next to the convolution itself.
        fixed (float* w = In(1).Data)
        {
            _kernel = Conv2dKernel.Create(Geometry(), w, ctx.Isa);
            try
            {
                var body = new PartBody { Op = this, Backward = false };
                Run(ref body);
            }
            finally
            {
                _kernel.Dispose();
                _kernel = null;
            }
        }
    }

    private ConvGeometry Geometry() => new(_c, _h, _w, _m, _win.KernelH, _win.KernelW)
    {
        StrideH = _win.StrideH, StrideW = _win.StrideW, DilationH = _win.DilationH, DilationW = _win.DilationW,
        PadTop = _win.PadTop, PadLeft = _win.PadLeft, PadBottom = _win.PadBottom, PadRight = _win.PadRight, Groups = _groups,
    };

    public override void Backward(TrainContext ctx)
    {
        _ctx = ctx;
        var body = new PartBody { Op = this, Backward = true };
        Run(ref body);
        // Fixed-order reduction of the per-part accumulators.
        var w = In(1);
        if (w.NeedsGrad)
            for (int p = 0; p < TrainContext.Parts; p++)
            {
                float[] part = _dwPart[p];
                float[] g = w.Grad;
                for (int i = 0; i < g.Length; i++) g[i] += part[i];
            }
        if (Optional(2) is { NeedsGrad: true } b)
            for (int p = 0; p < TrainContext.Parts; p++)
            {
                float[] part = _dbPart[p];
                for (int i = 0; i < b.Grad.Length; i++) b.Grad[i] += part[i];
            }
    }

    private void Run(ref PartBody body)
    {
        if (_ctx.Pool is { } pool) pool.For(TrainContext.Parts, ref body);
        else for (int p = 0; p < TrainContext.Parts; p++) body.Invoke(p);
    }

    private struct PartBody : IParallelBody
    {
        public ConvGradient Op;
        public bool Backward;
        public void Invoke(int index)
        {
            if (Backward) Op.BackwardPart(index);
            else Op.ForwardPart(index);
        }
    }

    private void Configure()
    {
        var x = In(0);
        var w = In(1);
        if (x.Shape.Length != 4 || w.Shape.Length != 4) throw ShapeError($"training supports 2-D convolution only (X {Tensors.ShapeUtil.Format(x.Shape)}, W {Tensors.ShapeUtil.Format(w.Shape)})");
        (_n, _c, _h, _w) = (x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3]);
        _m = w.Shape[0];
        _groups = (int)Node.GetInt("group", 1);
        if (_groups < 1 || _c % _groups != 0 || _m % _groups != 0 || w.Shape[1] != _c / _groups)
            throw ShapeError($"group {_groups} does not fit {_c} input channels and W {Tensors.ShapeUtil.Format(w.Shape)}");
        _cg = _c / _groups;
        _mg = _m / _groups;
        _win = Window2d.From(Node, w.Shape[2], w.Shape[3], _h, _w);
        _outH = _win.OutH(_h);
        _outW = _win.OutW(_w);
        if (_outH < 1 || _outW < 1) throw ShapeError($"window larger than the padded {_h}x{_w} input");
        if (Optional(2) is { } b && b.Length != _m) throw ShapeError($"bias has {b.Length} values for {_m} output channels");
        _k = _cg * _win.KernelH * _win.KernelW;
        _depthwise = _cg == 1 && _groups > 1;
        int pix = _outH * _outW;
        // Several images side by side make one wide GEMM instead of many thin ones; cap the unfolded
        // matrix at about 4 MB per part.
        _chunk = Math.Clamp(ChunkFloats / Math.Max(1, Math.Max(_k, _mg) * pix), 1, Math.Max(1, (_n + TrainContext.Parts - 1) / TrainContext.Parts));
        int colSize = _depthwise ? 0 : _chunk * _k * pix;
        int ySize = _depthwise ? 0 : _chunk * _mg * pix;
        for (int p = 0; p < TrainContext.Parts; p++)
        {
            if ((_col[p]?.Length ?? -1) != colSize) { _col[p] = new float[colSize]; _dcol[p] = new float[colSize]; }
            if ((_ybuf[p]?.Length ?? -1) != ySize) _ybuf[p] = new float[ySize];
            if ((_dwPart[p]?.Length ?? -1) != w.Length) _dwPart[p] = new float[w.Length];
            if ((_dbPart[p]?.Length ?? -1) != _m) _dbPart[p] = new float[_m];
        }
    }

    private const int ChunkFloats = 1 << 20;

    private (int, int) Range(int part) => (part * _n / TrainContext.Parts, (part + 1) * _n / TrainContext.Parts);

    private void ForwardPart(int part)
    {
        (int first, int end) = Range(part);
        if (first == end) return;
        var bias = Optional(2);
        fixed (float* x = In(0).Data, y = Out.Data)
        fixed (float* b = bias != null ? bias.Data : null)
        {
            var epilogue = b != null ? new Epilogue(Activation.None, 0, 0, b, BiasKind.PerRow) : Epilogue.None;
            _kernel!.Run(x + (long)first * _c * _h * _w, y + (long)first * _m * _outH * _outW, end - first, epilogue, null);
        }
    }

    private void BackwardPart(int part)
    {
        (int first, int end) = Range(part);
        int pix = _outH * _outW;
        var xv = In(0);
        var wv = In(1);
        var bias = Optional(2);
        bool needX = xv.NeedsGrad, needW = wv.NeedsGrad, needB = bias is { NeedsGrad: true };
        Array.Clear(_dwPart[part]);
        Array.Clear(_dbPart[part]);
        fixed (float* x = xv.Data, w = wv.Data, dy = Out.Grad, col = _col[part], dcol = _dcol[part], dybuf = _ybuf[part], dw = _dwPart[part], db = _dbPart[part])
        fixed (float* dx = needX ? xv.Grad : null)
        {
            if (needB)
                for (int n = first; n < end; n++)
                    for (int m = 0; m < _m; m++)
                    {
                        float* row = dy + ((long)n * _m + m) * pix;
                        float s = 0;
                        for (int i = 0; i < pix; i++) s += row[i];
                        db[m] += s;
                    }
            if (_depthwise)
            {
                for (int n = first; n < end; n++)
                    DepthwiseBackward(x + (long)n * _c * _h * _w, w, dy + (long)n * _m * pix, needX ? dx + (long)n * _c * _h * _w : null, needW ? dw : null);
                return;
            }
            for (int n0 = first; n0 < end; n0 += _chunk)
            {
                int count = Math.Min(_chunk, end - n0), ld = count * pix;
                for (int g = 0; g < _groups; g++)
                {
                    for (int i = 0; i < count; i++)
                        for (int m = 0; m < _mg; m++)
                            new ReadOnlySpan<float>(dy + ((long)(n0 + i) * _m + g * _mg + m) * pix, pix).CopyTo(
                                new Span<float>(dybuf + (long)m * ld + i * pix, pix));
                    if (needW)
                    {
                        for (int i = 0; i < count; i++)
                            Im2Col.Unfold(x + ((long)(n0 + i) * _c + g * _cg) * _h * _w, _cg, _h, _w, _win, _outH, _outW, col + i * pix, ld);
                        Sgemm.Multiply(_mg, _k, ld, 1f, dybuf, ld, false, col, ld, true, 1f, dw + (long)g * _mg * _k, _k, Epilogue.None, null, _ctx.Isa);
                    }
                    if (needX)
                    {
                        Sgemm.Multiply(_k, ld, _mg, 1f, w + (long)g * _mg * _k, _k, true, dybuf, ld, false, 0f, dcol, ld, Epilogue.None, null, _ctx.Isa);
                        for (int i = 0; i < count; i++)
                            Im2Col.FoldAdd(dcol + i * pix, _cg, _h, _w, _win, _outH, _outW, dx + ((long)(n0 + i) * _c + g * _cg) * _h * _w, ld);
                    }
                }
            }
        }
    }

    // One input channel per group: output channel oc reads input channel oc / _mg. Loops run per output row and
    // tap over the range of columns whose input lies inside the image (TapColumns), so the inner loops carry no
    // bounds checks; with unit stride they are vector multiply-adds and dot products.
    private void DepthwiseBackward(float* x, float* w, float* dy, float* dx, float* dw)
    {
        int kh = _win.KernelH, kw = _win.KernelW;
        Span<(int Lo, int Hi, int Ix0)> columns = stackalloc (int, int, int)[kw];
        TapColumns(columns);
        for (int oc = 0; oc < _m; oc++)
        {
            long planeOffset = (long)(oc / _mg) * _h * _w;
            float* wk = w + (long)oc * kh * kw;
            float* dwk = dw != null ? dw + (long)oc * kh * kw : null;
            for (int oy = 0; oy < _outH; oy++)
            {
                var dyRow = new ReadOnlySpan<float>(dy + ((long)oc * _outH + oy) * _outW, _outW);
                for (int i = 0; i < kh; i++)
                {
                    int iy = oy * _win.StrideH - _win.PadTop + i * _win.DilationH;
                    if ((uint)iy >= (uint)_h) continue;
                    long rowOffset = planeOffset + (long)iy * _w;
                    for (int j = 0; j < kw; j++)
                    {
                        var (lo, hi, ix0) = columns[j];
                        if (lo >= hi) continue;
                        var g = dyRow[lo..hi];
                        if (_win.StrideW == 1)
                        {
                            if (dwk != null) dwk[i * kw + j] += PointwiseVectors.Dot(g, new ReadOnlySpan<float>(x + rowOffset + ix0 + lo, hi - lo));
                            if (dx != null)
                            {
                                var dst = new Span<float>(dx + rowOffset + ix0 + lo, hi - lo);
                                PointwiseVectors.AddScaled(g, wk[i * kw + j], dst);
                            }
                            continue;
                        }
                        float weight = wk[i * kw + j], sum = 0;
                        for (int ox = lo; ox < hi; ox++)
                        {
                            long at = rowOffset + ix0 + ox * _win.StrideW;
                            if (dwk != null) sum += g[ox - lo] * x[at];
                            if (dx != null) dx[at] += g[ox - lo] * weight;
                        }
                        if (dwk != null) dwk[i * kw + j] += sum;
                    }
                }
            }
        }
    }

    private void TapColumns(Span<(int Lo, int Hi, int Ix0)> columns)
    {
        for (int j = 0; j < columns.Length; j++) columns[j] = _win.ColumnRange(j, _w, _outW);
    }
}
