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

    public void Dispose()
    {
        foreach (var t in Graph.Initializers.Values) t.Dispose();
        foreach (var b in Backing) b.Dispose();
        Backing.Clear();
    }
}
