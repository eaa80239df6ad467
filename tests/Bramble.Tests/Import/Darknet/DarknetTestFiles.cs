using Bramble.Import.Darknet;

namespace Bramble.Tests.Import.Darknet;

/// <summary>Locations of the Debian darknet package and helpers that write Darknet files for tests.</summary>
internal static class DarknetTestFiles
{
    public const string CfgDirectory = "/usr/share/darknet/cfg";

    /// <summary>
    /// True when <paramref name="path"/> exists. When it does not: under CI (CI=true) the test fails, since
    /// the package must be installed there; locally the caller returns early.
    /// </summary>
    public static bool Available(string path)
    {
        if (File.Exists(path) || Directory.Exists(path)) return true;
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            Assert.Fail($"{path} is missing (install the Debian darknet package)");
        return false;
    }

    public static string Cfg(string name) => Path.Combine(CfgDirectory, name);

    /// <summary>A fresh temporary directory, deleted by <see cref="IDisposable.Dispose"/>.</summary>
    public sealed class TempDir : IDisposable
    {
        public TempDir() => Directory.CreateDirectory(Path);
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "bramble-darknet-" + Guid.NewGuid().ToString("N"));
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>
    /// Writes a .weights file in Darknet's layout for <paramref name="network"/>: header (major, minor,
    /// revision, seen as int64 when major·10+minor ≥ 2 else int32) then every layer's arrays in order, filled
    /// with the importer's fixed-seed synthetic values. <paramref name="extraBytes"/> appends junk;
    /// <paramref name="dropBytes"/> cuts the end off.
    /// </summary>
    public static void WriteWeights(string path, DarknetNetwork network, int seed, int major = 0, int minor = 2,
        long extraBytes = 0, long dropBytes = 0)
    {
        DarknetWeightsWriter.Write(path, network, seed, major, minor, seen: major * 10 + minor >= 2 ? 123456 : 654321);
        if (extraBytes > 0)
        {
            using var f = new FileStream(path, FileMode.Append, FileAccess.Write);
            for (long i = 0; i < extraBytes; i++) f.WriteByte(0x5a);
        }
        if (dropBytes > 0)
        {
            using var f = new FileStream(path, FileMode.Open, FileAccess.Write);
            f.SetLength(f.Length - dropBytes);
        }
    }

    /// <summary>A copy of a Debian cfg with [net] width/height replaced (smaller inputs keep tests fast).</summary>
    public static string ResizedCfg(string source, string targetDir, int width, int height)
    {
        var lines = File.ReadAllLines(source);
        bool inNet = false;
        for (int i = 0; i < lines.Length; i++)
        {
            string t = lines[i].Replace(" ", "");
            if (t.StartsWith('[')) inNet = t is "[net]" or "[network]";
            else if (inNet && t.StartsWith("width=")) lines[i] = $"width={width}";
            else if (inNet && t.StartsWith("height=")) lines[i] = $"height={height}";
        }
        string path = Path.Combine(targetDir, Path.GetFileName(source));
        File.WriteAllLines(path, lines);
        return path;
    }
}
