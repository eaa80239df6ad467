namespace Bramble.Tensors;

/// <summary>Shape arithmetic shared by importers, shape inference and kernels.</summary>
public static class ShapeUtil
{
    public static long ElementCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ShapeException($"negative dimension {d} in shape {Format(shape)}");
            n = checked(n * d);
        }
        return n;
    }

    /// <summary>Row-major strides in elements.</summary>
    public static long[] Strides(ReadOnlySpan<int> shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= shape[i];
        }
        return strides;
    }

    /// <summary>Numpy-style multidirectional broadcast of two shapes.</summary>
    public static int[] Broadcast(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ShapeException($"shapes {Format(a)} and {Format(b)} cannot be broadcast");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>Broadcast of any number of shapes.</summary>
    public static int[] Broadcast(IEnumerable<int[]> shapes)
    {
        int[] result = [];
        foreach (var s in shapes) result = Broadcast(result, s);
        return result;
    }

    /// <summary>Normalises a possibly negative axis into [0, rank).</summary>
    public static int NormalizeAxis(long axis, int rank, string where = "axis")
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= Math.Max(rank, 1) && !(rank == 0 && a == 0))
            throw new ShapeException($"{where} {axis} is out of range for rank {rank}");
        return (int)a;
    }

    public static string Format(ReadOnlySpan<int> shape) => "[" + string.Join("x", shape.ToArray()) + "]";

    public static bool SameShape(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);
}
