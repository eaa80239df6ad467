namespace Bramble.Tests.Import.Onnx;

/// <summary>
/// Locates ONNX's backend test data from the Debian package libonnx-testdata. Missing data fails the test
/// when CI=true and lets it return early otherwise (until the shared TestResources helper exists).
/// </summary>
internal static class OnnxTestData
{
    public const string Root = "/usr/share/libonnx-testdata/data";

    public static readonly string[] Suites = ["node", "simple", "pytorch-converted", "pytorch-operator", "real"];

    /// <summary>True when the data is there; false (local run) or an assertion failure (CI) when it is not.</summary>
    public static bool Available()
    {
        if (Directory.Exists(Root)) return true;
        if (Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail($"{Root} is missing: install the Debian package libonnx-testdata");
        return false;
    }

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
