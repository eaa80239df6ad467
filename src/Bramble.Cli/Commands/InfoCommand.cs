using System.CommandLine;
using Bramble.Cli.Options;
using Bramble.Cli.Support;
using Bramble.Runtime;
using Bramble.Tensors;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble info MODEL`: inputs and outputs, operator counts, parameters, weight bytes, and for bound
/// input shapes the planned per-node multiply-accumulates and arena size.
/// </summary>
internal static class InfoCommand
{
    private const int HeaviestNodes = 10;

    public static Command Create(CliContext context)
    {
        var args = new SessionArgs();
        var allNodes = new Option<bool>("--nodes") { Description = $"List every planned node with its MACs (default: the {HeaviestNodes} heaviest)" };
        var command = new Command("info", "Show a model's inputs, outputs, operators, parameters and MACs");
        args.AddTo(command);
        command.Options.Add(allNodes);
        command.SetAction(parsed =>
        {
            using var open = args.Open(parsed, context);
            Print(context, open, parsed.GetValue(allNodes));
            return Cli.ExitOk;
        });
        return command;
    }

    private static void Print(CliContext context, OpenModel open, bool allNodes)
    {
        var console = context.Console;
        var model = open.Model;
        var graph = model.Graph;
        console.WriteLine($"Model: {open.Path}");
        console.WriteLine($"Producer: {model.ProducerName} {model.ProducerVersion}".TrimEnd() +
            $"; opsets: {string.Join(", ", model.Opsets.Select(o => $"{(o.Key.Length == 0 ? "ai.onnx" : o.Key)} {o.Value}"))}");

        var shapes = open.Inputs.Select(open.BoundShape).ToArray();
        ExecutionPlan? plan = shapes.All(s => s != null) ? open.Session.PlanFor(shapes!) : null;
        var outputShapes = new Dictionary<string, int[]>();
        if (plan != null)
            foreach (int id in plan.GraphOutputIds) outputShapes[plan.Values[id].Name] = plan.Values[id].Shape;

        var io = new Table().AddColumns("", "name", "type", "declared shape", "bound shape");
        foreach (var (input, bound) in open.Inputs.Zip(shapes))
            io.AddRow(Cells("input", input.Name, input.Type.Name(), input.ShapeText, bound == null ? "(use --shape)" : Format.Shape(bound)));
        foreach (var output in graph.Outputs)
            io.AddRow(Cells("output", output.Name, output.Type.Name(), output.ShapeText,
                outputShapes.TryGetValue(output.Name, out var s) ? Format.Shape(s) : "-"));
        console.Write(io);

        // MACs per op type come from the plan; folded nodes are gone from it and cost nothing per run.
        var macsByType = new Dictionary<string, long>();
        if (plan != null)
            foreach (var step in plan.Steps)
                macsByType[OpKey(step.Op.Node)] = macsByType.GetValueOrDefault(OpKey(step.Op.Node)) + step.Macs;
        var ops = new Table().AddColumns("op type", "nodes", "MACs");
        foreach (var group in graph.Nodes.GroupBy(OpKey)
                     .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
            ops.AddRow(Cells(group.Key, group.Count().ToString(),
                plan == null ? "-" : Format.Count(macsByType.GetValueOrDefault(group.Key))));
        console.Write(ops);

        long parameters = graph.Initializers.Values.Sum(t => t.Length);
        console.WriteLine($"Nodes: {graph.Nodes.Count}   Parameters: {parameters:N0} ({Format.Count(parameters)})   Weights: {Format.Bytes(graph.WeightBytes)}");
        if (plan == null)
        {
            string why = shapes.Any(s => s == null)
                ? "bind the symbolic input dimensions with --shape to see MACs and memory"
                : "shapes depend on run-time values, so this model runs dynamically (no static plan, no MAC count)";
            console.WriteLine($"MACs: unknown ({why})");
            return;
        }
        console.WriteLine($"MACs: {plan.TotalMacs:N0} ({Format.Count(plan.TotalMacs)})   Planned steps: {plan.Steps.Length} ({graph.Nodes.Count - plan.Steps.Length} folded at load)");
        console.WriteLine($"Arena: {Format.Bytes(plan.ArenaBytes)} (theoretical minimum {Format.Bytes(plan.TheoreticalMinimumBytes)})");

        var steps = plan.Steps.Select((step, index) => (step, index)).ToList();
        if (!allNodes) steps = steps.Where(s => s.step.Macs > 0).OrderByDescending(s => s.step.Macs).Take(HeaviestNodes).OrderBy(s => s.index).ToList();
        if (steps.Count == 0) return;
        var nodes = new Table().AddColumns("#", "node", "op", "output shape", "MACs", "share");
        foreach (var (step, index) in steps)
        {
            int output = step.Outputs.FirstOrDefault(o => o >= 0, -1);
            nodes.AddRow(Cells(index.ToString(), step.Op.Node.DisplayName, step.Op.Node.OpType,
                output < 0 ? "-" : Format.Shape(plan.Values[output].Shape),
                step.Macs.ToString("N0"),
                plan.TotalMacs == 0 ? "-" : (100.0 * step.Macs / plan.TotalMacs).ToString("0.0") + "%"));
        }
        console.WriteLine(allNodes ? "Planned nodes:" : $"Heaviest nodes (all of them with --nodes):");
        console.Write(nodes);
    }

    private static string OpKey(Bramble.Graph.Node node) =>
        (node.Domain.Length == 0 || node.Domain == "ai.onnx" ? "" : node.Domain + ".") + node.OpType;

    /// <summary>Plain-text cells: model names may contain '[' which Spectre would read as markup.</summary>
    internal static Text[] Cells(params string[] texts) => texts.Select(t => new Text(t)).ToArray();
}
