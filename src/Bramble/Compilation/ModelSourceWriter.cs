using System.Text;
using Bramble.Graph;
using Bramble.Kernels;
using Bramble.Runtime;
using Bramble.Tensors;
using Attribute = Bramble.Graph.Attribute;

namespace Bramble.Compilation;

/// <summary>
/// Writes the C# class of a compiled model from its execution plan: one field per tensor the steps touch
/// (arena tensors at planned offsets, weights at blob offsets, views over them), one field per step, a
/// constructor that prepares every step once, and a <c>Run</c> that is the steps' Execute calls in order.
/// Weights go to <see cref="WeightBlobBuilder"/> as they are met.
/// </summary>
internal sealed class ModelSourceWriter
{
    // Statements per constructor helper: keeps each method small enough for the JIT and R2R to treat normally.
    private const int StatementsPerChunk = 64;

    private readonly ExecutionPlan _plan;
    private readonly Model _model;
    private readonly CompileOptions _options;
    private readonly string _typeName;
    private readonly WeightBlobBuilder _blob;
    private readonly long[] _inputOffsets;
    private readonly bool[] _needed;
    private readonly List<string> _statements = new();

    public ModelSourceWriter(ExecutionPlan plan, Model model, CompileOptions options, string typeName, WeightBlobBuilder blob)
    {
        _plan = plan;
        _model = model;
        _options = options;
        _typeName = typeName;
        _blob = blob;
        // Graph inputs have no place in the plan's arena (the session binds caller buffers); here they get one after it.
        _inputOffsets = new long[plan.GraphInputIds.Length];
        long end = WeightBlobBuilder.Align(plan.ArenaBytes);
        for (int i = 0; i < _inputOffsets.Length; i++)
        {
            _inputOffsets[i] = end;
            end = WeightBlobBuilder.Align(end + plan.Values[plan.GraphInputIds[i]].Bytes);
        }
        ArenaBytes = end;
        _needed = new bool[plan.Values.Length];
        foreach (var step in plan.Steps)
        {
            if (step.Op.IsView) continue;
            foreach (int v in step.Inputs) Need(v);
            foreach (int v in step.Outputs) Need(v);
        }
        foreach (int v in plan.GraphInputIds) Need(v);
        foreach (int v in plan.GraphOutputIds) Need(v);
    }

    /// <summary>The arena the generated code allocates: the plan's plus the graph inputs.</summary>
    public long ArenaBytes { get; }

    public int StepCount { get; private set; }

    /// <summary>Bytes of the blob holding kernels' prepared weights (packed at compile time).</summary>
    public long PackedBytes { get; private set; }

    private bool[] _rawNeeded = [];

    private void Need(int v)
    {
        while (v >= 0 && !_needed[v])
        {
            _needed[v] = true;
            v = _plan.Values[v].ViewOf;
        }
    }

    private static string Field(int v) => $"_v{v}";

    public string Write()
    {
        var values = _plan.Values;
        // Kernels' prepared weights first: which originals the executable still needs depends on them.
        var packing = new PrepackedSteps(_plan, _model, CompiledRuntime.OptionsFor(_options.Threads, _options.MaxIsa, _options.ReferenceKernels), _blob);
        PackedBytes = packing.PackedBytes;
        _rawNeeded = packing.RawNeeded;
        for (int v = 0; v < values.Length; v++)
            if (_needed[v]) _statements.Add($"{Field(v)} = {TensorExpression(v)}; // {Comment(values[v].Name)}");
        int stepIndex = 0;
        var runLines = new List<string>();
        for (int s = 0; s < _plan.Steps.Length; s++)
        {
            var step = _plan.Steps[s];
            // Views alias their input's bytes (the tensors above already share memory): nothing to run.
            if (step.Op.IsView) continue;
            string ins = string.Join(", ", step.Inputs.Select(i => i < 0 ? "null" : Field(i)));
            string outs = string.Join(", ", step.Outputs.Select(o => o < 0 ? "null" : Field(o)));
            long opset = _model.OpsetFor(step.Op.Node.Domain);
            // (offset, bytes) of each buffer of prepared weights, in the order the step's Prepare takes them.
            string packed = "[" + string.Join(", ", packing.Entries[s]) + "]";
            _statements.Add($"_s{stepIndex} = rt.Step({NodeExpression(step.Op.Node)}, {opset}, [{ins}], [{outs}], {step.WorkspaceOffset}, {step.WorkspaceBytes}, {packed});");
            runLines.Add($"        _s{stepIndex}.Execute(); // {Comment(step.Op.Node.Describe())}");
            stepIndex++;
        }
        StepCount = stepIndex;
        return Assemble(runLines);
    }

    private string TensorExpression(int v)
    {
        var value = _plan.Values[v];
        string type = CSharpLiteral.DataType(value.Type), shape = CSharpLiteral.Ints(value.Shape);
        if (value.Constant != null)
            return _rawNeeded[v] ? $"rt.Weight({type}, {shape}, {_blob.Add(value.Constant)})" : $"rt.PackedOnly({type}, {shape})";
        if (value.GraphInput >= 0) return $"rt.Arena({type}, {shape}, {_inputOffsets[value.GraphInput]})";
        if (value.ViewOf >= 0) return $"rt.View({Field(value.ViewOf)}, {type}, {shape})";
        if (value.Request >= 0) return $"rt.Arena({type}, {shape}, {value.Offset})";
        throw new BrambleException($"compile: value '{value.Name}' has no storage in the plan");
    }

    private string NodeExpression(Node node)
    {
        var b = new StringBuilder("CompiledRuntime.Node(");
        b.Append(CSharpLiteral.String(node.OpType)).Append(", ").Append(CSharpLiteral.String(node.Domain)).Append(", ")
         .Append(CSharpLiteral.String(node.Name)).Append(", ")
         .Append(CSharpLiteral.Strings(node.Inputs.ToArray())).Append(", ")
         .Append(CSharpLiteral.Strings(node.Outputs.ToArray()));
        foreach (var (name, a) in node.Attributes.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            b.Append(", ").Append(AttributeExpression(node, name, a));
        return b.Append(')').ToString();
    }

    private string AttributeExpression(Node node, string name, Attribute a)
    {
        string n = CSharpLiteral.String(name);
        return a.Type switch
        {
            AttributeType.Int => $"Attribute.Of({n}, {CSharpLiteral.Long(a.Int)})",
            AttributeType.Float => $"Attribute.Of({n}, {CSharpLiteral.Float(a.Float)})",
            AttributeType.String => $"Attribute.Of({n}, {CSharpLiteral.String(a.String)})",
            AttributeType.Ints => $"Attribute.Of({n}, {CSharpLiteral.Longs(a.Ints)})",
            AttributeType.Floats => $"Attribute.Of({n}, {CSharpLiteral.Floats(a.Floats)})",
            AttributeType.Strings => $"Attribute.Of({n}, {CSharpLiteral.Strings(a.Strings)})",
            AttributeType.Tensor when a.Tensor != null =>
                $"Attribute.Of({n}, rt.Weight({CSharpLiteral.DataType(a.Tensor.Type)}, {CSharpLiteral.Ints(a.Tensor.Shape)}, {_blob.Add(a.Tensor)}))",
            _ => throw new UnsupportedOperatorException($"compile: {node.Describe()} has attribute '{name}' of type {a.Type}, which compiled code cannot restate"),
        };
    }

    private static string Comment(string text) => text.Replace('\n', ' ').Replace('\r', ' ');

    private string Assemble(List<string> runLines)
    {
        var values = _plan.Values;
        var b = new StringBuilder();
        b.AppendLine("// <auto-generated>");
        b.AppendLine($"// Generated by `bramble compile` from {Comment(Path.GetFileName(_model.Source))}. Regenerate rather than edit:");
        b.AppendLine("// the shapes, offsets and weight positions below are constants of one plan of this model.");
        b.AppendLine("// </auto-generated>");
        // Generated files start with nullable annotations off; the code uses them (e.g. optional tensors).
        b.AppendLine("#nullable enable");
        b.AppendLine("using Bramble.Compilation;");
        b.AppendLine("using Bramble.Graph;");
        b.AppendLine("using Bramble.Kernels;");
        b.AppendLine("using Bramble.Tensors;");
        b.AppendLine("using Attribute = Bramble.Graph.Attribute;");
        b.AppendLine();
        b.AppendLine("namespace BrambleCompiled;");
        b.AppendLine();
        b.AppendLine($"/// <summary>{Comment(Path.GetFileName(_model.Source))} compiled: {Signature()}.</summary>");
        b.AppendLine($"public sealed class {_typeName} : CompiledModel");
        b.AppendLine("{");
        b.AppendLine($"    /// <summary>Bytes of the one arena: intermediates and workspaces by liveness, then the inputs.</summary>");
        b.AppendLine($"    public const long ArenaSize = {ArenaBytes};");
        b.AppendLine($"    /// <summary>Bytes of the read-only weight blob.</summary>");
        b.AppendLine($"    public const long WeightSize = {_blob.Length};");
        b.AppendLine($"    /// <summary>Bytes of the model's weights as the session holds them before packing (for comparison).</summary>");
        b.AppendLine($"    public const long OriginalWeightSize = {OriginalWeightBytes()};");
        b.AppendLine($"    public const string WeightFile = {CSharpLiteral.String(_typeName + ".weights")};");
        b.AppendLine($"    public const int Threads = {_options.Threads};");
        b.AppendLine($"    public const Isa MaxIsa = Isa.{_options.MaxIsa};");
        b.AppendLine($"    /// <summary>The ISA the stored packed weights are laid out for: the kernels this CPU level selects.</summary>");
        b.AppendLine($"    public const Isa PackedFor = Isa.{CpuFeatures.Effective(_options.MaxIsa)};");
        b.AppendLine();
        for (int v = 0; v < values.Length; v++)
            if (_needed[v]) b.AppendLine($"    private Tensor {Field(v)} = null!;");
        for (int s = 0; s < StepCount; s++)
            b.AppendLine($"    private CompiledStep _s{s} = null!;");
        b.AppendLine();
        string defaultWeights = _options.Library
            ? "WeightImage.FromResource(typeof(" + _typeName + ").Assembly, WeightFile, WeightSize)"
            : "WeightImage.ForExecutable(WeightFile, WeightSize)";
        b.AppendLine($"    /// <summary>Maps the weights {(_options.Library ? "embedded in this assembly" : "appended to this executable")} and prepares every step.</summary>");
        b.AppendLine($"    public {_typeName}() : this({defaultWeights}) {{ }}");
        b.AppendLine();
        b.AppendLine("    /// <summary>Builds the model over a given weight image (it takes ownership).</summary>");
        b.AppendLine($"    public {_typeName}(WeightImage weights) : base(new CompiledRuntime(ArenaSize, Threads, MaxIsa, {(_options.ReferenceKernels ? "true" : "false")}, weights, PackedFor))");
        b.AppendLine("    {");
        b.AppendLine("        try");
        b.AppendLine("        {");
        int chunks = (_statements.Count + StatementsPerChunk - 1) / StatementsPerChunk;
        for (int c = 0; c < chunks; c++) b.AppendLine($"            Build{c}(Runtime);");
        string Names(int[] ids) => string.Join(", ", ids.Select(id => $"new CompiledTensor({CSharpLiteral.String(values[id].Name)}, {Field(id)})"));
        b.AppendLine($"            Bind([{Names(_plan.GraphInputIds)}], [{Names(_plan.GraphOutputIds)}]);");
        b.AppendLine("        }");
        b.AppendLine("        catch");
        b.AppendLine("        {");
        b.AppendLine("            Dispose();");
        b.AppendLine("            throw;");
        b.AppendLine("        }");
        b.AppendLine("    }");
        b.AppendLine();
        b.AppendLine($"    public override string ModelName => {CSharpLiteral.String(_typeName)};");
        b.AppendLine("    public override long OriginalWeightBytes => OriginalWeightSize;");
        if (Vision.Detection.DetectionMetadata.ReadFrom(_model) is { } meta)
            b.AppendLine($"    public override string? DetectionMetadataJson => {CSharpLiteral.String(meta.ToJson())};");
        b.AppendLine();
        b.AppendLine($"    /// <summary>One inference: {StepCount} kernel calls in a fixed order over constant shapes; allocates nothing.</summary>");
        b.AppendLine("    public override void Run()");
        b.AppendLine("    {");
        foreach (var line in runLines) b.AppendLine(line);
        b.AppendLine("    }");
        AppendTypedRun(b);
        for (int c = 0; c < chunks; c++)
        {
            b.AppendLine();
            b.AppendLine($"    private void Build{c}(CompiledRuntime rt)");
            b.AppendLine("    {");
            for (int i = c * StatementsPerChunk; i < Math.Min(_statements.Count, (c + 1) * StatementsPerChunk); i++)
                b.Append("        ").AppendLine(_statements[i]);
            b.AppendLine("    }");
        }
        b.AppendLine("}");
        return b.ToString();
    }

    private long OriginalWeightBytes()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        long bytes = 0;
        for (int v = 0; v < _plan.Values.Length; v++)
            if (_needed[v] && _plan.Values[v].Constant is { } c && seen.Add(c)) bytes += c.ByteLength;
        return bytes;
    }

    private string Signature()
    {
        string Part(int id) => $"{_plan.Values[id].Name} {_plan.Values[id].Type.Name()}{ShapeUtil.Format(_plan.Values[id].Shape)}";
        return $"inputs {string.Join(", ", _plan.GraphInputIds.Select(Part))}; outputs {string.Join(", ", _plan.GraphOutputIds.Select(Part))}";
    }

    /// <summary>Run(ReadOnlySpan&lt;T&gt; input..., Span&lt;T&gt; output...) for library users: copy in, run, copy out.</summary>
    private void AppendTypedRun(StringBuilder b)
    {
        var values = _plan.Values;
        var all = _plan.GraphInputIds.Concat(_plan.GraphOutputIds).ToArray();
        if (all.Any(id => CSharpLiteral.ElementType(values[id].Type) == null)) return;
        var used = new HashSet<string>();
        string Param(int id)
        {
            string name = CSharpLiteral.Identifier(values[id].Name, "value");
            string candidate = name;
            for (int k = 2; !used.Add(candidate); k++) candidate = name + "_" + k;
            return candidate;
        }
        var inParams = _plan.GraphInputIds.Select(Param).ToArray();
        var outParams = _plan.GraphOutputIds.Select(Param).ToArray();
        var signature = _plan.GraphInputIds.Select((id, i) => $"ReadOnlySpan<{CSharpLiteral.ElementType(values[id].Type)}> {inParams[i]}")
            .Concat(_plan.GraphOutputIds.Select((id, i) => $"Span<{CSharpLiteral.ElementType(values[id].Type)}> {outParams[i]}"));
        b.AppendLine();
        b.AppendLine("    /// <summary>Copies the inputs in, runs, copies the outputs out (element counts must match the compiled shapes).</summary>");
        b.AppendLine($"    public void Run({string.Join(", ", signature)})");
        b.AppendLine("    {");
        for (int i = 0; i < inParams.Length; i++)
            b.AppendLine($"        CopyIn({inParams[i]}, {Field(_plan.GraphInputIds[i])}, {CSharpLiteral.String(values[_plan.GraphInputIds[i]].Name)});");
        b.AppendLine("        Run();");
        for (int i = 0; i < outParams.Length; i++)
            b.AppendLine($"        CopyOut({Field(_plan.GraphOutputIds[i])}, {outParams[i]}, {CSharpLiteral.String(values[_plan.GraphOutputIds[i]].Name)});");
        b.AppendLine("    }");
    }
}
