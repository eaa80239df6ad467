using System.CommandLine;
using Bramble.Cli.Options;
using Bramble.Cli.Support;
using Bramble.IO;
using Bramble.Tensors;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble run MODEL --input name=x.npy --output-dir DIR`: runs the model once on .npy inputs and writes
/// every output as DIR/&lt;output name&gt;.npy.
/// </summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var args = new SessionArgs();
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "An input as name=file.npy (repeatable; a bare path for single-input models)",
            Arity = ArgumentArity.OneOrMore,
        };
        var outputDir = new Option<string>("--output-dir", "-o")
        {
            Description = "Directory for the outputs (created if missing); each output is written as <name>.npy",
            Required = true,
        };
        var random = new Option<bool>("--random-inputs")
        {
            Description = "Fill inputs not given with --input with seeded random values (needs bound shapes)",
        };
        var command = new Command("run", "Run a model on .npy inputs and write its outputs as .npy files");
        args.AddTo(command);
        command.Options.Add(inputs);
        command.Options.Add(outputDir);
        command.Options.Add(random);
        command.SetAction(parsed =>
        {
            using var open = args.Open(parsed, context);
            Execute(context, open, parsed.GetValue(inputs) ?? [], parsed.GetRequiredValue(outputDir), parsed.GetValue(random));
            return Cli.ExitOk;
        });
        return command;
    }

    private static void Execute(CliContext context, OpenModel open, string[] inputSpecs, string outputDir, bool randomInputs)
    {
        var files = Specs.ParseInputs(inputSpecs, open.Inputs);
        var tensors = new Dictionary<string, Tensor>();
        Dictionary<string, Tensor>? outputs = null;
        try
        {
            var random = new Random(InputFactory.Seed);
            foreach (var input in open.Inputs)
            {
                if (files.TryGetValue(input.Name, out var path))
                {
                    var t = Npy.Read(path);
                    tensors[input.Name] = t;
                    if (input.Type != DataType.Undefined && t.Type != input.Type)
                        throw new ShapeException($"{path}: input '{input.Name}' expects {input.Type.Name()} but the file holds {t.Type.Name()} (numpy: arr.astype(np.{input.Type.Name()}))");
                }
                else if (randomInputs)
                {
                    var shape = open.BoundShape(input) ?? throw new CliUsageException(
                        $"input '{input.Name}' has shape {input.ShapeText}: bind it with --shape {input.Name}=... to generate random values");
                    tensors[input.Name] = InputFactory.Random(input, shape, random);
                }
                else
                {
                    throw new CliUsageException($"input '{input.Name}' ({input.Type.Name()}{input.ShapeText}) is not given: pass --input {input.Name}=file.npy or --random-inputs");
                }
            }

            var outputNames = open.Session.OutputMetadata.Select(o => o.Name).ToList();
            var targets = OutputFiles(outputNames, outputDir);
            // Never clobber data the user gave us: an output named like an input file would destroy it.
            foreach (var (name, target) in targets)
                foreach (var (inputName, source) in files)
                    if (string.Equals(Path.GetFullPath(source), target, StringComparison.Ordinal))
                        throw new BrambleException($"output '{name}' would overwrite input file {source} (of input '{inputName}'): choose another --output-dir");

            outputs = open.Session.Run(tensors);
            Directory.CreateDirectory(outputDir);
            var table = new Table().AddColumns("output", "type", "shape", "min", "max", "mean", "file");
            foreach (var name in outputNames)
            {
                var t = outputs[name];
                Npy.Write(targets[name], t);
                var (min, max, mean) = Stats(t);
                table.AddRow(InfoCommand.Cells(name, t.Type.Name(), Format.Shape(t.Shape), min, max, mean, targets[name]));
            }
            context.Console.Write(table);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
            if (outputs != null) foreach (var t in outputs.Values) t.Dispose();
        }
    }

    /// <summary>Output name → full path of its file; names are sanitised and made unique.</summary>
    internal static Dictionary<string, string> OutputFiles(IReadOnlyList<string> names, string dir)
    {
        var result = new Dictionary<string, string>();
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < names.Count; i++)
        {
            string stem = Sanitise(names[i]);
            if (stem.Length == 0) stem = $"output_{i}";
            string candidate = stem;
            for (int k = 1; !used.Add(candidate); k++) candidate = $"{stem}_{k}";
            result[names[i]] = Path.GetFullPath(Path.Combine(dir, candidate + ".npy"));
        }
        return result;
    }

    /// <summary>Keeps letters, digits, '-', '_' and '.'; everything else (slashes, colons, spaces) becomes '_'.</summary>
    internal static string Sanitise(string name)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        string s = new string(chars).Trim('.');
        return s;
    }

    private static (string Min, string Max, string Mean) Stats(Tensor t)
    {
        if (t.Length == 0) return ("-", "-", "-");
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        for (long i = 0; i < t.Length; i++)
        {
            double v = t.GetDouble(i);
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
        }
        return (G(min), G(max), G(sum / t.Length));
    }

    private static string G(double v) => v.ToString("G5", System.Globalization.CultureInfo.InvariantCulture);
}
