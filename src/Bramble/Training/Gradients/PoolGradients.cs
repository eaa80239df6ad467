using Bramble.Graph;
using Bramble.Training.Autodiff;

namespace Bramble.Training.Gradients;

/// <summary>
/// MaxPool (records the flat index of each window's maximum; the gradient goes there only),
/// AveragePool (count_include_pad honoured; the gradient spreads evenly) and GlobalAveragePool.
/// </summary>
public sealed class PoolGradient : GradientOp
{
    private readonly bool _max, _global, _includePad, _ceil;
    private Window2d _win;
    private int _nc, _h, _w, _outH, _outW;
    private int[] _argmax = [];

    public PoolGradient(Node node, TValue[] inputs, TValue[] outputs) : base(node, inputs, outputs)
    {
        _max = node.OpType == "MaxPool";
        _global = node.OpType == "GlobalAveragePool";
        _includePad = node.GetInt("count_include_pad", 0) != 0;
        _ceil = node.GetInt("ceil_mode", 0) != 0;
        if (_max && node.Outputs.Count > 1 && node.Outputs[1].Length > 0)
            throw new UnsupportedOperatorException($"{node.Describe()}: training does not produce MaxPool's Indices output");
    }

    public override void Forward(TrainContext ctx)
    {
        var x = In(0);
        if (x.Shape.Length != 4) throw ShapeError($"training supports 2-D pooling of [N,C,H,W] only, got {Tensors.ShapeUtil.Format(x.Shape)}");
        _nc = x.Shape[0] * x.Shape[1];
        (_h, _w) = (x.Shape[2], x.Shape[3]);
        if (_global)
        {
            _outH = _outW = 1;
            Out.Resize([x.Shape[0], x.Shape[1], 1, 1]);
            int hw = _h * _w;
            for (int p = 0; p < _nc; p++) Out.Data[p] = PointwiseVectors.Sum(x.Data.AsSpan(p * hw, hw)) / hw;
            return;
        }
        long[] kernel = Node.GetInts("kernel_shape") ?? throw new GraphValidationException($"{Node.Describe()}: kernel_shape is required");
        if (kernel.Length != 2) throw ShapeError("training supports 2-D pooling only");
        _win = Window2d.From(Node, (int)kernel[0], (int)kernel[1], _h, _w);
        _outH = OutSize(_h, _win.PadTop + _win.PadBottom, _win.DilationH * (_win.KernelH - 1) + 1, _win.StrideH, _win.PadTop);
        _outW = OutSize(_w, _win.PadLeft + _win.PadRight, _win.DilationW * (_win.KernelW - 1) + 1, _win.StrideW, _win.PadLeft);
        if (_outH < 1 || _outW < 1) throw ShapeError($"window larger than the padded {_h}x{_w} input");
        Out.Resize([x.Shape[0], x.Shape[1], _outH, _outW]);
        if (_max && _argmax.Length != Out.Length) _argmax = new int[Out.Length];
        float[] s = x.Data, d = Out.Data;
        if (_max && IsPlainTwoByTwo())
        {
            MaxPoolTwoByTwo(s, d);
            return;
        }
        for (int p = 0; p < _nc; p++)
            for (int oy = 0; oy < _outH; oy++)
                for (int ox = 0; ox < _outW; ox++)
                {
                    int o = (p * _outH + oy) * _outW + ox;
                    float best = float.NegativeInfinity, sum = 0;
                    int bestIndex = -1, taps = 0;
                    for (int i = 0; i < _win.KernelH; i++)
                    {
                        int iy = oy * _win.StrideH - _win.PadTop + i * _win.DilationH;
                        for (int j = 0; j < _win.KernelW; j++)
                        {
                            int ix = ox * _win.StrideW - _win.PadLeft + j * _win.DilationW;
                            bool inside = (uint)iy < (uint)_h && (uint)ix < (uint)_w;
                            if (!inside)
                            {
                                // Padding counts as a tap only when asked and only within the padded extent.
                                if (_includePad && iy < _h + _win.PadBottom && ix < _w + _win.PadRight) taps++;
                                continue;
                            }
                            int idx = (p * _h + iy) * _w + ix;
                            taps++;
                            if (_max) { if (s[idx] > best || bestIndex < 0) { best = s[idx]; bestIndex = idx; } }
                            else sum += s[idx];
                        }
                    }
                    if (_max) { d[o] = best; _argmax[o] = bestIndex; }
                    else d[o] = taps > 0 ? sum / taps : 0f;
                }
    }

    private bool IsPlainTwoByTwo() =>
        _win is { KernelH: 2, KernelW: 2, StrideH: 2, StrideW: 2, DilationH: 1, DilationW: 1, PadTop: 0, PadLeft: 0 }
        && 2 * _outH <= _h && 2 * _outW <= _w;

    // The common 2×2 stride-2 window without padding: four loads and selects instead of the general loop's
    // bounds checks and unpredictable branches. Same winner as the general loop (first maximum in scan order).
    private void MaxPoolTwoByTwo(float[] s, float[] d)
    {
        for (int p = 0; p < _nc; p++)
            for (int oy = 0; oy < _outH; oy++)
            {
                int row = (p * _h + 2 * oy) * _w, o = (p * _outH + oy) * _outW;
                for (int ox = 0; ox < _outW; ox++)
                {
                    int i = row + 2 * ox, best = i;
                    float v = s[i];
                    best = s[i + 1] > v ? i + 1 : best;
                    v = s[best];
                    best = s[i + _w] > v ? i + _w : best;
                    v = s[best];
                    best = s[i + _w + 1] > v ? i + _w + 1 : best;
                    d[o + ox] = s[best];
                    _argmax[o + ox] = best;
                }
            }
    }

    private int OutSize(int size, int pads, int extent, int stride, int padBegin)
    {
        int span = size + pads - extent;
        int n = (_ceil ? (span + stride - 1) / stride : span / stride) + 1;
        // With ceil_mode the last window must still start inside the input or its leading padding.
        if (_ceil && (n - 1) * stride >= size + padBegin) n--;
        return n;
    }

    public override void Backward(TrainContext ctx)
    {
        var x = In(0);
        if (!x.NeedsGrad) return;
        float[] dy = Out.Grad, dx = x.Grad;
        if (_global)
        {
            int hw = _h * _w;
            for (int p = 0; p < _nc; p++)
            {
                float g = dy[p] / hw;
                for (int i = 0; i < hw; i++) dx[p * hw + i] += g;
            }
            return;
        }
        if (_max)
        {
            for (int o = 0; o < dy.Length; o++) if (_argmax[o] >= 0) dx[_argmax[o]] += dy[o];
            return;
        }
        for (int p = 0; p < _nc; p++)
            for (int oy = 0; oy < _outH; oy++)
                for (int ox = 0; ox < _outW; ox++)
                {
                    int taps = 0;
                    for (int pass = 0; pass < 2; pass++)
                    {
                        float g = pass == 1 && taps > 0 ? dy[(p * _outH + oy) * _outW + ox] / taps : 0f;
                        for (int i = 0; i < _win.KernelH; i++)
                        {
                            int iy = oy * _win.StrideH - _win.PadTop + i * _win.DilationH;
                            for (int j = 0; j < _win.KernelW; j++)
                            {
                                int ix = ox * _win.StrideW - _win.PadLeft + j * _win.DilationW;
                                bool inside = (uint)iy < (uint)_h && (uint)ix < (uint)_w;
                                if (pass == 0)
                                {
                                    if (inside || (_includePad && iy < _h + _win.PadBottom && ix < _w + _win.PadRight)) taps++;
                                }
                                else if (inside) dx[(p * _h + iy) * _w + ix] += g;
                            }
                        }
                    }
                }
    }
}
