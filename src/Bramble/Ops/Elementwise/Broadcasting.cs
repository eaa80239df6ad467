using Bramble.Tensors;

namespace Bramble.Ops.Elementwise;

/// <summary>An element function of one argument (an "operator struct", as in TensorPrimitives).</summary>
public interface IUnaryFn<TX, TY>
{
    TY Apply(TX x);
}

/// <summary>An element function of two arguments.</summary>
public interface IBinaryFn<TA, TB, TY>
{
    TY Apply(TA a, TB b);
}

/// <summary>
/// Reference drivers that apply element functions with numpy multidirectional broadcasting. The output
/// tensor's shape is the broadcast shape; every input is read through strides aligned to it, with stride 0
/// along the dimensions where the input has extent 1 (or does not exist).
/// </summary>
public static unsafe class Broadcasting
{
    // Ranks up to this use stack memory for indices, so executing allocates nothing.
    private const int StackRank = 12;

    /// <summary>The broadcast shape of the present inputs among <paramref name="first"/>.. (count of them), or a one-line node error.</summary>
    public static int[] InferShape(InferContext ctx, int first, int count)
    {
        RejectLegacyAxisBroadcast(ctx, first);
        int[] shape = [];
        for (int i = first; i < first + count; i++)
        {
            if (!ctx.HasInput(i)) continue;
            var s = ctx.InputShape(i);
            if (!TryBroadcast(shape, s, out var next))
                throw ctx.Error($"input shapes {ShapeUtil.Format(shape)} and {ShapeUtil.Format(s)} (input {i}) cannot be broadcast");
            shape = next;
        }
        return shape;
    }

    /// <summary>
    /// Before opset 7, binary ops broadcast only with attribute broadcast=1, aligning B at attribute axis.
    /// Where that alignment is the trailing one, numpy broadcasting gives the same result; otherwise we
    /// refuse rather than compute something else.
    /// </summary>
    private static void RejectLegacyAxisBroadcast(InferContext ctx, int first)
    {
        if (ctx.Opset >= 7 || ctx.Node.GetInt("broadcast", 0) == 0 || !ctx.Node.HasAttribute("axis")) return;
        long axis = ctx.Node.GetInt("axis", 0);
        int rankA = ctx.InputRank(first), rankB = ctx.InputRank(first + 1);
        if ((axis < 0 ? axis + rankA : axis) != rankA - rankB)
            throw new UnsupportedOperatorException(
                $"{ctx.Node.OpType} at node '{ctx.Node.DisplayName}': legacy (opset {ctx.Opset}) broadcasting along axis {axis} is not supported");
    }

    public static bool TryBroadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b, out int[] result)
    {
        int rank = Math.Max(a.Length, b.Length);
        result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1) return false;
            result[i] = da == 1 ? db : da;
        }
        return true;
    }

    /// <summary>Element strides of a tensor of <paramref name="shape"/> read as if it had <paramref name="outShape"/>.</summary>
    public static void AlignedStrides(ReadOnlySpan<int> shape, ReadOnlySpan<int> outShape, Span<long> strides)
    {
        int offset = outShape.Length - shape.Length;
        long s = 1;
        for (int d = outShape.Length - 1; d >= 0; d--)
        {
            int k = d - offset;
            if (k < 0) { strides[d] = 0; continue; }
            strides[d] = shape[k] == 1 ? 0 : s;
            s *= shape[k];
        }
    }

    /// <summary>y[i] = fn(x[i]) over same-sized tensors.</summary>
    public static void Map<TX, TY, TFn>(Tensor x, Tensor y, TFn fn)
        where TX : unmanaged where TY : unmanaged where TFn : struct, IUnaryFn<TX, TY>
    {
        TX* px = (TX*)x.Data;
        TY* py = (TY*)y.Data;
        long n = y.Length;
        for (long i = 0; i < n; i++) py[i] = fn.Apply(px[i]);
    }

    /// <summary>y = fn(a, b) with a and b broadcast to y's shape. y may alias a when a already has y's shape.</summary>
    public static void Binary<TA, TB, TY, TFn>(Tensor a, Tensor b, Tensor y, TFn fn)
        where TA : unmanaged where TB : unmanaged where TY : unmanaged where TFn : struct, IBinaryFn<TA, TB, TY>
    {
        long n = y.Length;
        if (n == 0) return;
        TA* pa = (TA*)a.Data;
        TB* pb = (TB*)b.Data;
        TY* py = (TY*)y.Data;
        if (a.Length == n && b.Length == n)
        {
            // Equal element counts under broadcasting mean equal shapes (up to leading 1s): a flat loop.
            for (long i = 0; i < n; i++) py[i] = fn.Apply(pa[i], pb[i]);
            return;
        }
        int rank = y.Rank;
        var shape = y.Shape;
        Span<long> sa = rank <= StackRank ? stackalloc long[StackRank] : new long[rank];
        Span<long> sb = rank <= StackRank ? stackalloc long[StackRank] : new long[rank];
        Span<int> index = rank <= StackRank ? stackalloc int[StackRank] : new int[rank];
        AlignedStrides(a.Shape, shape, sa);
        AlignedStrides(b.Shape, shape, sb);
        index.Clear();
        int inner = shape[rank - 1];
        long ia = sa[rank - 1], ib = sb[rank - 1];
        long oa = 0, ob = 0;
        for (long o = 0; o < n; o += inner)
        {
            for (int k = 0; k < inner; k++) py[o + k] = fn.Apply(pa[oa + k * ia], pb[ob + k * ib]);
            // Odometer over the outer dimensions, keeping the input offsets in step.
            for (int d = rank - 2; d >= 0; d--)
            {
                oa += sa[d];
                ob += sb[d];
                if (++index[d] < shape[d]) break;
                oa -= sa[d] * shape[d];
                ob -= sb[d] * shape[d];
                index[d] = 0;
            }
        }
    }

    /// <summary>y = cond ? a : b with all three broadcast to y's shape (ONNX Where); T is any element of the right size.</summary>
    public static void Select<T>(Tensor cond, Tensor a, Tensor b, Tensor y) where T : unmanaged
    {
        long n = y.Length;
        if (n == 0) return;
        byte* pc = cond.Data;
        T* pa = (T*)a.Data;
        T* pb = (T*)b.Data;
        T* py = (T*)y.Data;
        int rank = y.Rank;
        if (rank == 0)
        {
            py[0] = pc[0] != 0 ? pa[0] : pb[0];
            return;
        }
        var shape = y.Shape;
        Span<long> sc = rank <= StackRank ? stackalloc long[StackRank] : new long[rank];
        Span<long> sa = rank <= StackRank ? stackalloc long[StackRank] : new long[rank];
        Span<long> sb = rank <= StackRank ? stackalloc long[StackRank] : new long[rank];
        Span<int> index = rank <= StackRank ? stackalloc int[StackRank] : new int[rank];
        AlignedStrides(cond.Shape, shape, sc);
        AlignedStrides(a.Shape, shape, sa);
        AlignedStrides(b.Shape, shape, sb);
        index.Clear();
        int inner = shape[rank - 1];
        long ic = sc[rank - 1], ia = sa[rank - 1], ib = sb[rank - 1];
        long oc = 0, oa = 0, ob = 0;
        for (long o = 0; o < n; o += inner)
        {
            for (int k = 0; k < inner; k++)
                py[o + k] = pc[oc + k * ic] != 0 ? pa[oa + k * ia] : pb[ob + k * ib];
            for (int d = rank - 2; d >= 0; d--)
            {
                oc += sc[d];
                oa += sa[d];
                ob += sb[d];
                if (++index[d] < shape[d]) break;
                oc -= sc[d] * shape[d];
                oa -= sa[d] * shape[d];
                ob -= sb[d] * shape[d];
                index[d] = 0;
            }
        }
    }
}
