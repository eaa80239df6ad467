using System.CommandLine;
using Bramble.Cli.Options;
using Bramble.Cli.Support;
using Bramble.Graph;
using Bramble.Ops;
using Bramble.Runtime;
using Bramble.Tensors;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble info MODEL`: inputs and outputs, operator counts, parameters, weight bytes, and for bound
/// input shapes the planned per-node multiply-accumulates and arena size. A model with unsupported
/// operators is still described (they are marked), then reported as the one-line error.
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
            var (path, model) = args.LoadModel(parsed, context);
            using (model)
            {
                var shapes = args.InputShapes(parsed, model);
                // Each unsupported op type with the first node that uses it, so the error says where.
                var unsupported = model.Graph.Nodes
                    .Where(n => !OpRegistry.IsSupported(n.Domain, n.OpType))
                    .GroupBy(OpKey).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => $"{g.Key} at node '{g.First().DisplayName}'").ToList();
                using var session = unsupported.Count == 0 ? args.CreateSession(parsed, model) : null;
                Print(context, path, model, shapes, session, parsed.GetValue(allNodes));
                if (unsupported.Count > 0)
                    throw new UnsupportedOperatorException(
                        $"{path}: unsupported operator{(unsupported.Count > 1 ? "s" : "")} {string.Join(", ", unsupported)} (opset {model.OpsetFor("")}); see 'bramble ops'");
            }
            return Cli.ExitOk;
        });
        return command;
    }

    private static void Print(CliContext context, string path, Model model, Dictionary<string, int[]> bindings,
        InferenceSession? session, bool allNodes)
    {
        var console = context.Console;
        var graph = model.Graph;
        console.WriteLine($"Model: {path}");
        console.WriteLine($"Producer: {model.ProducerName} {model.ProducerVersion}".TrimEnd() +
            $"; opsets: {string.Join(", ", model.Opsets.Select(o => $"{(o.Key.Length == 0 ? "ai.onnx" : o.Key)} {o.Value}"))}");

        var inputs = graph.RealInputs.ToList();
        var shapes = inputs.Select(i => bindings.TryGetValue(i.Name, out var s) ? s : i.StaticShape).ToArray();
        ExecutionPlan? plan = session != null && shapes.All(s => s != null) ? session.PlanFor(shapes!) : null;
        var outputShapes = new Dictionary<string, int[]>();
        if (plan != null)
            foreach (int id in plan.GraphOutputIds) outputShapes[plan.Values[id].Name] = plan.Values[id].Shape;

        var io = new Table().AddColumns("", "name", "type", "declared shape", "bound shape");
        foreach (var (input, bound) in inputs.Zip(shapes))
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
        var ops = new Table().AddColumns("op type", "nodes", "MACs", "supported");
        foreach (var group in graph.Nodes.GroupBy(OpKey).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            bool supported = OpRegistry.IsSupported(group.First().Domain, group.First().OpType);
            ops.AddRow(Cells(group.Key, group.Count().ToString(),
                plan == null ? "-" : Format.Count(macsByType.GetValueOrDefault(group.Key)), supported ? "yes" : "NO"));
        }
        console.Write(ops);

        // Exporters such as paddle2onnx store weights as Constant nodes rather than initializers: count both.
        long parameters = graph.Initializers.Values.Sum(t => t.Length);
        long weightBytes = graph.WeightBytes;
        foreach (var node in graph.Nodes)
            if (node.OpType == "Constant" && node.GetTensor("value") is { } value)
            {
                parameters += value.Length;
                weightBytes += value.ByteLength;
            }
        if (session != null) BinaryLayersInfo.Print(console, session);
        console.WriteLine($"Nodes: {graph.Nodes.Count}   Parameters: {parameters:N0} ({Format.Count(parameters)})   Weights: {Format.Bytes(weightBytes)}");
        if (plan == null)
        {
            string why = session == null ? "the model has unsupported operators"
                : shapes.Any(s => s == null) ? "bind the symbolic input dimensions with --shape to see MACs and memory"
                : "shapes depend on run-time values, so this model runs dynamically (no static plan, no MAC count)";
            console.WriteLine($"MACs: unknown ({why})");
            return;
        }
        console.WriteLine($"MACs: {plan.TotalMacs:N0} ({Format.Count(plan.TotalMacs)})   Planned steps: {plan.Steps.Length} of {graph.Nodes.Count} nodes (the rest folded or fused at load)");
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
        console.WriteLine(allNodes ? "Planned nodes:" : "Heaviest nodes (all of them with --nodes):");
        console.Write(nodes);
    }

    private static string OpKey(Node node) =>
        (node.Domain.Length == 0 || node.Domain == "ai.onnx" ? "" : node.Domain + ".") + node.OpType;

    /// <summary>Plain-text cells: model names may contain '[' which Spectre would read as markup.</summary>
    internal static Text[] Cells(params string[] texts) => texts.Select(t => new Text(t)).ToArray();
}
