using System.Text.RegularExpressions;
using Bramble.Compilation;
using Bramble.Graph;
using Bramble.Kernels;
using Bramble.Kernels.Gemm;
using Bramble.Runtime;
using Bramble.Tensors;

namespace Bramble.Tests.Compilation;

/// <summary>The generated project, checked as text and bytes (no dotnet build here; see CompiledExecutableTests).</summary>
public class GeneratedSourceTests
{
    private static (CompileResult Result, string Source) Generate(Model model, CompileOptions options, string dir)
    {
        var result = ModelCompiler.Generate(model, options, dir);
        return (result, File.ReadAllText(result.SourceFile));
    }

    [Fact]
    public void RunIsOneExecuteCallPerNonViewStepAndAllocatesNothing()
    {
        using var dir = new CompileTestModels.TempDir();
        using var model = CompileTestModels.SmallCnn();
        var (result, source) = Generate(model, CompileTestModels.Options(CompileBackend.SourceOnly), dir.Path);
        var run = Regex.Match(source, @"public override void Run\(\)\s*\{(?<body>[^}]*)\}").Groups["body"].Value;
        var calls = Regex.Matches(run, @"_s(\d+)\.Execute\(\);");
        // Conv(+Relu fused or not), MaxPool, Gemm, Softmax run; Flatten is a view and disappears.
        Assert.Equal(result.Steps, calls.Count);
        Assert.InRange(result.Steps, 4, 5);
        for (int i = 0; i < calls.Count; i++) Assert.Equal(i.ToString(), calls[i].Groups[1].Value);
        Assert.DoesNotContain("new ", run);
        Assert.DoesNotContain("Flatten", run);
        Assert.Contains("public const long ArenaSize = " + result.ArenaBytes + ";", source);
        Assert.True(File.Exists(Path.Combine(dir.Path, "Program.cs")));
        Assert.Contains("<PublishReadyToRun>true</PublishReadyToRun>", File.ReadAllText(Path.Combine(dir.Path, result.TypeName + ".csproj")));
    }

    [Fact]
    public void ExecutablesPrecompileTheKernelsAndTierUpLater()
    {
        using var dir = new CompileTestModels.TempDir();
        using var model = CompileTestModels.SmallCnn();
        var (result, _) = Generate(model, CompileTestModels.Options(CompileBackend.SourceOnly), dir.Path);
        string csproj = File.ReadAllText(Path.Combine(dir.Path, result.TypeName + ".csproj"));
        // Tiering stays on (hot precompiled methods are re-compiled by the JIT later); PGO instrumentation stays off.
        Assert.DoesNotContain("<TieredCompilation>false</TieredCompilation>", csproj);
        Assert.Contains("<TieredPGO>false</TieredPGO>", csproj);
        // Bramble's own sources, built without AggressiveOptimization on the kernels so ReadyToRun precompiles them.
        Assert.Contains("BRAMBLE_PRECOMPILED", csproj);
        string sources = Path.GetDirectoryName(CompileTestModels.BrambleProject)!;
        Assert.Contains($"<Compile Include=\"{Path.Combine(sources, "**", "*.cs")}\"", csproj);
        Assert.DoesNotContain("<ProjectReference", csproj);
    }

    [Fact]
    public void WeightsSitInTheBlobAtTheOffsetsTheCodeUses()
    {
        using var dir = new CompileTestModels.TempDir();
        using var model = CompileTestModels.SmallCnn();
        var options = new CompileOptions
        {
            Threads = 1, Backend = CompileBackend.SourceOnly, BrambleProject = CompileTestModels.BrambleProject,
            Optimization = OptimizationLevel.None,
        };
        var (result, source) = Generate(model, options, dir.Path);
        var blob = File.ReadAllBytes(Path.Combine(dir.Path, result.TypeName + ".weights"));
        Assert.Equal(result.WeightBytes, blob.Length);
        // Biases are read at run time as they are; the conv and fc weights only in their kernels' packed layout.
        var weights = Regex.Matches(source, @"rt\.Weight\(DataType\.Float32, \[[\d, ]+\], (\d+)\); // (\S+)");
        Assert.Equal(["conv.b", "fc.b"], weights.Select(m => m.Groups[2].Value).Order().ToArray());
        foreach (Match m in weights)
        {
            long offset = long.Parse(m.Groups[1].Value);
            Assert.Equal(0, offset % 64);
            var expected = model.Graph.Initializers[m.Groups[2].Value].AsSpan<byte>();
            Assert.True(blob.AsSpan((int)offset, expected.Length).SequenceEqual(expected), m.Groups[2].Value);
        }
        Assert.Contains("rt.PackedOnly(DataType.Float32, [8, 3, 3, 3]); // conv.w", source);
        Assert.Contains("rt.PackedOnly(DataType.Float32, [10, 128]); // fc.w", source);

        // The Gemm step lists where its packed B is: exactly the panels the session's kernel packs from fc.w.
        var fc = Regex.Match(source, @"rt\.Step\(CompiledRuntime\.Node\(""Gemm"".*, \[(\d+), (\d+)\]\);");
        Assert.True(fc.Success, "the Gemm step lists one packed buffer");
        int at = int.Parse(fc.Groups[1].Value), bytes = int.Parse(fc.Groups[2].Value);
        Assert.Equal(0, at % 64);
        unsafe
        {
            var fcw = model.Graph.Initializers["fc.w"];
            using var packed = PackedMatrix.PackB((float*)fcw.Data, 128, true, 128, 10, CpuFeatures.Best);
            Assert.Equal(packed.ByteLength, bytes);
            Assert.True(blob.AsSpan(at, bytes).SequenceEqual(new ReadOnlySpan<byte>(packed.Block(0, 0), bytes)));
        }
        // Packed conv panels + packed fc + the two biases, each 64-byte aligned.
        Assert.InRange(result.PackedWeightBytes, bytes + 1, blob.Length - (8 + 10) * sizeof(float));
    }

    [Fact]
    public void LibraryEmbedsWeightsAndHasATypedRun()
    {
        using var dir = new CompileTestModels.TempDir();
        using var model = CompileTestModels.SmallCnn();
        var (result, source) = Generate(model, CompileTestModels.Options(CompileBackend.SourceOnly, library: true, name: "Cnn"), dir.Path);
        Assert.Equal("Cnn", result.TypeName);
        Assert.Contains("public void Run(ReadOnlySpan<float> image, Span<float> probs, Span<float> features)", source);
        Assert.Contains("WeightImage.FromResource(", source);
        string csproj = File.ReadAllText(Path.Combine(dir.Path, "Cnn.csproj"));
        Assert.Contains("<OutputType>Library</OutputType>", csproj);
        Assert.Contains("<EmbeddedResource Include=\"Cnn.weights\"", csproj);
        // A library runs under its host's JIT: it references Bramble as it is, AggressiveOptimization included.
        Assert.Contains("<ProjectReference", csproj);
        Assert.DoesNotContain("BRAMBLE_PRECOMPILED", csproj);
        Assert.False(File.Exists(Path.Combine(dir.Path, "Program.cs")));
    }

    [Fact]
    public void SymbolicShapesMustBeBound()
    {
        using var dir = new CompileTestModels.TempDir();
        using var model = CompileTestModels.SmallCnn(Dim.Symbolic("N"));
        var e = Assert.Throws<ShapeException>(() => ModelCompiler.Generate(model, CompileTestModels.Options(CompileBackend.SourceOnly), dir.Path));
        Assert.Contains("--shape image=", e.Message);
        var bound = new CompileOptions
        {
            Threads = 1, Backend = CompileBackend.SourceOnly, BrambleProject = CompileTestModels.BrambleProject,
            InputShapes = new() { ["image"] = [2, 3, 8, 8] },
        };
        var result = ModelCompiler.Generate(model, bound, dir.Path);
        Assert.Contains("rt.Arena(DataType.Float32, [2, 3, 8, 8]", File.ReadAllText(result.SourceFile));
    }

    [Theory]
    [InlineData("1abc")]
    [InlineData("my-model")]
    public void BadNamesAreRejected(string name)
    {
        using var dir = new CompileTestModels.TempDir();
        using var model = CompileTestModels.SmallCnn();
        var e = Assert.Throws<BrambleException>(() => ModelCompiler.Generate(model, CompileTestModels.Options(CompileBackend.SourceOnly, name: name), dir.Path));
        Assert.Contains("--name", e.Message);
    }

    [Fact]
    public void MissingBrambleProjectIsAClearError()
    {
        using var dir = new CompileTestModels.TempDir();
        using var model = CompileTestModels.SmallCnn();
        var options = new CompileOptions { Backend = CompileBackend.SourceOnly, BrambleProject = Path.Combine(dir.Path, "nope.csproj") };
        var e = Assert.Throws<BrambleException>(() => ModelCompiler.Generate(model, options, dir.Path));
        Assert.Contains("--bramble-project", e.Message);
    }

    [Fact]
    public void AppendedWeightsAreFoundAndChecked()
    {
        using var dir = new CompileTestModels.TempDir();
        string exe = Path.Combine(dir.Path, "fake-exe");
        File.WriteAllBytes(exe, new byte[1000]);
        var blob = Enumerable.Range(0, 300).Select(i => (byte)i).ToArray();
        ModelCompiler.AppendBlob(exe, new MemoryStream(blob), blob.Length);
        unsafe
        {
            using (var image = WeightImage.FromAppendedFile(exe, blob.Length))
            {
                Assert.True(image.IsMapped);
                Assert.Equal(0, (long)image.Pointer % 64);
                Assert.True(new ReadOnlySpan<byte>(image.Pointer, blob.Length).SequenceEqual(blob));
            }
        }
        var e = Assert.Throws<BrambleException>(() => WeightImage.FromAppendedFile(exe, blob.Length + 1));
        Assert.Contains("re-run bramble compile", e.Message);
        File.WriteAllBytes(exe, new byte[1000]);
        Assert.Throws<BrambleException>(() => WeightImage.FromAppendedFile(exe, blob.Length));
    }
}
