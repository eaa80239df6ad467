using System.Globalization;
using Bramble.Graph;

namespace Bramble.Cli.Options;

/// <summary>Parsing of the arguments several commands share (--shape, --input, number lists).</summary>
internal static class Specs
{
    /// <summary>
    /// Parses --shape values: "name=1x3x224x224" (dims separated by 'x' or ','), or just "1x3x224x224"
    /// when the model has exactly one input.
    /// </summary>
    public static Dictionary<string, int[]> ParseShapes(IEnumerable<string> specs, IReadOnlyList<ValueInfo> inputs)
    {
        var result = new Dictionary<string, int[]>();
        foreach (var spec in specs)
        {
            int eq = spec.LastIndexOf('=');
            string name = eq >= 0 ? spec[..eq] : SoleInputName(inputs, "--shape", spec);
            string dims = eq >= 0 ? spec[(eq + 1)..] : spec;
            if (name.Length == 0) throw new CliUsageException($"--shape '{spec}': missing input name before '='");
            if (inputs.All(i => i.Name != name))
                throw new CliUsageException($"--shape '{spec}': the model has no input '{name}' (inputs: {Names(inputs)})");
            if (!result.TryAdd(name, ParseDims(dims, spec)))
                throw new CliUsageException($"--shape gives input '{name}' twice");
        }
        return result;
    }

    public static int[] ParseDims(string text, string spec)
    {
        var parts = text.Split(['x', 'X', ','], StringSplitOptions.TrimEntries);
        if (text.Trim().Length == 0) return [];
        var dims = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, null, out dims[i]))
                throw new CliUsageException($"--shape '{spec}': '{parts[i]}' is not a dimension (expected e.g. name=1x3x224x224)");
        return dims;
    }

    /// <summary>Parses --input values "name=path" (or a bare path for a single-input model) into name → path.</summary>
    public static Dictionary<string, string> ParseInputs(IEnumerable<string> specs, IReadOnlyList<ValueInfo> inputs)
    {
        var result = new Dictionary<string, string>();
        foreach (var spec in specs)
        {
            int eq = spec.IndexOf('=');
            string name, path;
            // A path may itself contain '='; a prefix that is not an input name means the whole thing is a path.
            if (eq > 0 && inputs.Any(i => i.Name == spec[..eq]))
            {
                name = spec[..eq];
                path = spec[(eq + 1)..];
            }
            else if (eq > 0 && !File.Exists(spec))
            {
                throw new CliUsageException($"--input '{spec}': the model has no input '{spec[..eq]}' (inputs: {Names(inputs)})");
            }
            else
            {
                name = SoleInputName(inputs, "--input", spec);
                path = spec;
            }
            if (path.Length == 0) throw new CliUsageException($"--input '{spec}': missing file path after '='");
            if (!result.TryAdd(name, path)) throw new CliUsageException($"--input gives input '{name}' twice");
        }
        return result;
    }

    private static string SoleInputName(IReadOnlyList<ValueInfo> inputs, string option, string spec)
    {
        if (inputs.Count == 1) return inputs[0].Name;
        throw new CliUsageException($"{option} '{spec}': the model has {inputs.Count} inputs, so write name=... (inputs: {Names(inputs)})");
    }

    public static string Names(IReadOnlyList<ValueInfo> inputs) =>
        inputs.Count == 0 ? "none" : string.Join(", ", inputs.Select(i => i.Name));

    /// <summary>A comma-separated list of numbers (e.g. --mean 0.485,0.456,0.406), or null when the option is absent.</summary>
    public static float[]? ParseFloats(string? text, string option)
    {
        if (text == null) return null;
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
                throw new CliUsageException($"{option} '{text}': expected comma-separated numbers");
        return values;
    }
}
