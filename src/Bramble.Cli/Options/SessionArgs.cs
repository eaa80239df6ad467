using System.CommandLine;
using System.Diagnostics;
using Bramble.Graph;
using Bramble.Kernels;
using Bramble.Runtime;

namespace Bramble.Cli.Options;

/// <summary>
/// The model argument and the options every model-running command shares (--shape, --threads, --isa,
/// --reference-kernels), and the code that turns them into an open session.
/// </summary>
internal sealed class SessionArgs
{
    public Argument<string> Model { get; } = new("model")
    {
        Description = "Model file: .onnx, or a Darknet .cfg with its .weights beside it",
    };

    public Option<string[]> Shape { get; } = new("--shape", "-s")
    {
        Description = "Bind an input's shape, e.g. x=1x3x640x640 (repeatable; the name may be left out for single-input models)",
        Arity = ArgumentArity.OneOrMore,
    };

    public Option<int> Threads { get; } = new("--threads", "-t")
    {
        Description = "Worker threads, including the caller's (default: all cores)",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public Option<string> Isa { get; } = new("--isa")
    {
        Description = "Widest SIMD level kernels may use: scalar, vector128, vector256, vector512, best",
        DefaultValueFactory = _ => "best",
    };

    public Option<bool> ReferenceKernels { get; } = new("--reference-kernels")
    {
        Description = "Run every operator with its slow, obviously correct reference kernel",
    };

    public void AddTo(Command command)
    {
        command.Arguments.Add(Model);
        command.Options.Add(Shape);
        command.Options.Add(Threads);
        command.Options.Add(Isa);
        command.Options.Add(ReferenceKernels);
        Isa.Validators.Add(r =>
        {
            try
            {
                if (r.Tokens.Count > 0) CpuFeatures.Parse(r.Tokens[^1].Value);
            }
            catch (BrambleException e)
            {
                r.AddError(e.Message);
            }
        });
        Validation.AtLeast(Threads, 1);
    }

    /// <summary>A --shape may bind symbolic dimensions, never contradict fixed ones.</summary>
    private static void CheckAgainstDeclared(Dictionary<string, int[]> shapes, List<ValueInfo> inputs)
    {
        foreach (var input in inputs)
        {
            if (!shapes.TryGetValue(input.Name, out var bound) || input.Shape == null) continue;
            bool ok = bound.Length == input.Shape.Length;
            for (int d = 0; ok && d < bound.Length; d++)
                ok = !input.Shape[d].IsFixed || input.Shape[d].Value == bound[d];
            if (!ok)
                throw new ShapeException($"--shape {input.Name}={string.Join("x", bound)} does not fit the declared shape {input.ShapeText} of input '{input.Name}'");
        }
    }

    /// <summary>Loads the model and creates a session; the returned object owns both.</summary>
    public OpenModel Open(ParseResult parsed, CliContext context)
    {
        var clock = Stopwatch.StartNew();
        var (path, model) = LoadModel(parsed, context);
        try
        {
            // The session takes the model over, so it may hold packed weights without their originals.
            var session = CreateSession(parsed, model, ownsModel: true);
            return new OpenModel(path, model, session, clock.Elapsed.TotalMilliseconds);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Reads the model file named on the command line.</summary>
    public (string Path, Model Model) LoadModel(ParseResult parsed, CliContext context)
    {
        string path = parsed.GetRequiredValue(Model);
        return (path, context.LoadModel(path));
    }

    /// <summary>The --shape bindings, checked against the model's inputs.</summary>
    public Dictionary<string, int[]> InputShapes(ParseResult parsed, Model model)
    {
        var inputs = model.Graph.RealInputs.ToList();
        var shapes = Specs.ParseShapes(parsed.GetValue(Shape) ?? [], inputs);
        CheckAgainstDeclared(shapes, inputs);
        return shapes;
    }

    /// <summary>A session over <paramref name="model"/> with the command line's options (owning the model only when asked).</summary>
    public InferenceSession CreateSession(ParseResult parsed, Model model, bool ownsModel = false) =>
        new(model, SessionOptions(parsed, model), ownsModel);

    /// <summary>The command line's session options (threads, ISA cap, reference kernels, bound shapes) for <paramref name="model"/>.</summary>
    public SessionOptions SessionOptions(ParseResult parsed, Model model) => new()
    {
        Threads = parsed.GetValue(Threads),
        MaxIsa = CpuFeatures.Parse(parsed.GetValue(Isa) ?? "best"),
        ReferenceKernels = parsed.GetValue(ReferenceKernels),
        InputShapes = InputShapes(parsed, model),
    };
}

/// <summary>A loaded model with its session, and how long loading and planning took.</summary>
internal sealed class OpenModel(string path, Model model, InferenceSession session, double loadMs) : IDisposable
{
    public string Path { get; } = path;
    public Model Model { get; } = model;
    public InferenceSession Session { get; } = session;
    public double LoadMilliseconds { get; } = loadMs;

    public IReadOnlyList<ValueInfo> Inputs => Session.InputMetadata;

    /// <summary>An input's shape with --shape bindings applied; null while a dimension is symbolic.</summary>
    public int[]? BoundShape(ValueInfo input) =>
        Session.Options.InputShapes.TryGetValue(input.Name, out var s) ? s : input.StaticShape;

    /// <summary>All input shapes, or an error naming the first input whose dimensions are still symbolic.</summary>
    public int[][] RequireBoundShapes()
    {
        var shapes = new int[Inputs.Count][];
        for (int i = 0; i < shapes.Length; i++)
            shapes[i] = BoundShape(Inputs[i]) ?? throw new CliUsageException(
                $"input '{Inputs[i].Name}' has shape {Inputs[i].ShapeText} with symbolic dimensions: bind it with --shape {Inputs[i].Name}=1x...");
        return shapes;
    }

    public void Dispose()
    {
        Session.Dispose();
        Model.Dispose();
    }
}
