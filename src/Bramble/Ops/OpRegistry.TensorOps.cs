using Bramble.Ops.Shaping;

namespace Bramble.Ops;

public static partial class OpRegistry
{
    static partial void RegisterTensorOps(Registrar add)
    {
        add("Reshape", (n, v) => new Reshape(n, v));
        add("Flatten", (n, _) => new Flatten(n));
        add("Squeeze", (n, _) => new Squeeze(n));
        add("Unsqueeze", (n, _) => new Unsqueeze(n));
        add("Identity", (n, _) => new Identity(n));
        add("Dropout", (n, v) => new Dropout(n, v));
        add("Transpose", (n, _) => new Transpose(n));
        add("Slice", (n, v) => new Slice(n, v));
        add("Concat", (n, _) => new Concat(n));
        add("Split", (n, _) => new Split(n));
        add("Shape", (n, _) => new ShapeOf(n));
        add("Size", (n, _) => new SizeOf(n));
        add("Gather", (n, _) => new Gather(n));
        add("GatherElements", (n, _) => new GatherElements(n), minOpset: 11);
        add("GatherND", (n, _) => new GatherND(n), minOpset: 11);
        add("ScatterND", (n, _) => new ScatterND(n), minOpset: 11);
        add("ScatterElements", (n, _) => new ScatterElements(n), minOpset: 11);
        add("Scatter", (n, _) => new ScatterElements(n), minOpset: 9, maxOpset: 10);
        add("Expand", (n, _) => new Expand(n), minOpset: 8);
        add("Tile", (n, _) => new Tile(n), minOpset: 6);
        add("Constant", (n, _) => new Constant(n));
        add("ConstantOfShape", (n, _) => new ConstantOfShape(n), minOpset: 9);
        add("Range", (n, _) => new RangeOp(n), minOpset: 11);
        add("OneHot", (n, _) => new OneHot(n), minOpset: 9);
        add("TopK", (n, v) => new TopK(n, v));
        add("CumSum", (n, _) => new CumSum(n), minOpset: 11);
        add("Trilu", (n, _) => new Trilu(n), minOpset: 14);
        add("NonZero", (n, _) => new NonZero(n), minOpset: 9);
    }
}
