using System.Diagnostics;
using System.Globalization;
using Bramble.IO;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Vision.Detection;
using Bramble.Vision.Imaging;

namespace Bramble.Compilation;

/// <summary>
/// The command line of a compiled executable, shaped like `bramble run`:
/// <c>MODEL-EXE [--input name=x.npy]... [--image photo.jpg] [--output-dir DIR] [--bench N] [--random-inputs]</c>.
/// Hand-parsed (no reflection, nothing for the trimmer to keep). Exit codes follow `bramble`: 0 ok, 1 bad
/// input, 2 usage error, 70 internal error.
/// </summary>
public static class CompiledProgram
{
    private sealed class Arguments
    {
        public readonly List<string> Inputs = new();
        public string? Image;
        public string? OutputDir;
        public int Bench;
        public bool RandomInputs;
        public float Threshold = 0.5f;
        public bool Help;
    }

    private sealed class UsageException(string message) : Exception(message);

    /// <summary>Runs the program for a model made by <paramref name="create"/>; returns the exit code.</summary>
    public static int Main(string[] args, Func<CompiledModel> create, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        string program = Path.GetFileName(Environment.ProcessPath ?? "model");
        try
        {
            var parsed = Parse(args);
            if (parsed.Help)
            {
                stdout.WriteLine($"usage: {program} [--input name=x.npy]... [--image photo.jpg] [--output-dir DIR] [--bench N] [--random-inputs] [--threshold T]");
                return 0;
            }
            var clock = Stopwatch.StartNew();
            using var model = create();
            double loadMs = clock.Elapsed.TotalMilliseconds;
            var loadJit = JitTotals.Now();
            var image = FillInputs(model, parsed);
            model.Run();
            double firstMs = clock.Elapsed.TotalMilliseconds;
            double sinceStart = (DateTime.Now - Process.GetCurrentProcess().StartTime).TotalMilliseconds;
            var firstJit = JitTotals.Now();
            if (parsed.OutputDir != null) WriteOutputs(model, parsed.OutputDir, stdout);
            if (image != null) PrintDetections(model, image.Value, parsed.Threshold, stdout);
            if (parsed.Bench > 0) Bench(model, parsed.Bench, loadMs, firstMs, sinceStart, loadJit, firstJit, stdout);
            return 0;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"{program}: {e.Message} (see --help)");
            return 2;
        }
        catch (Exception e) when (e is BrambleException or IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"{program}: {OneLine(e.Message)}");
            return 1;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"{program}: internal error: {e.GetType().Name}: {OneLine(e.Message)}");
            return 70;
        }
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ");

    private static Arguments Parse(string[] args)
    {
        var a = new Arguments();
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{arg} needs a value");
            switch (arg)
            {
                case "--input" or "-i": a.Inputs.Add(Value()); break;
                case "--image": a.Image = Value(); break;
                case "--output-dir" or "-o": a.OutputDir = Value(); break;
                case "--random-inputs": a.RandomInputs = true; break;
                case "--help" or "-h": a.Help = true; break;
                case "--bench":
                    if (!int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out a.Bench) || a.Bench < 1)
                        throw new UsageException($"--bench '{args[i]}': expected a positive number of runs");
                    break;
                case "--threshold":
                    if (!float.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out a.Threshold) || a.Threshold is < 0 or > 1)
                        throw new UsageException($"--threshold '{args[i]}': expected a number between 0 and 1");
                    break;
                default: throw new UsageException($"unknown argument '{arg}'");
            }
        }
        return a;
    }

    /// <summary>Copies every input into the model's fixed input tensor; returns the source image size when --image was used.</summary>
    private static (int Width, int Height, bool Letterbox)? FillInputs(CompiledModel model, Arguments a)
    {
        var given = new Dictionary<string, string>();
        foreach (var spec in a.Inputs)
        {
            int eq = spec.IndexOf('=');
            string name, path;
            if (eq > 0 && model.Inputs.Any(x => x.Name == spec[..eq])) { name = spec[..eq]; path = spec[(eq + 1)..]; }
            else if (model.Inputs.Count == 1) { name = model.Inputs[0].Name; path = spec; }
            else throw new UsageException($"--input '{spec}': write name=file.npy (inputs: {string.Join(", ", model.Inputs.Select(x => x.Name))})");
            if (!given.TryAdd(name, path)) throw new UsageException($"--input gives input '{name}' twice");
        }
        (int, int, bool)? image = null;
        if (a.Image != null)
        {
            var target = model.Inputs.FirstOrDefault(x => x.Tensor.Rank == 4 && x.Tensor.Type == DataType.Float32 && !given.ContainsKey(x.Name));
            if (target.Tensor == null) throw new UsageException("--image needs a float input of shape [1x3xHxW] not given with --input");
            image = LoadImage(model, target, a.Image);
            given[target.Name] = "";
        }
        var random = new Random(1234);
        foreach (var (name, tensor) in model.Inputs)
        {
            if (given.TryGetValue(name, out var path))
            {
                if (path.Length == 0) continue;
                using var t = Npy.Read(path);
                if (t.Type != tensor.Type || !t.Shape.AsSpan().SequenceEqual(tensor.Shape))
                    throw new ShapeException($"{path}: input '{name}' was compiled for {tensor.Type.Name()}{ShapeUtil.Format(tensor.Shape)}, the file holds {t.Type.Name()}{ShapeUtil.Format(t.Shape)}");
                tensor.CopyFrom(t);
            }
            else if (a.RandomInputs)
            {
                // Seeded, so repeated benchmark runs see the same data.
                var bytes = tensor.AsSpan<byte>();
                if (tensor.Type == DataType.Float32)
                    foreach (ref float f in tensor.AsSpan<float>()) f = (float)random.NextDouble();
                else
                    random.NextBytes(bytes);
            }
            else
            {
                throw new UsageException($"input '{name}' ({tensor.Type.Name()}{ShapeUtil.Format(tensor.Shape)}) is not given: pass --input {name}=file.npy, --image or --random-inputs");
            }
        }
        return image;
    }

    private static (int, int, bool) LoadImage(CompiledModel model, CompiledTensor target, string path)
    {
        var shape = target.Tensor.Shape;
        if (shape[0] != 1 || shape[1] != 3) throw new ShapeException($"--image: input '{target.Name}' is {ShapeUtil.Format(shape)}, not [1x3xHxW]");
        var image = ImageIO.Load(path);
        // Detection models take Darknet's letterboxed input; others a plain stretch to the input size.
        bool detection = model.DetectionMetadataJson != null;
        var options = detection ? PreprocessOptions.Darknet(shape[3], shape[2]) : new PreprocessOptions { Width = shape[3], Height = shape[2] };
        using var pre = Preprocessor.Run(image, options);
        target.Tensor.CopyFrom(pre.Tensor);
        return (image.Width, image.Height, detection);
    }

    private static void PrintDetections(CompiledModel model, (int Width, int Height, bool Letterbox) image, float threshold, TextWriter stdout)
    {
        if (model.DetectionMetadataJson is not { } json) return;
        var meta = DetectionMetadata.Parse(json, model.ModelName);
        var outputs = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in model.Outputs) outputs[name] = tensor;
        var detections = Detector.Detect(meta, outputs, image.Width, image.Height, new DetectionOptions { Threshold = threshold });
        foreach (var d in detections)
            stdout.WriteLine(FormattableString.Invariant($"class {d.ClassId} {d.Confidence * 100:F0}% box {d.X0:F0},{d.Y0:F0},{d.X1:F0},{d.Y1:F0}"));
        stdout.WriteLine($"{detections.Count} detections");
    }

    private static void WriteOutputs(CompiledModel model, string dir, TextWriter stdout)
    {
        Directory.CreateDirectory(dir);
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < model.Outputs.Count; i++)
        {
            var (name, tensor) = model.Outputs[i];
            string path = Path.Combine(dir, FileStem(name, i, used) + ".npy");
            Npy.Write(path, tensor);
            stdout.WriteLine($"{name} {tensor.Type.Name()}{ShapeUtil.Format(tensor.Shape)} -> {path}");
        }
    }

    /// <summary>The same file names as `bramble run`: letters, digits, '-', '_', '.'; others become '_'; made unique.</summary>
    internal static string FileStem(string name, int index, HashSet<string> used)
    {
        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray();
        string stem = new string(chars).Trim('.');
        if (stem.Length == 0) stem = $"output_{index}";
        string candidate = stem;
        for (int k = 1; !used.Add(candidate); k++) candidate = $"{stem}_{k}";
        return candidate;
    }

    /// <summary>Methods the JIT compiled so far and the time it spent (all threads): what precompiled code did not cover.</summary>
    private readonly record struct JitTotals(long Methods, double Ms)
    {
        public static JitTotals Now() =>
            new(System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds);
    }

    private static void Bench(CompiledModel model, int runs, double loadMs, double firstMs, double sinceStart, JitTotals loadJit, JitTotals firstJit, TextWriter stdout)
    {
        // Untimed warm-up as in `bramble bench` (at least 3 runs and one second): the JIT's background
        // re-compilation of hot methods finishes there, so the timed runs measure the steady state.
        int warmup = 0;
        for (long w0 = Stopwatch.GetTimestamp(); warmup < 3 || Stopwatch.GetElapsedTime(w0).TotalMilliseconds < 1000; warmup++)
            model.Run();
        var times = new double[runs];
        for (int r = 0; r < runs; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            model.Run();
            times[r] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        stdout.WriteLine(FormattableString.Invariant(
            $"bench: load {loadMs:F1} ms, first result {firstMs:F1} ms ({sinceStart:F0} ms after process start), median {times[runs / 2]:F3} ms, min {times[0]:F3} ms over {runs} runs after {warmup} warm-up runs, peak RSS {ProcessMemory.PeakResidentBytes() / 1048576.0:F1} MB, weights {model.WeightBytes / 1048576.0:F1} MB ({model.PrefilledWeightBytes / 1048576.0:F1} MB used packed in place, {model.StartupPackedBytes / 1048576.0:F1} MB packed at startup; originals {model.OriginalWeightBytes / 1048576.0:F1} MB), arena {model.ArenaBytes / 1048576.0:F1} MB, JIT before the first result {firstJit.Methods} methods {firstJit.Ms:F0} ms (load {loadJit.Methods} methods {loadJit.Ms:F0} ms)"));
    }
}
