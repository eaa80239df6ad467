using System.Numerics;
using Bramble.Graph;
using Bramble.Tensors;

namespace Bramble.Ops.Shaping;

/// <summary>
/// ONNX TopK: the k largest (or smallest) elements along <c>axis</c> and their int64 indices, sorted; equal
/// values keep the lower index first. k is an attribute before opset 10 and input 1 since.
/// </summary>
public sealed class TopK(Node node, long opset) : Operator(node)
{
    public override void InferOutputs(InferContext ctx)
    {
        var input = ctx.InputShape(0);
        if (input.Length == 0) throw ctx.Error("input must have rank ≥ 1");
        if (!ElementValues.IsNumeric(ctx.InputType(0))) throw ctx.Error($"cannot order {ctx.InputType(0).Name()} values");
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", -1), input.Length);
        long k = K(opset >= 10 ? ctx.RequireValue(1) : null);
        if (k < 0 || k > input[axis]) throw ctx.Error($"k {k} is out of range for axis {axis} of size {input[axis]}");
        var output = (int[])input.Clone();
        output[axis] = (int)k;
        ctx.SetOutput(0, ctx.InputType(0), output);
        if (ctx.OutputCount > 1) ctx.SetOutput(1, DataType.Int64, output);
    }

    private long K(Tensor? input) => input != null ? input.GetInt64(0) : Node.GetInt("k", -1);

    public override void Prepare(PrepareContext ctx)
    {
        var input = ctx.Shapes.InputShape(0);
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", -1), input.Length);
        ctx.RequestWorkspace((long)input[axis] * sizeof(int)); // candidate order along the axis
    }

    public override unsafe void Execute(ExecContext ctx)
    {
        var x = ctx.Input(0);
        int axis = ShapeArgs.Axis(Node, Node.GetInt("axis", -1), x.Rank);
        int k = (int)K(opset >= 10 ? ctx.Input(1) : null);
        var values = ctx.Output(0);
        var indices = ctx.HasOutput(1) ? ctx.Output(1) : null;
        bool largest = Node.GetInt("largest", 1) != 0;
        var order = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(ctx.Workspace);
        var job = new Job
        {
            X = x.Data, Values = values.Data, Indices = indices != null ? (long*)indices.Data : null,
            Outer = ElementCopy.Product(x.Shape, 0, axis), Dim = x.Shape[axis],
            Inner = ElementCopy.Product(x.Shape, axis + 1, x.Rank), K = k, Largest = largest,
        };
        switch (x.Type)
        {
            case DataType.Float32: job.Run<float>(order); break;
            case DataType.Float64: job.Run<double>(order); break;
            case DataType.Float16: job.Run<Half>(order); break;
            case DataType.Int8: job.Run<sbyte>(order); break;
            case DataType.UInt8: job.Run<byte>(order); break;
            case DataType.Int16: job.Run<short>(order); break;
            case DataType.UInt16: job.Run<ushort>(order); break;
            case DataType.Int32: job.Run<int>(order); break;
            case DataType.UInt32: job.Run<uint>(order); break;
            case DataType.Int64: job.Run<long>(order); break;
            case DataType.UInt64: job.Run<ulong>(order); break;
            default: throw new UnsupportedOperatorException($"{Node.Describe()}: TopK of {x.Type.Name()} is not supported");
        }
    }

    private unsafe struct Job
    {
        public byte* X, Values;
        public long* Indices;
        public long Outer, Inner;
        public int Dim, K;
        public bool Largest;

        public readonly void Run<T>(Span<int> order) where T : unmanaged, INumber<T>
        {
            T* x = (T*)X, values = (T*)Values;
            for (long o = 0; o < Outer; o++)
                for (long i = 0; i < Inner; i++)
                {
                    T* line = x + o * Dim * Inner + i;
                    for (int j = 0; j < Dim; j++) order[j] = j;
                    HeapSort(order[..Dim], new Order<T>(line, Inner, Largest));
                    for (int j = 0; j < K; j++)
                    {
                        long at = (o * K + j) * Inner + i;
                        values[at] = line[order[j] * Inner];
                        if (Indices != null) Indices[at] = order[j];
                    }
                }
        }
    }

    /// <summary>
    /// Heap sort with a struct comparer: O(n log n) without the boxing that Span.Sort does with a comparer.
    /// Ties are broken by position in the comparer, so stability does not matter.
    /// </summary>
    private static void HeapSort<TComparer>(Span<int> items, TComparer comparer) where TComparer : struct, IComparer<int>
    {
        for (int i = items.Length / 2 - 1; i >= 0; i--) SiftDown(items, i, items.Length, comparer);
        for (int end = items.Length - 1; end > 0; end--)
        {
            (items[0], items[end]) = (items[end], items[0]);
            SiftDown(items, 0, end, comparer);
        }
    }

    private static void SiftDown<TComparer>(Span<int> items, int root, int count, TComparer comparer) where TComparer : struct, IComparer<int>
    {
        while (true)
        {
            int child = 2 * root + 1;
            if (child >= count) return;
            if (child + 1 < count && comparer.Compare(items[child], items[child + 1]) < 0) child++;
            if (comparer.Compare(items[root], items[child]) >= 0) return;
            (items[root], items[child]) = (items[child], items[root]);
            root = child;
        }
    }

    /// <summary>Orders positions along the axis by value (descending when largest), ties by position.</summary>
    private readonly unsafe struct Order<T>(T* line, long stride, bool largest) : IComparer<int> where T : unmanaged, INumber<T>
    {
        public int Compare(int a, int b)
        {
            int c = line[a * stride].CompareTo(line[b * stride]);
            if (largest) c = -c;
            return c != 0 ? c : a.CompareTo(b);
        }
    }
}
