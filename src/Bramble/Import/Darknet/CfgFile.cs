using System.Globalization;

namespace Bramble.Import.Darknet;

/// <summary>One <c>key=value</c> line of a Darknet .cfg section.</summary>
public sealed record CfgOption(string Key, string Value, int Line);

/// <summary>
/// One <c>[section]</c> of a Darknet .cfg file with its options. Lookups follow Darknet's option_find:
/// the first occurrence of a key wins. Typed getters throw one-line errors naming file and line.
/// </summary>
public sealed class CfgSection
{
    private readonly List<CfgOption> _options = new();

    public CfgSection(string fileName, string type, int line)
    {
        FileName = fileName;
        Type = type;
        Line = line;
    }

    /// <summary>File name (without directories) used in error messages.</summary>
    public string FileName { get; }

    /// <summary>Section header including brackets, e.g. "[convolutional]".</summary>
    public string Type { get; }

    /// <summary>1-based line of the section header.</summary>
    public int Line { get; }

    public IReadOnlyList<CfgOption> Options => _options;

    /// <summary>"yolov3.cfg:80" — where this section starts, for error messages.</summary>
    public string Where => $"{FileName}:{Line}";

    internal void Add(CfgOption option) => _options.Add(option);

    public CfgOption? Find(string key)
    {
        foreach (var o in _options)
            if (o.Key == key) return o;
        return null;
    }

    public bool Has(string key) => Find(key) != null;

    public string GetString(string key, string fallback) => Find(key)?.Value ?? fallback;

    public int GetInt(string key, int fallback)
    {
        var o = Find(key);
        if (o == null) return fallback;
        if (!int.TryParse(o.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new ModelFormatException($"{FileName}:{o.Line}: {key}={o.Value} is not an integer");
        return v;
    }

    public float GetFloat(string key, float fallback)
    {
        var o = Find(key);
        if (o == null) return fallback;
        if (!float.TryParse(o.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
            throw new ModelFormatException($"{FileName}:{o.Line}: {key}={o.Value} is not a number");
        return v;
    }

    /// <summary>A comma-separated integer list ("layers=-1, 61"); null when the key is absent.</summary>
    public int[]? GetInts(string key)
    {
        var o = Find(key);
        if (o == null) return null;
        var parts = SplitList(o);
        var result = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out result[i]))
                throw new ModelFormatException($"{FileName}:{o.Line}: {key}: '{parts[i]}' is not an integer");
        return result;
    }

    /// <summary>A comma-separated number list ("anchors=10,13, 16,30"); null when the key is absent.</summary>
    public float[]? GetFloats(string key)
    {
        var o = Find(key);
        if (o == null) return null;
        var parts = SplitList(o);
        var result = new float[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out result[i]))
                throw new ModelFormatException($"{FileName}:{o.Line}: {key}: '{parts[i]}' is not a number");
        return result;
    }

    private string[] SplitList(CfgOption o)
    {
        // Darknet tolerates a trailing comma ("mask=0,1,2,"): it only counts separators up to the values it finds.
        var parts = o.Value.Split(',');
        int n = parts.Length;
        if (n > 1 && parts[n - 1].Length == 0) n--;
        if (n == 0 || (n == 1 && parts[0].Length == 0))
            throw new ModelFormatException($"{FileName}:{o.Line}: {o.Key} is empty");
        return parts[..n];
    }

    /// <summary>An error located at a key of this section (or at the section header when the key is absent).</summary>
    public ModelFormatException Error(string key, string problem)
    {
        int line = Find(key)?.Line ?? Line;
        return new ModelFormatException($"{FileName}:{line}: {Type} {problem}");
    }
}

/// <summary>A parsed Darknet .cfg file: its sections in order, the first being [net].</summary>
public sealed class CfgFile
{
    public CfgFile(string fileName, List<CfgSection> sections)
    {
        FileName = fileName;
        Sections = sections;
    }

    public string FileName { get; }
    public IReadOnlyList<CfgSection> Sections { get; }

    /// <summary>Reads a .cfg file from disk.</summary>
    public static CfgFile Load(string path)
    {
        if (!File.Exists(path)) throw new ModelFormatException($"{path}: file not found");
        var info = new FileInfo(path);
        // Real cfgs are a few kilobytes; refuse anything absurd rather than reading it into memory.
        if (info.Length > 64 << 20) throw new ModelFormatException($"{path}: {info.Length} bytes is too large for a Darknet .cfg");
        return Parse(File.ReadAllText(path), Path.GetFileName(path));
    }

    /// <summary>
    /// Parses cfg text the way Darknet's read_cfg does: every space and tab is removed from a line (so
    /// "filters = 32" is "filters=32"), lines starting with '#' or ';' and empty lines are skipped,
    /// "[type]" starts a section, anything else must be key=value (split at the first '=').
    /// </summary>
    public static CfgFile Parse(string text, string fileName)
    {
        var sections = new List<CfgSection>();
        CfgSection? current = null;
        int lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            string line = Strip(raw);
            if (line.Length == 0 || line[0] == '#' || line[0] == ';') continue;
            if (line[0] == '[')
            {
                if (line[^1] != ']')
                    throw new ModelFormatException($"{fileName}:{lineNumber}: section header '{line}' lacks a closing ']'");
                current = new CfgSection(fileName, line, lineNumber);
                sections.Add(current);
                continue;
            }
            int eq = line.IndexOf('=');
            if (eq <= 0)
                throw new ModelFormatException($"{fileName}:{lineNumber}: expected key=value, got '{Shorten(line)}'");
            if (current == null)
                throw new ModelFormatException($"{fileName}:{lineNumber}: option '{Shorten(line)}' appears before any [section]");
            current.Add(new CfgOption(line[..eq], line[(eq + 1)..], lineNumber));
        }
        if (sections.Count == 0) throw new ModelFormatException($"{fileName}: no sections (is this a Darknet .cfg?)");
        if (sections[0].Type != "[net]" && sections[0].Type != "[network]")
            throw new ModelFormatException($"{sections[0].Where}: the first section must be [net], not {sections[0].Type}");
        return new CfgFile(fileName, sections);
    }

    private static string Strip(string line)
    {
        // Darknet's strip() drops every space, tab and newline anywhere in the line; we also drop '\r'
        // so files with Windows line endings read the same.
        Span<char> buffer = line.Length <= 512 ? stackalloc char[line.Length] : new char[line.Length];
        int n = 0;
        foreach (char c in line)
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') buffer[n++] = c;
        return new string(buffer[..n]);
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";
}
