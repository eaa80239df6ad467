namespace Bramble.Training.Gradients;

/// <summary>
/// For numpy-style broadcasting: the flat input index each output element reads. Built once per shape
/// pair and reused; the gradient of a broadcast input is the output gradient summed through this map.
/// </summary>
internal sealed class BroadcastMap
{
    private int[] _out = [];
    private int[] _in = [];

    /// <summary>Null when the input already has the output's shape (identity, no map needed).</summary>
    public int[]? Map { get; private set; }

    public void Update(int[] outShape, int[] inShape, string where)
    {
        if (_out.AsSpan().SequenceEqual(outShape) && _in.AsSpan().SequenceEqual(inShape)) return;
        _out = outShape;
        _in = inShape;
        if (outShape.AsSpan().SequenceEqual(inShape)) { Map = null; return; }
        int rank = outShape.Length;
        if (inShape.Length > rank) throw new ShapeException($"{where}: cannot broadcast {Tensors.ShapeUtil.Format(inShape)} to {Tensors.ShapeUtil.Format(outShape)}");
        var strides = new long[rank];
        long stride = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            int id = d - (rank - inShape.Length);
            int size = id >= 0 ? inShape[id] : 1;
            if (size != 1 && size != outShape[d]) throw new ShapeException($"{where}: cannot broadcast {Tensors.ShapeUtil.Format(inShape)} to {Tensors.ShapeUtil.Format(outShape)}");
            strides[d] = size == 1 ? 0 : stride;
            stride *= size;
        }
        long count = Tensors.ShapeUtil.ElementCount(outShape);
        var map = new int[count];
        var index = new int[rank];
        long offset = 0;
        for (long i = 0; i < count; i++)
        {
            map[i] = (int)offset;
            for (int d = rank - 1; d >= 0; d--)
            {
                offset += strides[d];
                if (++index[d] < outShape[d]) break;
                offset -= strides[d] * outShape[d];
                index[d] = 0;
            }
        }
        Map = map;
    }

    /// <summary>The output shape of broadcasting <paramref name="a"/> with <paramref name="b"/>.</summary>
    public static int[] Shape(int[] a, int[] b, string where)
    {
        try { return Tensors.ShapeUtil.Broadcast(a, b); }
        catch (ShapeException) { throw new ShapeException($"{where}: cannot broadcast {Tensors.ShapeUtil.Format(a)} with {Tensors.ShapeUtil.Format(b)}"); }
    }
}
