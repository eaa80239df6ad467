using Bramble.Graph;

namespace Bramble.Passes;

/// <summary>
/// One named graph rewrite. Passes replace initializers by assigning new tensors and never dispose the
/// ones they drop: the caller (the session's pipeline) knows which tensors it owns.
/// </summary>
public interface IGraphPass
{
    /// <summary>Short name for logs and `bramble info --passes`.</summary>
    string Name { get; }

    /// <summary>Rewrites the model in place; returns how many rewrites it made.</summary>
    int Run(Model model);
}
