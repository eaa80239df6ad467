using Bramble.Graph;
using Bramble.Training.Autodiff;

namespace Bramble.Training.Gradients;

/// <summary>Reshape, Flatten and Identity: the same elements under another shape; gradients pass through.</summary>
public sealed class ReshapeGradient : GradientOp
{
    public ReshapeGradient(Node node, TValue[] inputs, TValue[] outputs) : base(node, inputs, outputs) { }

    public override void Forward(TrainContext ctx)
    {
        var x = In(0);
        int[] shape = Node.OpType switch
        {
            "Flatten" => FlattenShape(x.Shape),
            "Reshape" => ReshapeShape(x),
            _ => x.Shape,
        };
        Out.Resize(shape);
        Array.Copy(x.Data, Out.Data, x.Length);
    }

    private int[] FlattenShape(int[] input)
    {
        int axis = Tensors.ShapeUtil.NormalizeAxis(Node.GetInt("axis", 1), input.Length + 1, Node.Describe());
        int outer = 1, inner = 1;
        for (int d = 0; d < input.Length; d++) { if (d < axis) outer *= input[d]; else inner *= input[d]; }
        return [outer, inner];
    }

    private int[] ReshapeShape(TValue x)
    {
        long[] target = In(1).Ints ?? throw new UnsupportedOperatorException($"{Node.Describe()}: training needs a constant shape input");
        bool allowZero = Node.GetInt("allowzero", 0) != 0;
        var shape = new int[target.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < target.Length; i++)
        {
            long d = target[i];
            if (d == 0 && !allowZero)
            {
                if (i >= x.Shape.Length) throw ShapeError($"shape entry {i} copies a missing input dimension");
                d = x.Shape[i];
            }
            if (d == -1)
            {
                if (inferred >= 0) throw ShapeError("more than one -1 in the shape");
                inferred = i;
                continue;
            }
            if (d < 0) throw ShapeError($"negative shape entry {d}");
            shape[i] = (int)d;
            known *= d;
        }
        if (inferred >= 0)
        {
            if (known == 0 || x.Length % known != 0) throw ShapeError($"cannot reshape {Tensors.ShapeUtil.Format(x.Shape)} to [{string.Join(",", target)}]");
            shape[inferred] = (int)(x.Length / known);
        }
        else if (known != x.Length) throw ShapeError($"cannot reshape {Tensors.ShapeUtil.Format(x.Shape)} to [{string.Join(",", target)}]");
        return shape;
    }

    public override void Backward(TrainContext ctx)
    {
        var x = In(0);
        if (!x.NeedsGrad) return;
        float[] g = Out.Grad, dx = x.Grad;
        for (int i = 0; i < g.Length; i++) dx[i] += g[i];
    }
}

/// <summary>Transpose by a permutation (default: reverse the axes); the gradient is the inverse permutation.</summary>
public sealed class TransposeGradient : GradientOp
{
    private int[] _map = [];
    private int[] _inShape = [];

    public TransposeGradient(Node node, TValue[] inputs, TValue[] outputs) : base(node, inputs, outputs) { }

    public override void Forward(TrainContext ctx)
    {
        var x = In(0);
        int rank = x.Shape.Length;
        long[] perm = Node.GetInts("perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
        if (perm.Length != rank || perm.Distinct().Count() != rank || perm.Any(p => p < 0 || p >= rank))
            throw ShapeError($"perm [{string.Join(",", perm)}] is not a permutation of {rank} axes");
        var shape = new int[rank];
        for (int i = 0; i < rank; i++) shape[i] = x.Shape[perm[i]];
        Out.Resize(shape);
        if (!_inShape.AsSpan().SequenceEqual(x.Shape))
        {
            _inShape = x.Shape;
            long[] inStrides = Tensors.ShapeUtil.Strides(x.Shape);
            _map = new int[x.Length];
            var index = new int[rank];
            for (int o = 0; o < _map.Length; o++)
            {
                long src = 0;
                for (int d = 0; d < rank; d++) src += index[d] * inStrides[perm[d]];
                _map[o] = (int)src;
                for (int d = rank - 1; d >= 0; d--) { if (++index[d] < shape[d]) break; index[d] = 0; }
            }
        }
        for (int o = 0; o < _map.Length; o++) Out.Data[o] = x.Data[_map[o]];
    }

    public override void Backward(TrainContext ctx)
    {
        var x = In(0);
        if (!x.NeedsGrad) return;
        for (int o = 0; o < _map.Length; o++) x.Grad[_map[o]] += Out.Grad[o];
    }
}

/// <summary>Concat along an axis; each input's gradient is its slice of the output gradient.</summary>
public sealed class ConcatGradient : GradientOp
{
    private int _outer, _inner, _axis;

    public ConcatGradient(Node node, TValue[] inputs, TValue[] outputs) : base(node, inputs, outputs) { }

    public override void Forward(TrainContext ctx)
    {
        var first = In(0);
        int rank = first.Shape.Length;
        _axis = Tensors.ShapeUtil.NormalizeAxis(Node.GetInt("axis", 1), rank, Node.Describe());
        int total = 0;
        foreach (var v in Inputs)
        {
            if (v == null || v.Shape.Length != rank) throw ShapeError("inputs must have the same rank");
            for (int d = 0; d < rank; d++)
                if (d != _axis && v.Shape[d] != first.Shape[d]) throw ShapeError($"input {Tensors.ShapeUtil.Format(v.Shape)} differs from {Tensors.ShapeUtil.Format(first.Shape)} off the axis");
            total += v.Shape[_axis];
        }
        var shape = (int[])first.Shape.Clone();
        shape[_axis] = total;
        Out.Resize(shape);
        _outer = 1; _inner = 1;
        for (int d = 0; d < _axis; d++) _outer *= shape[d];
        for (int d = _axis + 1; d < rank; d++) _inner *= shape[d];
        Copy(forward: true);
    }

    public override void Backward(TrainContext ctx) => Copy(forward: false);

    private void Copy(bool forward)
    {
        int outRow = Out.Shape[_axis] * _inner, offset = 0;
        foreach (var v in Inputs)
        {
            int row = v!.Shape[_axis] * _inner;
            if (forward || v.NeedsGrad)
                for (int o = 0; o < _outer; o++)
                {
                    if (forward) Array.Copy(v.Data, o * row, Out.Data, o * outRow + offset, row);
                    else for (int i = 0; i < row; i++) v.Grad[o * row + i] += Out.Grad[o * outRow + offset + i];
                }
            offset += row;
        }
    }
}

/// <summary>
/// Dropout: in training, zero each element with probability ratio and scale the rest by 1/(1−ratio)
/// (inverted dropout, so inference is the identity); the mask is drawn from the seeded context random.
/// </summary>
public sealed class DropoutGradient : GradientOp
{
    private float[] _mask = [];
    private bool _active;

    public DropoutGradient(Node node, TValue[] inputs, TValue[] outputs) : base(node, inputs, outputs) { }

    public override void Forward(TrainContext ctx)
    {
        var x = In(0);
        float ratio = Optional(1) is { Length: 1 } r ? r.Data[0] : Node.GetFloat("ratio", 0.5f);
        if (ratio < 0 || ratio >= 1) throw new GraphValidationException($"{Node.Describe()}: ratio {ratio} is outside [0, 1)");
        Out.Resize(x.Shape);
        _active = ctx.Training && ratio > 0;
        if (!_active) { Array.Copy(x.Data, Out.Data, x.Length); return; }
        if (_mask.Length != x.Length) _mask = new float[x.Length];
        float keep = 1f / (1f - ratio);
        for (int i = 0; i < _mask.Length; i++)
        {
            _mask[i] = ctx.Random.NextSingle() < ratio ? 0f : keep;
            Out.Data[i] = x.Data[i] * _mask[i];
        }
    }

    public override void Backward(TrainContext ctx)
    {
        var x = In(0);
        if (!x.NeedsGrad) return;
        for (int i = 0; i < x.Length; i++) x.Grad[i] += _active ? Out.Grad[i] * _mask[i] : Out.Grad[i];
    }
}
