using Bramble.Graph;

namespace Bramble.Training.Autodiff;

/// <summary>
/// One node of a training graph: a forward that records what its backward needs (batch statistics,
/// pooling argmax, dropout masks) and a backward that ADDS its input gradients (+=), so values read by
/// several nodes (residual branches) collect the sum of their consumers' contributions.
/// </summary>
public abstract class GradientOp
{
    protected GradientOp(Node node, TValue[] inputs, TValue[] outputs)
    {
        Node = node;
        Inputs = inputs;
        Outputs = outputs;
    }

    public Node Node { get; }

    /// <summary>Input values; an omitted optional input is null.</summary>
    public TValue?[] Inputs { get; }
    public TValue[] Outputs { get; }

    protected TValue In(int i) => Inputs[i] ?? throw new GraphValidationException($"{Node.Describe()}: input {i} is required");
    protected TValue? Optional(int i) => i < Inputs.Length ? Inputs[i] : null;
    protected TValue Out => Outputs[0];

    /// <summary>Computes the outputs (resizing them first) from the inputs.</summary>
    public abstract void Forward(TrainContext ctx);

    /// <summary>Adds d(loss)/d(input) into every input whose <see cref="TValue.NeedsGrad"/> is set.</summary>
    public abstract void Backward(TrainContext ctx);

    /// <summary>Multiply-accumulates of one forward pass (for throughput reports); 0 when negligible.</summary>
    public virtual long ForwardMacs => 0;

    protected ShapeException ShapeError(string message) => new($"{Node.Describe()}: {message}");
}
