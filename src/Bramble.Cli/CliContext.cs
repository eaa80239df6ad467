using Bramble.Graph;
using Bramble.Import;
using Spectre.Console;

namespace Bramble.Cli;

/// <summary>What commands write to and how they open models; one per invocation.</summary>
internal sealed class CliContext
{
    public CliContext(TextWriter stdout, TextWriter stderr, Func<string, Model>? loadModel = null)
    {
        Out = stdout;
        Err = stderr;
        LoadModel = loadModel ?? ModelLoader.Load;
        bool terminal = ReferenceEquals(stdout, System.Console.Out) && !System.Console.IsOutputRedirected;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(stdout),
        });
        // Redirected output (files, CI logs, tests) has no width; wide tables must not wrap mid-cell.
        if (!terminal) Console.Profile.Width = 160;
    }

    public TextWriter Out { get; }
    public TextWriter Err { get; }

    /// <summary>Tables and rules go through Spectre.Console bound to <see cref="Out"/>.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>Opens a model file; tests replace it to run commands on models built in code.</summary>
    public Func<string, Model> LoadModel { get; }
}
