using Bramble.Graph;
using Bramble.Kernels.Gemm;
using Bramble.Training.Autodiff;

namespace Bramble.Training.Gradients;

/// <summary>
/// Gemm (Y = alpha·op(A)·op(B) + beta·C, C broadcast) and 2-D MatMul (leading dimensions of A are
/// flattened). Forward and all three gradients are single calls of the inference GEMM.
/// </summary>
public sealed unsafe class GemmGradient : GradientOp
{
    private readonly bool _transA, _transB;
    private readonly float _alpha, _beta;
    private readonly BroadcastMap _cMap = new();
    private int _m, _n, _k;

    public GemmGradient(Node node, TValue[] inputs, TValue[] outputs) : base(node, inputs, outputs)
    {
        bool gemm = node.OpType == "Gemm";
        _transA = gemm && node.GetInt("transA", 0) != 0;
        _transB = gemm && node.GetInt("transB", 0) != 0;
        _alpha = gemm ? node.GetFloat("alpha", 1f) : 1f;
        _beta = gemm ? node.GetFloat("beta", 1f) : 1f;
    }

    public override long ForwardMacs => (long)_m * _n * _k;

    private int Lda => _transA ? _m : _k;
    private int Ldb => _transB ? _k : _n;

    public override void Forward(TrainContext ctx)
    {
        var a = In(0);
        var b = In(1);
        int[] outShape;
        if (Node.OpType == "MatMul")
        {
            if (a.Shape.Length < 2 || b.Shape.Length != 2) throw ShapeError($"training supports MatMul of [.., K] by [K, N] only, got {Tensors.ShapeUtil.Format(a.Shape)} and {Tensors.ShapeUtil.Format(b.Shape)}");
            _k = a.Shape[^1];
            _m = a.Length / Math.Max(1, _k);
            _n = b.Shape[1];
            if (b.Shape[0] != _k) throw ShapeError($"inner dimensions differ: {Tensors.ShapeUtil.Format(a.Shape)} by {Tensors.ShapeUtil.Format(b.Shape)}");
            outShape = [.. a.Shape[..^1], _n];
        }
        else
        {
            if (a.Shape.Length != 2 || b.Shape.Length != 2) throw ShapeError("Gemm needs 2-D A and B");
            _m = _transA ? a.Shape[1] : a.Shape[0];
            _k = _transA ? a.Shape[0] : a.Shape[1];
            int kb = _transB ? b.Shape[1] : b.Shape[0];
            _n = _transB ? b.Shape[0] : b.Shape[1];
            if (kb != _k) throw ShapeError($"inner dimensions differ: A {Tensors.ShapeUtil.Format(a.Shape)} B {Tensors.ShapeUtil.Format(b.Shape)}");
            outShape = [_m, _n];
        }
        Out.Resize(outShape);
        float beta = 0f;
        if (Optional(2) is { } c)
        {
            _cMap.Update([_m, _n], c.Shape, Node.Describe());
            var y = Out.Data;
            int[]? map = _cMap.Map;
            for (int i = 0; i < y.Length; i++) y[i] = _beta * c.Data[map == null ? i : map[i]];
            beta = 1f;
        }
        fixed (float* pa = a.Data, pb = b.Data, py = Out.Data)
            Sgemm.Multiply(_m, _n, _k, _alpha, pa, Lda, _transA, pb, Ldb, _transB, beta, py, _n, Epilogue.None, ctx.Pool, ctx.Isa);
    }

    public override void Backward(TrainContext ctx)
    {
        var a = In(0);
        var b = In(1);
        fixed (float* pa = a.Data, pb = b.Data, dy = Out.Grad)
        {
            if (a.NeedsGrad)
                fixed (float* da = a.Grad)
                {
                    if (!_transA) Sgemm.Multiply(_m, _k, _n, _alpha, dy, _n, false, pb, Ldb, !_transB, 1f, da, _k, Epilogue.None, ctx.Pool, ctx.Isa);
                    else Sgemm.Multiply(_k, _m, _n, _alpha, pb, Ldb, _transB, dy, _n, true, 1f, da, _m, Epilogue.None, ctx.Pool, ctx.Isa);
                }
            if (b.NeedsGrad)
                fixed (float* db = b.Grad)
                {
                    if (!_transB) Sgemm.Multiply(_k, _n, _m, _alpha, pa, Lda, !_transA, dy, _n, false, 1f, db, _n, Epilogue.None, ctx.Pool, ctx.Isa);
                    else Sgemm.Multiply(_n, _k, _m, _alpha, dy, _n, true, pa, Lda, _transA, 1f, db, _k, Epilogue.None, ctx.Pool, ctx.Isa);
                }
        }
        if (Optional(2) is { NeedsGrad: true } c)
        {
            int[]? map = _cMap.Map;
            float[] g = Out.Grad;
            for (int i = 0; i < g.Length; i++) c.Grad[map == null ? i : map[i]] += _beta * g[i];
        }
    }
}
