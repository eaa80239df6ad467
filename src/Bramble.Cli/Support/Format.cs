using System.Globalization;

namespace Bramble.Cli.Support;

/// <summary>Human-readable numbers for tables.</summary>
internal static class Format
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", Invariant) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.0", Invariant) + " MiB",
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.00", Invariant) + " GiB",
    };

    /// <summary>Counts with SI suffixes: 1.23 G, 456.7 M, 12.3 k.</summary>
    public static string Count(long n) => n switch
    {
        < 1000 => n.ToString(Invariant),
        < 1_000_000 => (n / 1e3).ToString("0.0", Invariant) + " k",
        < 1_000_000_000 => (n / 1e6).ToString("0.0", Invariant) + " M",
        _ => (n / 1e9).ToString("0.00", Invariant) + " G",
    };

    public static string Ms(double ms) => ms.ToString(ms < 10 ? "0.000" : "0.00", Invariant);

    public static string Shape(int[] shape) => "[" + string.Join("x", shape) + "]";
}
