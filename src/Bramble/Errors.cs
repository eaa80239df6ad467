namespace Bramble;

/// <summary>
/// Base of every error Bramble reports about user input (models, images, shapes). The message is one line
/// that names the problem and where it is; the CLI prints it without a stack trace.
/// </summary>
public class BrambleException : Exception
{
    public BrambleException(string message) : base(message) { }
    public BrambleException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A model or data file that cannot be read (truncated, corrupt, wrong format).</summary>
public sealed class ModelFormatException : BrambleException
{
    public ModelFormatException(string message) : base(message) { }
    public ModelFormatException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>An operator (or an attribute/type combination of it) that Bramble does not implement.</summary>
public sealed class UnsupportedOperatorException : BrambleException
{
    public UnsupportedOperatorException(string message) : base(message) { }
}

/// <summary>Shapes or types that do not fit together: a wrong input, an invalid graph.</summary>
public sealed class ShapeException : BrambleException
{
    public ShapeException(string message) : base(message) { }
}

/// <summary>A graph that is structurally invalid (dangling names, cycles, duplicate outputs).</summary>
public sealed class GraphValidationException : BrambleException
{
    public GraphValidationException(string message) : base(message) { }
}
