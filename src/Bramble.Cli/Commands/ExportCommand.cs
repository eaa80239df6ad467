using System.CommandLine;
using Bramble.Cli.Options;
using Bramble.Cli.Support;
using Bramble.Import.Onnx;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble export MODEL -o out.onnx`: saves any model Bramble loads (a Darknet cfg+weights, an ONNX file) as
/// ONNX, so ONNX Runtime and other tools can run it. A Darknet model keeps its detection heads as metadata,
/// so `bramble detect` works on the exported file too.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(CliContext context)
    {
        var args = new SessionArgs();
        var output = new Option<string>("--output", "-o") { Description = "The ONNX file to write", Required = true };
        var command = new Command("export", "Save a model (Darknet or ONNX) as an ONNX file");
        command.Arguments.Add(args.Model);
        command.Options.Add(output);
        command.SetAction(parsed =>
        {
            string target = parsed.GetRequiredValue(output);
            string source = parsed.GetRequiredValue(args.Model);
            foreach (var input in InputFiles(source))
                if (SamePath(input, target))
                    throw new BrambleException($"{target}: refusing to overwrite the input file {input}; choose another -o");
            var (path, model) = args.LoadModel(parsed, context);
            using (model)
            {
                OnnxWriter.Save(model, target);
                long bytes = new FileInfo(target).Length;
                context.Out.WriteLine($"exported {path} ({model.Graph.Nodes.Count} nodes, {Format.Bytes(model.Graph.WeightBytes)} of weights) to {target} ({Format.Bytes(bytes)})");
            }
            return Cli.ExitOk;
        });
        return command;
    }

    /// <summary>Files the model is read from: the file itself, and for a Darknet cfg the .weights beside it.</summary>
    private static IEnumerable<string> InputFiles(string model)
    {
        yield return model;
        if (Path.GetExtension(model).Equals(".cfg", StringComparison.OrdinalIgnoreCase))
            yield return Path.ChangeExtension(model, ".weights");
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
}
