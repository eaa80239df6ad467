using Bramble.Graph;

namespace Bramble.Ops;

/// <summary>
/// The table from (domain, op type) to operator factories: the one place an importer asks "is this
/// supported, and with which implementation?". Families register themselves in partial files
/// (OpRegistry.Math.cs, OpRegistry.Nn.cs, …), one line per op.
/// </summary>
public static partial class OpRegistry
{
    /// <summary>Creates an operator for a node; <paramref name="opset"/> is the model's version of the node's domain.</summary>
    public delegate Operator Factory(Node node, long opset);

    private sealed record Entry(Factory Create, long MinOpset, long MaxOpset);

    private static readonly Dictionary<(string Domain, string OpType), Entry> Table = Build();

    private static Dictionary<(string, string), Entry> Build()
    {
        var table = new Dictionary<(string, string), Entry>();
        void Add(string opType, Factory factory, long minOpset = 1, long maxOpset = long.MaxValue, string domain = "")
            => table[(domain, opType)] = new Entry(factory, minOpset, maxOpset);
        RegisterAll(Add);
        return table;
    }

    private delegate void Registrar(string opType, Factory factory, long minOpset = 1, long maxOpset = long.MaxValue, string domain = "");

    // Each family file contributes one partial method; adding a family means adding one call here.
    private static void RegisterAll(Registrar add)
    {
        RegisterElementwise(add);
        RegisterNn(add);
        RegisterTensorOps(add);
        RegisterReductions(add);
        RegisterQuantized(add);
        RegisterBramble(add);
        RegisterBinary(add);
        RegisterSparse(add);
    }

    static partial void RegisterElementwise(Registrar add);
    static partial void RegisterNn(Registrar add);
    static partial void RegisterTensorOps(Registrar add);
    static partial void RegisterReductions(Registrar add);
    static partial void RegisterQuantized(Registrar add);
    static partial void RegisterBramble(Registrar add);
    static partial void RegisterBinary(Registrar add);
    static partial void RegisterSparse(Registrar add);

    /// <summary>Bramble's own operator domain (fused and binary ops that ONNX has no name for).</summary>
    public const string BrambleDomain = "ai.bramble";

    public static string NormalizeDomain(string domain) => domain == "ai.onnx" ? "" : domain;

    public static bool IsSupported(string domain, string opType) => Table.ContainsKey((NormalizeDomain(domain), opType));

    /// <summary>All supported (domain, op type) pairs, for documentation and the conformance summary.</summary>
    public static IEnumerable<(string Domain, string OpType)> Supported => Table.Keys.OrderBy(k => k.Item1).ThenBy(k => k.Item2);

    /// <summary>Creates the operator for <paramref name="node"/> or throws a one-line error naming op, node and opset.</summary>
    public static Operator Create(Node node, long opset)
    {
        string domain = NormalizeDomain(node.Domain);
        if (!Table.TryGetValue((domain, node.OpType), out var entry))
            throw new UnsupportedOperatorException(
                $"unsupported operator {(domain.Length > 0 ? domain + "." : "")}{node.OpType} (opset {opset}) at node '{node.DisplayName}'");
        if (opset < entry.MinOpset || opset > entry.MaxOpset)
            throw new UnsupportedOperatorException(
                $"operator {node.OpType} at node '{node.DisplayName}' is supported for opsets {entry.MinOpset}..{(entry.MaxOpset == long.MaxValue ? "" : entry.MaxOpset)}, not opset {opset}");
        return entry.Create(node, opset);
    }
}
