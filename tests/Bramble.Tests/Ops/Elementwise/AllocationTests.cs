using Bramble.Graph;
using Bramble.Kernels.Threading;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;
using static Bramble.Tests.Ops.OpTester;

namespace Bramble.Tests.Ops.Elementwise;

/// <summary>Reference kernels run inside sessions, so Execute must not allocate managed memory.</summary>
public class AllocationTests
{
    private static long ExecuteAllocations(string opType, long opset, Tensor[] inputs, params Bramble.Graph.Attribute[] attributes)
    {
        var node = MakeNode(opType, inputs.Length, attributes);
        var op = OpRegistry.Create(node, opset);
        var infer = new InferContext(node, opset, inputs.Select(t => t.Type).ToArray(), inputs.Select(t => (int[]?)t.Shape).ToArray(), inputs);
        op.InferOutputs(infer);
        var prepare = new PrepareContext(infer, new SessionOptions { Threads = 1 });
        op.Prepare(prepare);
        using var output = Tensor.Allocate(infer.OutputTypes[0], infer.OutputShapes[0]!);
        using var workspace = new NativeBuffer(Math.Max(1, prepare.WorkspaceBytes));
        using var pool = new WorkerPool(1);
        var ctx = new ExecContext(node, inputs.Length, 1, pool, new SessionOptions { Threads = 1 });
        Array.Copy(inputs, ctx.Inputs, inputs.Length);
        ctx.Outputs[0] = output;
        unsafe { ctx.WorkspacePointer = workspace.Pointer; }
        ctx.WorkspaceBytes = prepare.WorkspaceBytes;
        op.Execute(ctx); // warm up (JIT)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) op.Execute(ctx);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Fact]
    public void ElementwiseAndReductionKernelsDoNotAllocate()
    {
        using var a = F(new float[24], 2, 1, 3, 4);
        using var b = F(new float[20], 5, 1, 4);
        using var c = F(new float[24], 2, 1, 3, 4);
        using var axes = I64([1, 3], 2);
        using var cond = B(new bool[4], 4);
        Assert.Equal(0, ExecuteAllocations("Add", 17, [a, b]));
        Assert.Equal(0, ExecuteAllocations("Sum", 17, [a, b, c]));
        Assert.Equal(0, ExecuteAllocations("Sigmoid", 17, [a]));
        Assert.Equal(0, ExecuteAllocations("Where", 17, [cond, a, b]));
        Assert.Equal(0, ExecuteAllocations("Cast", 17, [a], A("to", (long)DataType.Float16)));
        Assert.Equal(0, ExecuteAllocations("Softmax", 13, [a], A("axis", 2L)));
        Assert.Equal(0, ExecuteAllocations("ReduceSum", 13, [a, axes]));
        Assert.Equal(0, ExecuteAllocations("ReduceL2", 13, [a], A("axes", new long[] { 0 })));
        Assert.Equal(0, ExecuteAllocations("ArgMax", 13, [a], A("axis", 2L)));
    }

    [Fact]
    public void LegacyAxisBroadcastIsRefusedNotMiscomputed()
    {
        var e = Assert.Throws<UnsupportedOperatorException>(() =>
            Run("Add", [F(new float[6], 2, 3), F([1, 2], 2)], 6, A("broadcast", 1L), A("axis", 0L)));
        Assert.Contains("legacy", e.Message);
        using var trailing = Run("Add", [F(new float[6], 2, 3), F([1, 2, 3], 3)], 6, A("broadcast", 1L), A("axis", 1L));
        Assert.Equal([1f, 2, 3, 1, 2, 3], trailing.ToArray<float>());
    }
}
