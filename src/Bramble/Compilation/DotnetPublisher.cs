using System.Diagnostics;
using System.Text;

namespace Bramble.Compilation;

/// <summary>Runs `dotnet publish`/`dotnet build` on a generated project and turns failures into one-line errors.</summary>
internal static class DotnetPublisher
{
    /// <summary>Generous: a large model's ReadyToRun compile on a Raspberry Pi takes minutes.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(60);

    /// <summary>Full output, and the warnings of trimming/AOT analysis and of the generated code.</summary>
    public sealed record Result(string Output, IReadOnlyList<string> Warnings);

    public static Result Run(string projectDir, string verb, string outputDir, CompileOptions options)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = projectDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { verb, "-c", "Release", "-o", outputDir, "-nologo", "-clp:NoSummary" }) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        var output = new StringBuilder();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (output) output.AppendLine(e.Data); };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BrambleException($"compile needs the .NET SDK ('dotnet' on PATH) to publish the generated project: {e.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new BrambleException($"dotnet {verb} of {projectDir} did not finish within {Timeout.TotalMinutes} minutes");
        }
        process.WaitForExit();
        string text = output.ToString();
        var lines = text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (process.ExitCode != 0)
        {
            if (options.Backend == CompileBackend.NativeAot && MissingAotPack(text))
                throw new BrambleException($"--aot native needs the Native AOT packs for {options.RuntimeIdentifier} (Microsoft.NETCore.App.Runtime.NativeAOT.{options.RuntimeIdentifier}, runtime.{options.RuntimeIdentifier}.Microsoft.DotNet.ILCompiler), which no configured package source provides: use --aot r2r, or add them to a package source");
            string first = lines.FirstOrDefault(l => l.Contains(": error ", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "no output";
            throw new BrambleException($"dotnet {verb} of the generated project failed (exit {process.ExitCode}): {first}");
        }
        // What the generated project is answerable for: trim/AOT/single-file analysis (IL…) and its own code.
        // Compiler warnings inside Bramble's sources are Bramble's and show up in its own build.
        string full = Path.GetFullPath(projectDir);
        var warnings = lines.Where(l => l.Contains(": warning ", StringComparison.Ordinal) &&
                (l.Contains(": warning IL", StringComparison.Ordinal) || l.StartsWith(full, StringComparison.Ordinal)))
            .Distinct().ToList();
        return new Result(text, warnings);
    }

    private static bool MissingAotPack(string output) =>
        (output.Contains("ILCompiler", StringComparison.OrdinalIgnoreCase) || output.Contains("NativeAOT", StringComparison.OrdinalIgnoreCase)) &&
        (output.Contains("NU1101", StringComparison.Ordinal) || output.Contains("NU1102", StringComparison.Ordinal) ||
         output.Contains("Unable to find package", StringComparison.OrdinalIgnoreCase) || output.Contains("NETSDK1", StringComparison.Ordinal));
}
