using Bramble.Kernels;
using Bramble.Runtime;

namespace Bramble.Compilation;

/// <summary>How `bramble compile` publishes the generated project.</summary>
public enum CompileBackend
{
    /// <summary>Write and check the generated project only (`dotnet build` is the caller's business).</summary>
    SourceOnly,
    /// <summary>ReadyToRun: IL plus precompiled native code for this CPU level, one self-contained trimmed file.</summary>
    ReadyToRun,
    /// <summary>Native AOT: one native executable, no JIT at all (needs the ILCompiler pack for the target).</summary>
    NativeAot,
}

/// <summary>Options of <see cref="ModelCompiler"/>.</summary>
public sealed class CompileOptions
{
    /// <summary>C# class and assembly name of the compiled model (an identifier; derived from the file name when empty).</summary>
    public string Name { get; init; } = "";

    /// <summary>Worker threads the compiled model uses (a constant of the generated code).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Widest ISA of the kernels, and of the precompiled code (ReadyToRun instruction set).</summary>
    public Isa MaxIsa { get; init; } = CpuFeatures.Best;

    public bool ReferenceKernels { get; init; }

    public OptimizationLevel Optimization { get; init; } = OptimizationLevel.All;

    /// <summary>Input name → full shape for inputs with symbolic dimensions.</summary>
    public Dictionary<string, int[]> InputShapes { get; init; } = new();

    /// <summary>Emit a class library (typed Run method, weights as an embedded resource) instead of an executable.</summary>
    public bool Library { get; init; }

    public CompileBackend Backend { get; init; } = CompileBackend.ReadyToRun;

    /// <summary>Path of Bramble.csproj the generated project references.</summary>
    public required string BrambleProject { get; init; }

    /// <summary>.NET runtime identifier to publish for (default: this machine's, e.g. linux-x64 or linux-arm64).</summary>
    public string RuntimeIdentifier { get; init; } = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;

    internal SessionOptions ToSessionOptions() => new()
    {
        Threads = Threads,
        MaxIsa = MaxIsa,
        ReferenceKernels = ReferenceKernels,
        Optimization = Optimization,
        InputShapes = InputShapes,
    };
}
