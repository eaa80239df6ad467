namespace Bramble.Training.Autodiff;

/// <summary>
/// A value of the training tape: float32 data, its shape and (when something upstream is trainable)
/// its gradient. Buffers are managed arrays reused across batches; they are reallocated only when a
/// batch of another size arrives (the last, shorter batch of an epoch).
/// </summary>
public sealed class TValue
{
    public TValue(string name) => Name = name;

    public string Name { get; }
    public float[] Data { get; private set; } = [];
    public int[] Shape { get; private set; } = [];
    public float[] Grad { get; private set; } = [];

    /// <summary>True when a gradient must flow into this value (it depends on a parameter or is one).</summary>
    public bool NeedsGrad { get; set; }

    /// <summary>Constant integer contents (Reshape's shape input); null for float values.</summary>
    public long[]? Ints { get; set; }

    public int Length => Data.Length;

    /// <summary>Sets the shape and makes sure the data (and gradient when needed) buffers fit it.</summary>
    public void Resize(int[] shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ShapeException($"training value '{Name}': negative dimension in {Tensors.ShapeUtil.Format(shape)}");
            count *= d;
        }
        if (count > int.MaxValue) throw new ShapeException($"training value '{Name}': {Tensors.ShapeUtil.Format(shape)} is too large");
        if (Data.Length != count) Data = new float[count];
        if (NeedsGrad && Grad.Length != count) Grad = new float[count];
        Shape = shape;
    }

    /// <summary>Binds existing storage (a parameter's latent weights) instead of allocating.</summary>
    public void Bind(float[] data, int[] shape)
    {
        Data = data;
        Shape = shape;
        if (NeedsGrad && Grad.Length != data.Length) Grad = new float[data.Length];
    }

    /// <summary>Replaces the data array (a weight transform writes an effective copy).</summary>
    internal void SetData(float[] data) => Data = data;

    public void ZeroGrad()
    {
        if (Grad.Length != Data.Length && NeedsGrad) Grad = new float[Data.Length];
        Array.Clear(Grad);
    }

    public int Dim(int axis) => Shape[axis];

    public override string ToString() => $"{Name}{Tensors.ShapeUtil.Format(Shape)}";
}
