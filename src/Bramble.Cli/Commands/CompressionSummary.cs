using System.IO.Compression;
using System.Text.Json;

namespace Bramble.Cli.Commands;

/// <summary>
/// Whole-model numbers of one `prune` or `decompose` run, written with --json so that a study script can
/// put many runs in one table without parsing the human-readable output. Accuracies are fractions (null
/// without --dataset; <see cref="Top1FineTuned"/> null without --finetune).
/// </summary>
internal sealed record CompressionSummary(
    string Model, string Method, string Setting,
    long MacsBefore, long MacsAfter, double LatencyMsBefore, double LatencyMsAfter,
    long WeightBytesBefore, long WeightBytesAfter, long FileBytes, long GzipBytes,
    double? Top1Before, double? Top1Compressed, double? Top1FineTuned, int FineTuneEpochs)
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public void Write(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Options));

    /// <summary>Size of <paramref name="file"/> after gzip: what zeroed weights save on disk even when stored dense.</summary>
    public static long GzipSize(string file)
    {
        using var counter = new MemoryStream();
        using (var gzip = new GZipStream(counter, CompressionLevel.Optimal, leaveOpen: true))
        using (var source = File.OpenRead(file))
            source.CopyTo(gzip);
        return counter.Length;
    }
}
