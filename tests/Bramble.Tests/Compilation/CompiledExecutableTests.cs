using System.Diagnostics;
using Bramble.Compilation;
using Bramble.Graph;
using Bramble.Import.Darknet;
using Bramble.IO;
using Bramble.Runtime;
using Bramble.Tensors;
using Bramble.Tests.Support;
using Bramble.Tests.Import.Darknet;

namespace Bramble.Tests.Compilation;

/// <summary>
/// Compiled models against the session, end to end. Publishing takes most of a minute, so: ONE published
/// executable (a small in-code CNN) and ONE `dotnet build` of a harness holding several compiled models as
/// libraries (Darknet yolov3-tiny, BlazeFace). Outputs must equal the session's bit for bit: same plan,
/// same kernels, same order of floating-point operations.
/// </summary>
public class CompiledExecutableTests
{
    [Fact]
    public void PublishedExecutableMatchesTheSessionBitForBit()
    {
        using var dir = new CompileTestModels.TempDir();
        using var model = CompileTestModels.SmallCnn();
        var result = ModelCompiler.Compile(model, CompileTestModels.Options(CompileBackend.ReadyToRun, name: "SmallCnn"), dir.Path);
        Assert.Empty(result.Warnings);
        Assert.NotNull(result.Artifact);
        Assert.True(new FileInfo(result.Artifact!).Length > result.WeightBytes);

        using var input = CompileTestModels.RandomInput(3, 1, 3, 8, 8);
        string inputPath = Path.Combine(dir.Path, "image.npy");
        Npy.Write(inputPath, input);
        string outDir = Path.Combine(dir.Path, "out");
        var (code, stdout, stderr) = Run(result.Artifact!, "--input", $"image={inputPath}", "--output-dir", outDir, "--bench", "3");
        Assert.True(code == 0, stderr);
        Assert.Contains("bench:", stdout);
        // The kernels' weights were packed at compile time and are used in place: nothing packed at startup.
        Assert.Matches(@"MB used packed in place, 0\.0 MB packed at startup", stdout);

        using var session = new InferenceSession(model, CompileTestModels.SessionOptions);
        var expected = session.Run(new Dictionary<string, Tensor> { ["image"] = input });
        try
        {
            foreach (var (name, tensor) in expected)
            {
                using var actual = Npy.Read(Path.Combine(outDir, name + ".npy"));
                Assert.Equal(tensor.Shape, actual.Shape);
                Assert.True(tensor.AsSpan<byte>().SequenceEqual(actual.AsSpan<byte>()), $"output {name} differs");
            }
        }
        finally
        {
            foreach (var t in expected.Values) t.Dispose();
        }

        // Bad input gives one line and the documented exit codes.
        (code, _, stderr) = Run(result.Artifact!, "--output-dir", outDir);
        Assert.Equal(2, code);
        Assert.Contains("input 'image'", stderr);
        using var wrong = CompileTestModels.RandomInput(3, 1, 3, 4, 4);
        Npy.Write(inputPath, wrong);
        (code, _, stderr) = Run(result.Artifact!, "--input", inputPath, "--output-dir", outDir);
        Assert.Equal(1, code);
        Assert.Contains("compiled for float32[1x3x8x8]", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
    }

    [Fact]
    public void CompiledLibrariesOfOnnxAndDarknetModelsMatchTheSession()
    {
        string cfg = DarknetTestFiles.Cfg("yolov3-tiny.cfg");
        if (!DarknetTestFiles.Available(cfg)) return;
        using var dir = new CompileTestModels.TempDir();
        var models = new List<(string Name, Model Model)>();
        try
        {
            string resized = DarknetTestFiles.ResizedCfg(cfg, dir.Path, 64, 64);
            string weights = Path.ChangeExtension(resized, ".weights");
            DarknetTestFiles.WriteWeights(weights, DarknetNetwork.Load(resized), seed: 5);
            models.Add(("YoloTiny", DarknetImporter.Load(resized, weights)));
            models.Add(("SmallCnnLib", CompileTestModels.SmallCnn()));
            if (TestResources.Require(TestResources.BlazeFace128) is { } blaze)
                models.Add(("BlazeFace", Bramble.Import.ModelLoader.Load(blaze)));

            // One harness project holding every compiled model, run once.
            string harness = Path.Combine(dir.Path, "harness");
            Directory.CreateDirectory(harness);
            var items = new List<string>();
            var calls = new List<string>();
            int k = 0;
            foreach (var (name, model) in models)
            {
                var generated = ModelCompiler.Generate(model, CompileTestModels.Options(CompileBackend.SourceOnly, library: true, name: name), Path.Combine(dir.Path, name));
                File.Copy(generated.SourceFile, Path.Combine(harness, name + ".g.cs"));
                File.Copy(Path.Combine(generated.ProjectDirectory, name + ".weights"), Path.Combine(harness, name + ".weights"));
                items.Add($"<EmbeddedResource Include=\"{name}.weights\" LogicalName=\"{name}.weights\" />");
                var inputs = model.Graph.RealInputs.ToList();
                for (int i = 0; i < inputs.Count; i++)
                {
                    var shape = inputs[i].StaticShape!;
                    using var t = CompileTestModels.RandomInput(11 + k++, shape);
                    Npy.Write(Path.Combine(dir.Path, $"{name}.in{i}.npy"), t);
                }
                calls.Add($"RunModel(new BrambleCompiled.{name}(), \"{name}\", dir);");
            }
            File.WriteAllText(Path.Combine(harness, "Harness.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
                  <ImplicitUsings>enable</ImplicitUsings><AllowUnsafeBlocks>true</AllowUnsafeBlocks><IsAotCompatible>true</IsAotCompatible></PropertyGroup>
                  <ItemGroup><ProjectReference Include="{CompileTestModels.BrambleProject}" />{string.Join("", items)}</ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(harness, "Program.cs"), $$"""
                using Bramble.Compilation;
                using Bramble.IO;
                string dir = args[0];
                {{string.Join("\n", calls)}}
                static void RunModel(CompiledModel model, string name, string dir)
                {
                    using (model)
                    {
                        for (int i = 0; i < model.Inputs.Count; i++)
                        {
                            using var t = Npy.Read(Path.Combine(dir, $"{name}.in{i}.npy"));
                            model.Inputs[i].Tensor.CopyFrom(t);
                        }
                        // Every kernel's prepared weights come packed from the image: none are packed at startup.
                        if (model.StartupPackedBytes != 0 || model.PrefilledWeightBytes == 0)
                            throw new InvalidOperationException($"{name}: {model.StartupPackedBytes} bytes packed at startup, {model.PrefilledWeightBytes} used in place");
                        model.Run();
                        model.Run(); // twice: a second run over the same arena must give the same result
                        for (int o = 0; o < model.Outputs.Count; o++) Npy.Write(Path.Combine(dir, $"{name}.out{o}.npy"), model.Outputs[o].Tensor);
                    }
                }
                """);
            var (code, stdout, stderr) = Run("dotnet", "run", "-c", "Release", "--project", harness, "--", dir.Path);
            Assert.True(code == 0, stdout + stderr);
            Assert.DoesNotContain(": warning IL", stdout);

            k = 0;
            foreach (var (name, model) in models)
            {
                using var session = new InferenceSession(model, CompileTestModels.SessionOptions);
                var feeds = new Dictionary<string, Tensor>();
                var inputs = model.Graph.RealInputs.ToList();
                for (int i = 0; i < inputs.Count; i++) feeds[inputs[i].Name] = Npy.Read(Path.Combine(dir.Path, $"{name}.in{i}.npy"));
                var expected = session.Run(feeds);
                try
                {
                    for (int o = 0; o < model.Graph.Outputs.Count; o++)
                    {
                        using var actual = Npy.Read(Path.Combine(dir.Path, $"{name}.out{o}.npy"));
                        var want = expected[model.Graph.Outputs[o].Name];
                        Assert.Equal(want.Shape, actual.Shape);
                        Assert.True(want.AsSpan<byte>().SequenceEqual(actual.AsSpan<byte>()), $"{name} output {o} differs");
                    }
                }
                finally
                {
                    foreach (var t in expected.Values) t.Dispose();
                    foreach (var t in feeds.Values) t.Dispose();
                }
            }
        }
        finally
        {
            foreach (var (_, m) in models) m.Dispose();
        }
    }

    private static (int Code, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(15)), $"{file} timed out");
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
