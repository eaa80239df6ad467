using Bramble.Graph;
using Bramble.Kernels;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Kernels.Int8;

/// <summary>The int8 QLinearConv kernels (GEMM and depthwise, every ISA) against the reference loops: bit-exact.</summary>
public class Int8ConvTests
{
    public static TheoryData<Isa> Caps()
    {
        var data = new TheoryData<Isa>();
        foreach (var isa in Enum.GetValues<Isa>()) if (isa <= CpuFeatures.Best) data.Add(isa);
        return data;
    }

    private static Tensor Random8(Random rng, DataType type, params int[] shape)
    {
        var t = Tensor.Allocate(type, shape);
        var s = t.AsSpan<byte>();
        for (int i = 0; i < s.Length; i++) s[i] = (byte)rng.Next(256);
        return t;
    }

    private static (byte[] Reference, byte[] Fast, string Kernel) RunBoth(Node node, Tensor x, Dictionary<string, Tensor> constants, Isa isa, int threads)
    {
        var g = new Bramble.Graph.Graph();
        g.Inputs.Add(ValueInfo.Of("x", x.Type, x.Shape));
        foreach (var (name, t) in constants) g.Initializers[name] = t;
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y", DataType.Undefined, null));
        using var model = new Model(g);
        model.Opsets[OpRegistry.BrambleDomain] = 1;
        (byte[], string) Run(bool reference)
        {
            using var session = new InferenceSession(model, new SessionOptions { Threads = threads, ReferenceKernels = reference, MaxIsa = isa });
            var inputs = new Dictionary<string, Tensor> { ["x"] = x };
            string kernel = session.Profile(inputs, iterations: 1, warmup: 0).Nodes[0].Kernel;
            var outputs = session.Run(inputs);
            using var y = outputs["y"];
            return (y.AsSpan<byte>().ToArray(), kernel);
        }
        var (r, _) = Run(true);
        var (f, k) = Run(false);
        return (r, f, k);
    }

    [Theory]
    [MemberData(nameof(Caps))]
    public void QLinearConvFastIsBitExact(Isa isa)
    {
        var rng = new Random(7 + (int)isa);
        for (int i = 0; i < 16; i++)
        {
            bool depthwise = i % 4 == 2;
            int group = i % 4 == 3 ? 2 : 1;
            int c = depthwise ? rng.Next(1, 12) : group * rng.Next(1, 9);
            int m = depthwise ? c : group * rng.Next(1, 11);
            if (depthwise) group = c;
            int k = rng.Next(1, 4), d = i % 5 == 4 ? 2 : 1;
            int extent = d * (k - 1) + 1;
            int h = rng.Next(extent, 14), w = rng.Next(extent, 29), s = rng.Next(1, 3), p = rng.Next(0, k);
            bool xSigned = i % 3 == 1, ySigned = i % 2 == 1, perChannel = i % 2 == 0, fused = i % 4 == 1;
            var xType = xSigned ? DataType.Int8 : DataType.UInt8;
            var yType = ySigned ? DataType.Int8 : DataType.UInt8;
            var node = new Node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"], "qconv", fused ? OpRegistry.BrambleDomain : "")
                .With(Bramble.Graph.Attribute.Of("group", (long)group))
                .With(Bramble.Graph.Attribute.Of("strides", new long[] { s, s }))
                .With(Bramble.Graph.Attribute.Of("dilations", new long[] { d, d }))
                .With(Bramble.Graph.Attribute.Of("pads", new long[] { p, p, p + (i & 1), p }));
            if (fused) node = node.With(Bramble.Graph.Attribute.Of("fused_min", (long)(ySigned ? -5 : 10)));
            using var x = Random8(rng, xType, 1 + i % 2, c, h, w);
            int kg = c / group * k * k;
            var wScale = new float[perChannel ? m : 1];
            var wZp = new sbyte[perChannel ? m : 1];
            for (int j = 0; j < wScale.Length; j++) { wScale[j] = 0.002f + (float)rng.NextDouble() * 0.01f; wZp[j] = (sbyte)(i % 3 == 0 ? rng.Next(-3, 4) : 0); }
            var bias = new int[m];
            for (int j = 0; j < m; j++) bias[j] = rng.Next(-2000, 2000);
            var constants = new Dictionary<string, Tensor>
            {
                ["xs"] = Tensor.Scalar(0.02f), ["xz"] = ZeroPoint(xType, xSigned ? -3 : 120),
                ["w"] = Random8(rng, DataType.Int8, m, c / group, k, k),
                ["ws"] = perChannel ? Tensor.FromArray(wScale, m) : Tensor.Scalar(wScale[0]),
                ["wz"] = perChannel ? Tensor.FromArray(wZp, m) : Tensor.Scalar(wZp[0]),
                ["ys"] = Tensor.Scalar(0.05f + kg * 0.004f), ["yz"] = ZeroPoint(yType, ySigned ? 2 : 100),
                ["b"] = Tensor.FromArray(bias, m),
            };
            var (reference, fast, kernel) = RunBoth(node, x, constants, isa, 1 + i % 2);
            Assert.StartsWith("int8", kernel);
            string what = $"{kernel} c={c} m={m} g={group} k={k} d={d} {h}x{w} s={s} p={p}";
            Assert.Equal(reference.Length, fast.Length);
            for (int j = 0; j < reference.Length; j++)
                if (reference[j] != fast[j]) Assert.Fail($"{what}: element {j} reference {reference[j]} fast {fast[j]}");
            foreach (var t in constants.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Shapes that take the segment-gathering im2col and the float-exact depthwise paths: pointwise planes
    /// (contiguous columns), narrow 7- and 14-wide maps, wide rows (SIMD widening of 16), padded edges,
    /// strides 2 and 3, odd K (the pad row), 5×5 depthwise, a column count that ends mid-panel, depthwise maps
    /// split into several bands of output rows, and channel counts off the 8- and 4-channel blocks.
    /// </summary>
    [Theory]
    [MemberData(nameof(Caps))]
    public void GatheredAndDepthwiseShapesAreBitExact(Isa isa)
    {
        var rng = new Random(31 + (int)isa);
        // c, m, group, k, stride, pad, dilation, h, w
        int[][] shapes =
        [
            [16, 24, 1, 1, 1, 0, 1, 7, 7], [8, 12, 1, 1, 1, 0, 1, 21, 35], [3, 8, 1, 3, 1, 1, 1, 40, 37], [12, 20, 1, 3, 1, 1, 1, 14, 14],
            [9, 10, 1, 3, 2, 1, 1, 23, 31], [6, 7, 1, 1, 2, 0, 1, 17, 19], [5, 9, 1, 3, 3, 2, 2, 25, 26], [10, 10, 10, 3, 1, 1, 1, 33, 41],
            [7, 7, 7, 3, 2, 1, 1, 29, 35], [4, 4, 4, 5, 2, 2, 1, 20, 45], [6, 6, 6, 5, 1, 2, 2, 19, 23], [8, 16, 2, 3, 1, 1, 1, 9, 30],
            // Depthwise maps taller than one band of output rows (bands start mid-plane, the last one is short).
            [9, 9, 9, 3, 1, 1, 1, 50, 90], [12, 12, 12, 3, 2, 1, 1, 101, 70], [3, 3, 3, 5, 1, 2, 2, 60, 44], [17, 17, 17, 3, 1, 0, 1, 9, 300],
            [1, 1, 1, 3, 1, 1, 1, 5, 3],
        ];
        foreach (var s in shapes)
        {
            int c = s[0], m = s[1], group = s[2], k = s[3], st = s[4], p = s[5], d = s[6];
            bool signedX = rng.Next(2) == 1;
            var xType = signedX ? DataType.Int8 : DataType.UInt8;
            var node = new Node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"], "qconv")
                .With(Bramble.Graph.Attribute.Of("group", (long)group))
                .With(Bramble.Graph.Attribute.Of("strides", new long[] { st, st }))
                .With(Bramble.Graph.Attribute.Of("dilations", new long[] { d, d }))
                .With(Bramble.Graph.Attribute.Of("pads", new long[] { p, p, p, p }));
            using var x = Random8(rng, xType, 1, c, s[7], s[8]);
            var wScale = new float[m];
            for (int j = 0; j < m; j++) wScale[j] = 0.002f + (float)rng.NextDouble() * 0.01f;
            var bias = new int[m];
            for (int j = 0; j < m; j++) bias[j] = rng.Next(-3000, 3000);
            int kg = c / group * k * k;
            var constants = new Dictionary<string, Tensor>
            {
                ["xs"] = Tensor.Scalar(0.02f), ["xz"] = ZeroPoint(xType, signedX ? 5 : 130),
                ["w"] = Random8(rng, DataType.Int8, m, c / group, k, k), ["ws"] = Tensor.FromArray(wScale, m),
                ["wz"] = Tensor.FromArray(new sbyte[m], m), ["ys"] = Tensor.Scalar(0.05f + kg * 0.004f), ["yz"] = ZeroPoint(DataType.UInt8, 110),
                ["b"] = Tensor.FromArray(bias, m),
            };
            var (reference, fast, kernel) = RunBoth(node, x, constants, isa, 1);
            Assert.StartsWith("int8", kernel);
            Assert.Equal(reference.Length, fast.Length);
            for (int j = 0; j < reference.Length; j++)
                if (reference[j] != fast[j]) Assert.Fail($"{kernel} {string.Join(',', s)}: element {j} reference {reference[j]} fast {fast[j]}");
            foreach (var t in constants.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Ungrouped shapes take the pair-plane path (no im2col): 1×1 and k×k, odd and single input channels (the
    /// zero half of the last pair), output-channel counts off the 6-row panel, dilation, asymmetric padding,
    /// maps narrower than a 16-column tile and ones whose last tile is ragged, batch 2, two threads, and
    /// strides (phase planes) equal and unequal in the two directions, including a 1×1 stride 2 that reads
    /// one phase of four. The non-square kernels check the row/column offsets are not swapped; the last shape's
    /// weights are too large to sweep per tile, so it runs the panel-outer loop order.
    /// </summary>
    [Theory]
    [MemberData(nameof(Caps))]
    public void PairPlaneShapesAreBitExact(Isa isa) => PlaneShapesAreBitExact(isa, sevenBitWeights: false, "int8 pair-plane");

    /// <summary>
    /// The same shapes with weights within ±64 of their zero point take the quad-plane path on x86 (pmaddubsw,
    /// exact only in that range); the weights hit ±64 and the activations 0 and 255, the largest sums there are.
    /// </summary>
    [Theory]
    [MemberData(nameof(Caps))]
    public void QuadPlaneShapesAreBitExact(Isa isa) =>
        PlaneShapesAreBitExact(isa, sevenBitWeights: true, System.Runtime.Intrinsics.X86.Ssse3.IsSupported ? "int8 quad-plane" : "int8 pair-plane");

    private static void PlaneShapesAreBitExact(Isa isa, bool sevenBitWeights, string expectedKernel)
    {
        var rng = new Random(53 + (int)isa);
        // c, m, kh, kw, pads (top, left, bottom, right), dilation, h, w, batch, stride h, stride w
        int[][] shapes =
        [
            [1, 5, 3, 3, 1, 1, 1, 1, 1, 9, 11, 1, 1, 1], [7, 13, 3, 3, 1, 1, 1, 1, 1, 7, 7, 2, 1, 1], [16, 6, 1, 1, 0, 0, 0, 0, 1, 5, 9, 1, 1, 1],
            [5, 19, 3, 3, 0, 2, 1, 0, 2, 12, 17, 1, 1, 1], [4, 8, 3, 1, 1, 0, 1, 0, 1, 6, 21, 2, 1, 1], [3, 12, 5, 5, 2, 2, 2, 2, 1, 3, 4, 1, 1, 1],
            [10, 7, 3, 3, 1, 1, 1, 1, 1, 30, 33, 1, 1, 1], [2, 3, 2, 2, 0, 0, 1, 1, 1, 1, 37, 1, 1, 1],
            [3, 8, 7, 7, 3, 3, 3, 3, 1, 23, 30, 1, 2, 2], [9, 14, 3, 3, 1, 1, 1, 1, 1, 15, 16, 2, 2, 2], [6, 7, 1, 1, 0, 0, 0, 0, 1, 13, 11, 1, 2, 2],
            [5, 6, 3, 3, 0, 1, 2, 0, 2, 17, 19, 1, 3, 2], [4, 9, 2, 4, 1, 0, 0, 2, 1, 10, 26, 1, 1, 3],
            [48, 64, 3, 3, 1, 1, 1, 1, 1, 9, 20, 1, 1, 1],
        ];
        foreach (var s in shapes)
        {
            int c = s[0], m = s[1], kh = s[2], kw = s[3], d = s[8];
            bool signedX = rng.Next(2) == 1, signedY = rng.Next(2) == 1;
            var xType = signedX ? DataType.Int8 : DataType.UInt8;
            var yType = signedY ? DataType.Int8 : DataType.UInt8;
            var node = new Node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"], "qconv")
                .With(Bramble.Graph.Attribute.Of("strides", new long[] { s[12], s[13] }))
                .With(Bramble.Graph.Attribute.Of("dilations", new long[] { d, d }))
                .With(Bramble.Graph.Attribute.Of("pads", new long[] { s[4], s[5], s[6], s[7] }));
            using var x = Random8(rng, xType, s[11], c, s[9], s[10]);
            var wScale = new float[m];
            var wZp = new sbyte[m];
            for (int j = 0; j < m; j++) { wScale[j] = 0.002f + (float)rng.NextDouble() * 0.01f; wZp[j] = (sbyte)rng.Next(-2, 3); }
            var weights = Random8(rng, DataType.Int8, m, c, kh, kw);
            if (sevenBitWeights)
            {
                var ws = weights.AsSpan<sbyte>();
                int perChannel = c * kh * kw;
                for (int j = 0; j < ws.Length; j++) ws[j] = (sbyte)(wZp[j / perChannel] + rng.Next(4) switch { 0 => 64, 1 => -64, _ => rng.Next(-64, 65) });
                var xs = x.AsSpan<byte>();
                for (int j = 0; j < xs.Length; j += 3) xs[j] = (byte)(rng.Next(2) == 0 ? (signedX ? 0x80 : 0) : (signedX ? 0x7F : 255));
            }
            var bias = new int[m];
            for (int j = 0; j < m; j++) bias[j] = rng.Next(-3000, 3000);
            var constants = new Dictionary<string, Tensor>
            {
                ["xs"] = Tensor.Scalar(0.02f), ["xz"] = ZeroPoint(xType, signedX ? -7 : 125),
                ["w"] = weights, ["ws"] = Tensor.FromArray(wScale, m),
                ["wz"] = Tensor.FromArray(wZp, m), ["ys"] = Tensor.Scalar(0.05f + c * kh * kw * 0.004f), ["yz"] = ZeroPoint(yType, signedY ? 3 : 120),
                ["b"] = Tensor.FromArray(bias, m),
            };
            var (reference, fast, kernel) = RunBoth(node, x, constants, isa, 1 + s[11] % 2);
            Assert.StartsWith(expectedKernel, kernel);
            Assert.Equal(reference.Length, fast.Length);
            for (int j = 0; j < reference.Length; j++)
                if (reference[j] != fast[j]) Assert.Fail($"{kernel} {string.Join(',', s)}: element {j} reference {reference[j]} fast {fast[j]}");
            foreach (var t in constants.Values) t.Dispose();
        }
    }

    private static Tensor ZeroPoint(DataType type, int value) =>
        type == DataType.Int8 ? Tensor.Scalar((sbyte)value) : Tensor.Scalar((byte)value);
}
