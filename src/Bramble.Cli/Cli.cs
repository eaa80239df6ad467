using System.CommandLine;
using Bramble.Cli.Commands;

namespace Bramble.Cli;

/// <summary>
/// The `bramble` command: builds the command tree, runs one invocation and turns every failure into one
/// line on stderr. Exit codes: 0 ok, 1 bad input (model, file, shape), 2 usage error, 70 internal error.
/// </summary>
public static class Cli
{
    public const int ExitOk = 0;
    public const int ExitError = 1;
    public const int ExitUsage = 2;
    /// <summary>EX_SOFTWARE from sysexits.h: a bug in Bramble, not in the user's input.</summary>
    public const int ExitInternal = 70;

    // Adding a command = one file in Commands/ plus one line here.
    private static readonly Func<CliContext, Command>[] CommandFactories =
    [
        InfoCommand.Create,
        RunCommand.Create,
        BenchCommand.Create,
        OpsCommand.Create,
        DecomposeCommand.Create,
        CompileCommand.Create,
        DetectCommand.Create,
        ExportCommand.Create,
        ProfileCommand.Create,
        DarknetWeightsCommand.Create,
        QuantizeCommand.Create,
        TrainCommand.Create,
        EvalCommand.Create,
        PruneCommand.Create,
        BinarizeCommand.Create,
    ];

    /// <summary>Runs the CLI in-process with the given writers; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        Run(args, new CliContext(stdout, stderr));

    /// <summary>Runs the CLI with an explicit context (tests inject a model loader through it).</summary>
    internal static int Run(string[] args, CliContext context)
    {
        // A plain command named "bramble" rather than RootCommand, whose name would be the host
        // executable's (testhost under tests, Bramble.Cli under dotnet run).
        var root = new Command("bramble", "Bramble: a CNN inference engine for small CPUs (ONNX and Darknet models).")
        {
            new System.CommandLine.Help.HelpOption(),
            new VersionOption(),
        };
        foreach (var factory in CommandFactories) root.Subcommands.Add(factory(context));

        try
        {
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0 && parsed.Action is not System.CommandLine.Help.HelpAction)
            {
                string message = OneLine(parsed.Errors[0].Message);
                return Fail(context, $"{message} (see 'bramble {CommandPath(parsed)}--help')", ExitUsage);
            }
            var config = new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Err,
                EnableDefaultExceptionHandler = false,
            };
            return parsed.Invoke(config);
        }
        catch (CliUsageException e)
        {
            return Fail(context, OneLine(e.Message), ExitUsage);
        }
        catch (Exception e) when (e is BrambleException or IOException or UnauthorizedAccessException)
        {
            return Fail(context, OneLine(e.Message), ExitError);
        }
        catch (Exception e)
        {
            int code = Fail(context, $"internal error: {e.GetType().Name}: {OneLine(e.Message)} (set BRAMBLE_DEBUG=1 for the stack trace)", ExitInternal);
            if (Environment.GetEnvironmentVariable("BRAMBLE_DEBUG") is "1" or "true") context.Err.WriteLine(e.ToString());
            return code;
        }
    }

    private static string CommandPath(ParseResult parsed)
    {
        var name = parsed.CommandResult.Command;
        return name.Parents.Any() ? name.Name + " " : "";
    }

    private static int Fail(CliContext context, string message, int code)
    {
        context.Err.WriteLine($"bramble: error: {message}");
        context.Err.Flush();
        return code;
    }

    /// <summary>Messages may quote file content or wrap inner errors; stderr gets exactly one line.</summary>
    internal static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>A command line that parses but asks for something inconsistent (exit code 2).</summary>
public sealed class CliUsageException(string message) : Exception(message);
