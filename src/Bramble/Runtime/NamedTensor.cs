using Bramble.Tensors;

namespace Bramble.Runtime;

/// <summary>A tensor with the graph value name it binds to.</summary>
public readonly record struct NamedTensor(string Name, Tensor Tensor);
