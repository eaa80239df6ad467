using System.Diagnostics;
using Bramble.Graph;
using Bramble.Runtime;

namespace Bramble.Compilation;

/// <summary>What <see cref="ModelCompiler"/> produced.</summary>
public sealed record CompileResult
{
    /// <summary>The generated C# project (kept so people can read it).</summary>
    public required string ProjectDirectory { get; init; }
    public required string SourceFile { get; init; }
    /// <summary>The published executable or library; null for <see cref="CompileBackend.SourceOnly"/>.</summary>
    public string? Artifact { get; init; }
    public required string TypeName { get; init; }
    public long WeightBytes { get; init; }
    /// <summary>Bytes of <see cref="WeightBytes"/> that hold kernels' prepared (packed) weights rather than originals.</summary>
    public long PackedWeightBytes { get; init; }
    public long ArenaBytes { get; init; }
    public int Steps { get; init; }
    /// <summary>Compiler warnings of the publish (trim/AOT analyzers included); expected empty.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public TimeSpan GenerateTime { get; init; }
    public TimeSpan PublishTime { get; init; }
}

/// <summary>
/// `bramble compile`: plans a model exactly as <see cref="InferenceSession"/> would (same passes, same
/// kernels, so the same floats), writes the plan as a C# project whose Run is a fixed sequence of kernel
/// calls over constant shapes and arena offsets with the weights in one read-only blob, and publishes it
/// as one self-contained executable (or builds it as a class library).
/// </summary>
public static class ModelCompiler
{
    /// <summary>Generates the project in <paramref name="outputDir"/>/src and publishes it into <paramref name="outputDir"/>.</summary>
    public static CompileResult Compile(Model model, CompileOptions options, string outputDir)
    {
        // dotnet runs in the project directory: a relative output directory would land inside it.
        outputDir = Path.GetFullPath(outputDir);
        var clock = Stopwatch.StartNew();
        var generated = Generate(model, options, Path.Combine(outputDir, "src"));
        var generateTime = clock.Elapsed;
        if (options.Backend == CompileBackend.SourceOnly) return generated with { GenerateTime = generateTime };

        clock.Restart();
        string? artifact;
        DotnetPublisher.Result published;
        if (options.Library)
        {
            published = DotnetPublisher.Run(generated.ProjectDirectory, "build", outputDir, options);
            artifact = Path.Combine(outputDir, generated.TypeName + ".dll");
        }
        else
        {
            string staging = Path.Combine(outputDir, "src", "publish");
            published = DotnetPublisher.Run(generated.ProjectDirectory, "publish", staging, options);
            string exe = Path.Combine(staging, generated.TypeName);
            if (!File.Exists(exe)) throw new BrambleException($"dotnet publish reported success but wrote no {exe}");
            artifact = Path.Combine(outputDir, generated.TypeName);
            File.Move(exe, artifact, overwrite: true);
            Directory.Delete(staging, recursive: true);
            // The weights go after the bundle, where WeightImage maps them from.
            if (generated.WeightBytes > 0)
            {
                using var blob = File.OpenRead(Path.Combine(generated.ProjectDirectory, generated.TypeName + ".weights"));
                AppendBlob(artifact, blob, generated.WeightBytes);
            }
        }
        return generated with
        {
            Artifact = artifact,
            Warnings = published.Warnings,
            GenerateTime = generateTime,
            PublishTime = clock.Elapsed,
        };
    }

    /// <summary>Writes the C# project (sources, .csproj, NAME.weights) into <paramref name="projectDir"/> without building it.</summary>
    public static CompileResult Generate(Model model, CompileOptions options, string projectDir)
    {
        string typeName = TypeNameFor(model, options);
        using var session = new InferenceSession(model, options.ToSessionOptions());
        var shapes = new int[session.InputMetadata.Count][];
        for (int i = 0; i < shapes.Length; i++)
        {
            var input = session.InputMetadata[i];
            shapes[i] = options.InputShapes.TryGetValue(input.Name, out var bound) ? bound : input.StaticShape
                ?? throw new ShapeException($"compile: input '{input.Name}' has shape {input.ShapeText} with symbolic dimensions: bind it with --shape {input.Name}=1x...");
        }
        var plan = session.PlanFor(shapes)
            ?? throw new ShapeException($"compile: {model.Source} has shapes that depend on values known only at run time, so it cannot be planned statically");

        using var blob = new WeightBlobBuilder();
        var writer = new ModelSourceWriter(plan, session.Model, options, typeName, blob);
        string source = writer.Write();

        Directory.CreateDirectory(projectDir);
        string sourceFile = Path.Combine(projectDir, typeName + ".g.cs");
        File.WriteAllText(sourceFile, source);
        using (var weights = new FileStream(Path.Combine(projectDir, typeName + ".weights"), FileMode.Create, FileAccess.Write))
            blob.WriteTo(weights);
        string brambleProject = Path.GetFullPath(options.BrambleProject);
        if (!File.Exists(brambleProject))
            throw new BrambleException($"compile: Bramble project {brambleProject} not found (set it with --bramble-project)");
        File.WriteAllText(Path.Combine(projectDir, typeName + ".csproj"), ProjectWriter.Csproj(options, typeName, brambleProject));
        string program = Path.Combine(projectDir, "Program.cs");
        if (options.Library) File.Delete(program);
        else File.WriteAllText(program, ProjectWriter.Program(typeName));

        return new CompileResult
        {
            ProjectDirectory = projectDir,
            SourceFile = sourceFile,
            TypeName = typeName,
            WeightBytes = blob.Length,
            PackedWeightBytes = writer.PackedBytes,
            ArenaBytes = writer.ArenaBytes,
            Steps = writer.StepCount,
        };
    }

    internal static void AppendBlob(string executable, Stream blob, long length)
    {
        using var stream = new FileStream(executable, FileMode.Open, FileAccess.ReadWrite);
        long start = (stream.Length + 4095) / 4096 * 4096;
        stream.Position = stream.Length;
        stream.Write(new byte[start - stream.Length]);
        blob.CopyTo(stream);
        Span<byte> trailer = stackalloc byte[WeightImage.TrailerBytes];
        trailer.Clear();
        WeightImage.TrailerMagic.CopyTo(trailer);
        BitConverter.TryWriteBytes(trailer[8..16], start);
        BitConverter.TryWriteBytes(trailer[16..24], length);
        stream.Write(trailer);
    }

    /// <summary>The class and assembly name: --name if given (must be an identifier), else from the model's file name.</summary>
    internal static string TypeNameFor(Model model, CompileOptions options)
    {
        if (options.Name.Length == 0)
            return CSharpLiteral.TypeName(Path.GetFileNameWithoutExtension(model.Source));
        if (!char.IsAsciiLetter(options.Name[0]) || !options.Name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            throw new BrambleException($"--name '{options.Name}': use letters, digits and '_', starting with a letter (it becomes a C# class name)");
        return options.Name;
    }
}
