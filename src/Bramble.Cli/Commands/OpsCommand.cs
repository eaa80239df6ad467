using System.CommandLine;
using Bramble.Ops;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>`bramble ops`: the operators this build supports (the README's table is generated with --markdown).</summary>
internal static class OpsCommand
{
    public static Command Create(CliContext context)
    {
        var markdown = new Option<bool>("--markdown") { Description = "Print a Markdown table (for the README)" };
        var command = new Command("ops", "List the supported operators");
        command.Options.Add(markdown);
        command.SetAction(parsed =>
        {
            var byDomain = OpRegistry.Supported
                .GroupBy(s => s.Domain.Length == 0 ? "ai.onnx" : s.Domain)
                .ToList();
            if (parsed.GetValue(markdown))
            {
                context.Out.WriteLine("| domain | operators |");
                context.Out.WriteLine("|---|---|");
                foreach (var g in byDomain)
                    context.Out.WriteLine($"| {g.Key} | {string.Join(", ", g.Select(s => s.OpType))} |");
            }
            else
            {
                var table = new Table().AddColumns("domain", "count", "operators");
                foreach (var g in byDomain)
                    table.AddRow(InfoCommand.Cells(g.Key, g.Count().ToString(), string.Join(", ", g.Select(s => s.OpType))));
                context.Console.Write(table);
            }
            context.Out.WriteLine($"{OpRegistry.Supported.Count()} operators supported.");
            return Cli.ExitOk;
        });
        return command;
    }
}
