namespace Bramble.Graph;

/// <summary>
/// A loaded model: its graph plus the metadata a faithful round trip keeps. Disposing it frees the
/// initializers and whatever backs them (e.g. a memory-mapped file).
/// </summary>
public sealed class Model : IDisposable
{
    public Model(Graph graph) => Graph = graph;

    public Graph Graph { get; }

    /// <summary>Operator set version per domain ("" = ai.onnx).</summary>
    public Dictionary<string, long> Opsets { get; } = new() { [""] = 17 };

    public long IrVersion { get; set; } = 8;
    public string ProducerName { get; set; } = "bramble";
    public string ProducerVersion { get; set; } = "";
    public string Domain { get; set; } = "";
    public long ModelVersion { get; set; }
    public string DocString { get; set; } = "";
    public Dictionary<string, string> MetadataProps { get; } = new();

    /// <summary>Where the model was read from, for error messages.</summary>
    public string Source { get; set; } = "(memory)";

    /// <summary>Resources that back tensor memory (mapped files); disposed with the model.</summary>
    public List<IDisposable> Backing { get; } = new();

    public long OpsetFor(string domain) =>
        Opsets.TryGetValue(domain == "ai.onnx" ? "" : domain, out long v) ? v : (domain.Length == 0 ? 1 : 1);

    /// <summary>
    /// A copy whose graph structure (nodes, attributes, value infos) can be rewritten freely while the
    /// initializer tensors are shared with this model: the copy's <see cref="Dispose"/> frees nothing it shares.
    /// </summary>
    public Model CloneStructure()
    {
        var g = new Graph { Name = Graph.Name, DocString = Graph.DocString };
        foreach (var n in Graph.Nodes)
        {
            var copy = new Node(n.OpType, n.Inputs, n.Outputs, n.Name, n.Domain) { DocString = n.DocString };
            foreach (var (k, v) in n.Attributes) copy.Attributes[k] = v;
            g.Nodes.Add(copy);
        }
        foreach (var (k, v) in Graph.Initializers) g.Initializers[k] = v;
        foreach (var i in Graph.Inputs) g.Inputs.Add(new ValueInfo(i.Name, i.Type, i.Shape?.ToArray()) { DocString = i.DocString });
        foreach (var o in Graph.Outputs) g.Outputs.Add(new ValueInfo(o.Name, o.Type, o.Shape?.ToArray()) { DocString = o.DocString });
        foreach (var (k, v) in Graph.ValueInfos) g.ValueInfos[k] = v;
        var m = new Model(g)
        {
            IrVersion = IrVersion, ProducerName = ProducerName, ProducerVersion = ProducerVersion, Domain = Domain,
            ModelVersion = ModelVersion, DocString = DocString, Source = Source, _shared = new HashSet<Tensors.Tensor>(Graph.Initializers.Values, ReferenceEqualityComparer.Instance),
        };
        m.Opsets.Clear();
        foreach (var (k, v) in Opsets) m.Opsets[k] = v;
        foreach (var (k, v) in MetadataProps) m.MetadataProps[k] = v;
        return m;
    }

    // Tensors this model shares with the one it was cloned from; it must not free them.
    private HashSet<Tensors.Tensor>? _shared;

    /// <summary>
    /// Frees initializers that a rewrite dropped, unless shared with another model: keeps a session that
    /// owns its model from holding both the original and the rewritten weights.
    /// </summary>
    public void ReleaseDropped(IEnumerable<Tensors.Tensor> before)
    {
        var live = new HashSet<Tensors.Tensor>(Graph.Initializers.Values, ReferenceEqualityComparer.Instance);
        foreach (var t in before)
            if (!live.Contains(t) && _shared?.Contains(t) != true) t.Dispose();
    }

    /// <summary>True when <paramref name="tensor"/> is shared with the model this one was cloned from, so this one must not free it.</summary>
    public bool Shares(Tensors.Tensor tensor) => _shared?.Contains(tensor) == true;

    /// <summary>
    /// Set by a session on the model it rewrites (and later disposes): passes that replace a weight then free
    /// the old one as soon as nothing reads it (<see cref="DropInitializerIfUnused"/>), so a pass over every
    /// layer (batch-norm folding) peaks at one layer's extra memory, not a second copy of the whole model.
    /// Off by default: a caller may still hold tensors of a model it rewrites itself.
    /// </summary>
    internal bool FreeDroppedEagerly { get; set; }

    /// <summary>
    /// Removes initializer <paramref name="name"/> when no node reads it and it is not a graph input or output;
    /// frees it too when <see cref="FreeDroppedEagerly"/> is set and this model does not share it.
    /// </summary>
    public void DropInitializerIfUnused(string name)
    {
        if (name.Length == 0 || !Graph.Initializers.TryGetValue(name, out var tensor)) return;
        foreach (var node in Graph.Nodes)
            foreach (var input in node.Inputs)
                if (input == name) return;
        foreach (var o in Graph.Outputs) if (o.Name == name) return;
        foreach (var i in Graph.Inputs) if (i.Name == name) return;
        Graph.Initializers.Remove(name);
        if (!FreeDroppedEagerly || Shares(tensor)) return;
        // The same tensor may sit under a second name.
        foreach (var other in Graph.Initializers.Values) if (ReferenceEquals(other, tensor)) return;
        tensor.Dispose();
    }

    public void Dispose()
    {
        foreach (var t in Graph.Initializers.Values)
            if (_shared?.Contains(t) != true) t.Dispose();
        foreach (var b in Backing) b.Dispose();
        Backing.Clear();
    }
}
