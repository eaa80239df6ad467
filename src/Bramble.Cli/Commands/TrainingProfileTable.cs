using System.Globalization;
using Bramble.Cli.Support;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>`bramble train --profile`: where a training step's time went, by operator type and by node.</summary>
internal static class TrainingProfileTable
{
    private const int TopNodes = 15;

    public static void Write(CliContext context, IReadOnlyList<(string Node, string OpType, double ForwardMs, double BackwardMs)> rows)
    {
        double total = rows.Sum(r => r.ForwardMs + r.BackwardMs);
        string Share(double ms) => (total > 0 ? ms / total : 0).ToString("P1", CultureInfo.InvariantCulture);

        var byType = new Table().AddColumns("op", "nodes", "forward ms", "backward ms", "share");
        foreach (var g in rows.GroupBy(r => r.OpType).OrderByDescending(g => g.Sum(r => r.ForwardMs + r.BackwardMs)))
        {
            double f = g.Sum(r => r.ForwardMs), b = g.Sum(r => r.BackwardMs);
            byType.AddRow(InfoCommand.Cells(g.Key, g.Count().ToString(CultureInfo.InvariantCulture), Format.Ms(f), Format.Ms(b), Share(f + b)));
        }
        context.Console.Write(byType);

        var byNode = new Table().AddColumns("node", "op", "forward ms", "backward ms", "share");
        foreach (var r in rows.OrderByDescending(r => r.ForwardMs + r.BackwardMs).Take(TopNodes))
            byNode.AddRow(InfoCommand.Cells(r.Node, r.OpType, Format.Ms(r.ForwardMs), Format.Ms(r.BackwardMs), Share(r.ForwardMs + r.BackwardMs)));
        context.Console.Write(byNode);
        context.Out.WriteLine($"op time {Format.Ms(total)} ms in all; the rest of the run is data loading, the loss, the optimiser and the test passes");
    }
}
