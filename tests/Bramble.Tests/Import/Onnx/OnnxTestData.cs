using Bramble.Tests.Support;

namespace Bramble.Tests.Import.Onnx;

/// <summary>
/// Lists ONNX's backend test data from the Debian package libonnx-testdata. Missing data fails the test
/// when CI=true and lets it return early otherwise (<see cref="TestResources.Require"/>).
/// </summary>
internal static class OnnxTestData
{
    public const string Root = TestResources.OnnxTestData;

    public static readonly string[] Suites = ["node", "simple", "pytorch-converted", "pytorch-operator", "real"];

    /// <summary>True when the data is there; false (local run) or an assertion failure (CI) when it is not.</summary>
    public static bool Available() => TestResources.Require(Root) != null;

    /// <summary>Every model.onnx of the given suites, sorted.</summary>
    public static List<string> Models(params string[] suites)
    {
        var models = new List<string>();
        foreach (var suite in suites)
        {
            string dir = Path.Combine(Root, suite);
            if (!Directory.Exists(dir)) continue;
            models.AddRange(Directory.EnumerateFiles(dir, "model.onnx", SearchOption.AllDirectories));
        }
        models.Sort(StringComparer.Ordinal);
        return models;
    }
}
