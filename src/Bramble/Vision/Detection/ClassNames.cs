namespace Bramble.Vision.Detection;

/// <summary>
/// Class labels of a detector: one name per line, as Darknet's .names files. Missing labels read "class N".
/// </summary>
public sealed class ClassNames
{
    /// <summary>Where Debian's darknet package keeps the label files of the datasets its cfgs were trained on.</summary>
    public const string DarknetDataDirectory = "/usr/share/darknet/data";

    /// <summary>Largest .names file read (1 MiB): a mistaken path to a big file fails fast.</summary>
    private const long MaxFileBytes = 1 << 20;

    private readonly string[] _names;

    public ClassNames(IEnumerable<string> names, string source = "")
    {
        _names = names.ToArray();
        Source = source;
    }

    /// <summary>The file the names came from, or "" when generated.</summary>
    public string Source { get; }

    public int Count => _names.Length;

    /// <summary>The label of <paramref name="classId"/>; "class N" when the list has no such entry.</summary>
    public string this[int classId] => classId >= 0 && classId < _names.Length && _names[classId].Length > 0
        ? _names[classId]
        : $"class {classId}";

    /// <summary>Reads a .names file: one label per line, trailing blank lines ignored, whitespace trimmed.</summary>
    public static ClassNames Load(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new BrambleException($"{path}: names file not found");
            if (info.Length > MaxFileBytes) throw new BrambleException($"{path}: names file of {info.Length} bytes is too large (limit {MaxFileBytes})");
            var lines = File.ReadAllLines(path).Select(l => l.Trim()).ToList();
            while (lines.Count > 0 && lines[^1].Length == 0) lines.RemoveAt(lines.Count - 1);
            return new ClassNames(lines, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BrambleException($"{path}: cannot read names file ({e.Message.TrimEnd('.')})", e);
        }
    }

    /// <summary>
    /// Labels for a model with <paramref name="classes"/> classes when none are given: COCO's for 80, VOC's for
    /// 20 (the datasets Darknet's cfgs of those sizes were trained on), read from <paramref name="dataDirectory"/>
    /// when it has them; otherwise "class N".
    /// </summary>
    public static ClassNames Default(int classes, string dataDirectory = DarknetDataDirectory)
    {
        string? file = classes switch
        {
            80 => "coco.names",
            20 => "voc.names",
            _ => null,
        };
        if (file != null)
        {
            string path = Path.Combine(dataDirectory, file);
            if (File.Exists(path))
            {
                var names = Load(path);
                if (names.Count == classes) return names;
            }
        }
        return new ClassNames([], "");
    }
}
