namespace Bramble.Cli.Commands;

/// <summary>The progress display of commands that train (train, binarize): a text bar and a self-rewriting line.</summary>
internal static class TrainingProgress
{
    /// <summary>A progress line on <paramref name="writer"/>, rewriting itself when that is the terminal.</summary>
    public static ProgressLine Line(TextWriter writer) => new(writer, ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected);

    public static string Bar(int done, int total)
    {
        const int width = 24;
        int filled = total == 0 ? width : (int)((long)done * width / total);
        return "[" + new string('#', filled) + new string('.', width - filled) + "]";
    }

    /// <summary>Rewrites one line on a terminal; elsewhere (logs, tests) prints roughly every tenth update.</summary>
    public sealed class ProgressLine(TextWriter writer, bool terminal)
    {
        private int _updates;

        public void Update(string text, bool final)
        {
            if (terminal)
            {
                writer.Write("\r" + text.PadRight(110));
                if (final) writer.WriteLine();
            }
            else if (final || ++_updates % 20 == 0) writer.WriteLine(text);
        }
    }
}
