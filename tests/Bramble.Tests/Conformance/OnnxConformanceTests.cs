using System.Collections.Concurrent;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tests.Support;

namespace Bramble.Tests.Conformance;

/// <summary>
/// Runs every ONNX conformance test whose operators Bramble supports. A test listed in
/// expected-failures.txt must still fail (so the list cannot go stale); every other one must pass.
/// A per-operator summary is written to TestResults/conformance-summary.md when the run ends.
/// </summary>
public class OnnxConformanceTests
{
    private static readonly Lazy<IReadOnlyList<(ConformanceCase Case, IReadOnlyList<string> Ops)>> Cases = new(Discover);
    private static readonly Dictionary<string, string> ExpectedFailures = LoadExpectedFailures();

    public static IEnumerable<object[]> SupportedCases() =>
        Cases.Value.Where(c => c.Ops.All(IsSupported)).Select(c => new object[] { c.Case.Id });

    private static bool IsSupported(string op)
    {
        int dot = op.LastIndexOf('.');
        return dot < 0 ? OpRegistry.IsSupported("", op) : OpRegistry.IsSupported(op[..dot], op[(dot + 1)..]);
    }

    [Fact]
    public void SuiteIsInstalled()
    {
        if (TestResources.Require(ConformanceCase.Root) == null) return;
        Assert.NotEmpty(Cases.Value);
        Assert.True(SupportedCases().Count() > 300, $"only {SupportedCases().Count()} conformance tests are runnable");
    }

    [Theory]
    [MemberData(nameof(SupportedCases))]
    public void Passes(string id)
    {
        var (c, ops) = Cases.Value.First(x => x.Case.Id == id);
        string? failure;
        try
        {
            failure = c.Run(new SessionOptions { Threads = 1 });
        }
        catch (BrambleException e)
        {
            failure = e.Message;
        }
        ConformanceSummary.Record(c, ops, failure == null);
        if (ExpectedFailures.TryGetValue(id, out var reason))
        {
            Assert.True(failure != null, $"{id} now passes: remove it from expected-failures.txt (was: {reason})");
            return;
        }
        Assert.True(failure == null, $"{id}: {failure}");
    }

    private static IReadOnlyList<(ConformanceCase, IReadOnlyList<string>)> Discover() =>
        ConformanceCase.All().Select(c => (c, c.OpTypes())).Where(x => x.Item2 != null)
            .Select(x => (x.c, (IReadOnlyList<string>)x.Item2!)).ToList();

    private static Dictionary<string, string> LoadExpectedFailures()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Conformance", "expected-failures.txt");
        var result = new Dictionary<string, string>();
        if (!File.Exists(path)) return result;
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int space = line.IndexOfAny([' ', '\t']);
            result[space < 0 ? line : line[..space]] = space < 0 ? "" : line[space..].Trim();
        }
        return result;
    }
}

/// <summary>Collects per-operator pass counts during the run and writes them out when the test process exits.</summary>
internal static class ConformanceSummary
{
    private static readonly ConcurrentDictionary<string, (int Passed, int Total)> ByOp = new();

    static ConformanceSummary() => AppDomain.CurrentDomain.ProcessExit += (_, _) => Write();

    public static void Record(ConformanceCase c, IReadOnlyList<string> ops, bool passed)
    {
        foreach (var op in ops)
            ByOp.AddOrUpdate(op, _ => (passed ? 1 : 0, 1), (_, v) => (v.Passed + (passed ? 1 : 0), v.Total + 1));
    }

    private static void Write()
    {
        if (ByOp.IsEmpty) return;
        var dir = Path.Combine(TestResources.RepoRoot ?? AppContext.BaseDirectory, "TestResults");
        Directory.CreateDirectory(dir);
        using var w = new StreamWriter(Path.Combine(dir, "conformance-summary.md"));
        w.WriteLine("| operator | passed | tests |");
        w.WriteLine("|---|---|---|");
        foreach (var (op, (p, t)) in ByOp.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            w.WriteLine($"| {op} | {p} | {t} |");
        w.WriteLine($"\n{ByOp.Values.Sum(v => v.Passed)} operator-test passes of {ByOp.Values.Sum(v => v.Total)} (a test counts once per operator it uses)");
    }
}
