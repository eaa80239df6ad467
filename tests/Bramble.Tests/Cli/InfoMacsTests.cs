using Bramble.Graph;
using Bramble.Tensors;
using static Bramble.Tests.Cli.CliHarness;

namespace Bramble.Tests.Cli;

/// <summary>`bramble info` MACs against counts worked out by hand.</summary>
public class InfoMacsTests
{
    // x[1,3,8,8] → Conv(W[4,3,3,3], pad 1) → [1,4,8,8] → Flatten → [1,256] → Gemm(B[256,10]) → [1,10] → MatMul([10,6]) → [1,6]
    //   Conv:   N·M·H·W·C·kh·kw = 1·4·8·8·3·3·3 = 6,912
    //   Gemm:   M·N·K = 1·10·256           = 2,560
    //   MatMul: M·N·K = 1·6·10             =    60
    //   total                              = 9,532
    private static Model ByHand()
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", DataType.Float32, 1, 3, 8, 8));
        g.Initializers["w"] = Tensor.Allocate(DataType.Float32, 4, 3, 3, 3);
        g.Initializers["b"] = Tensor.Allocate(DataType.Float32, 256, 10);
        g.Initializers["m"] = Tensor.Allocate(DataType.Float32, 10, 6);
        g.Nodes.Add(new Node("Conv", ["x", "w"], ["c"], "conv").With(Bramble.Graph.Attribute.Of("pads", new long[] { 1, 1, 1, 1 })));
        g.Nodes.Add(new Node("Flatten", ["c"], ["f"], "flatten"));
        g.Nodes.Add(new Node("Gemm", ["f", "b"], ["g"], "gemm"));
        g.Nodes.Add(new Node("MatMul", ["g", "m"], ["y"], "matmul"));
        g.Outputs.Add(ValueInfo.Of("y", DataType.Float32, 1, 6));
        return new Model(g);
    }

    [Fact]
    public void MacsMatchTheHandCount()
    {
        var r = Run(new Dictionary<string, Func<Model>> { ["hand.onnx"] = ByHand }, "info", "hand.onnx", "--nodes");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("MACs: 9,532 ", r.Out);
        Assert.Matches(@"conv\s*│\s*Conv\s*│[^│]*│\s*6,912\s*│", r.Out);
        Assert.Matches(@"gemm\s*│\s*Gemm\s*│[^│]*│\s*2,560\s*│", r.Out);
        Assert.Matches(@"matmul\s*│\s*MatMul\s*│[^│]*│\s*60\s*│", r.Out);
    }
}
