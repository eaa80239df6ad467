using System.CommandLine;
using Bramble.Cli.Options;
using Bramble.Compilation;
using Bramble.Kernels;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble compile MODEL -o OUT`: turns a model into generated C# (kept in OUT/src) and publishes it as
/// one self-contained executable OUT/NAME with the weights appended as read-only data (or, with
/// --library, a class library OUT/NAME.dll with a typed Run method).
/// </summary>
internal static class CompileCommand
{
    public static Command Create(CliContext context)
    {
        var args = new SessionArgs();
        var output = new Option<string>("--output", "-o")
        {
            Description = "Output directory: the executable (or library) goes here, the generated project into OUT/src",
            Required = true,
        };
        var name = new Option<string>("--name")
        {
            Description = "Class and executable name (default: from the model's file name)",
        };
        var library = new Option<bool>("--library")
        {
            Description = "Emit a class library with a typed Run method instead of an executable",
        };
        var aot = new Option<string>("--aot")
        {
            Description = "Back end: r2r (ReadyToRun, single file, trimmed) or native (Native AOT; needs the ILCompiler pack)",
            DefaultValueFactory = _ => "r2r",
        };
        aot.AcceptOnlyFromAmong("r2r", "native");
        var sourceOnly = new Option<bool>("--source-only")
        {
            Description = "Write the generated project without publishing it",
        };
        var brambleProject = new Option<string>("--bramble-project")
        {
            Description = "Path of Bramble.csproj the generated project references (default: found from the current directory upwards, or $BRAMBLE_PROJECT)",
        };
        var command = new Command("compile", "Compile a model into one self-contained executable (generated C#, weights as read-only data)");
        args.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(name);
        command.Options.Add(library);
        command.Options.Add(aot);
        command.Options.Add(sourceOnly);
        command.Options.Add(brambleProject);
        command.SetAction(parsed =>
        {
            var (path, model) = args.LoadModel(parsed, context);
            using (model)
            {
                bool native = parsed.GetValue(aot) == "native";
                var options = new CompileOptions
                {
                    Name = parsed.GetValue(name) ?? "",
                    Threads = parsed.GetValue(args.Threads),
                    MaxIsa = CpuFeatures.Parse(parsed.GetValue(args.Isa) ?? "best"),
                    ReferenceKernels = parsed.GetValue(args.ReferenceKernels),
                    InputShapes = args.InputShapes(parsed, model),
                    Library = parsed.GetValue(library),
                    Backend = parsed.GetValue(sourceOnly) ? CompileBackend.SourceOnly : native ? CompileBackend.NativeAot : CompileBackend.ReadyToRun,
                    BrambleProject = parsed.GetValue(brambleProject) ?? FindBrambleProject(),
                };
                if (native && options.Library) throw new CliUsageException("--aot native makes executables; a --library is an ordinary .NET assembly");
                string outDir = parsed.GetRequiredValue(output);
                var result = ModelCompiler.Compile(model, options, outDir);
                var o = context.Out;
                o.WriteLine($"{path}: {result.Steps} steps, weights {Mb(result.WeightBytes)} ({Mb(result.PackedWeightBytes)} packed for the kernels), arena {Mb(result.ArenaBytes)}");
                o.WriteLine($"generated {result.SourceFile} in {result.GenerateTime.TotalSeconds:F1} s");
                if (result.Artifact != null)
                    o.WriteLine($"published {result.Artifact} ({Mb(new FileInfo(result.Artifact).Length)}) in {result.PublishTime.TotalSeconds:F0} s, {result.Warnings.Count} warnings");
                foreach (var w in result.Warnings) context.Err.WriteLine(w);
            }
            return Cli.ExitOk;
        });
        return command;
    }

    private static string Mb(long bytes) => FormattableString.Invariant($"{bytes / 1048576.0:F1} MB");

    /// <summary>$BRAMBLE_PROJECT, else src/Bramble/Bramble.csproj in the current directory or any parent, else beside this program.</summary>
    internal static string FindBrambleProject()
    {
        if (Environment.GetEnvironmentVariable("BRAMBLE_PROJECT") is { Length: > 0 } env) return env;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "src", "Bramble", "Bramble.csproj");
                if (File.Exists(candidate)) return candidate;
            }
        throw new CliUsageException("cannot find src/Bramble/Bramble.csproj: run from the Bramble repository or pass --bramble-project PATH");
    }
}
