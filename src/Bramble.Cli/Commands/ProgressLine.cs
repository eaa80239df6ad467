namespace Bramble.Cli.Commands;

/// <summary>Rewrites one line on a terminal; elsewhere (logs, tests) prints roughly every twentieth update.</summary>
internal sealed class ProgressLine(TextWriter writer, bool terminal)
{
    private int _updates;

    /// <summary>A progress line for <paramref name="context"/>'s standard output (rewritten in place on a terminal).</summary>
    public static ProgressLine For(CliContext context) =>
        new(context.Out, ReferenceEquals(context.Out, Console.Out) && !Console.IsOutputRedirected);

    public void Update(string text, bool final)
    {
        if (terminal)
        {
            writer.Write("\r" + text.PadRight(110));
            if (final) writer.WriteLine();
        }
        else if (final || ++_updates % 20 == 0) writer.WriteLine(text);
    }

    /// <summary>A 24-character bar: [#####.....].</summary>
    public static string Bar(int done, int total)
    {
        const int width = 24;
        int filled = total == 0 ? width : (int)((long)Math.Clamp(done, 0, total) * width / total);
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }
}
