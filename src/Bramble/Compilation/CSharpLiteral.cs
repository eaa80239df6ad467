using System.Globalization;
using System.Text;
using Bramble.Tensors;

namespace Bramble.Compilation;

/// <summary>C# source text for values: exact (floats round-trip bit for bit), escaped, culture-invariant.</summary>
internal static class CSharpLiteral
{
    public static string String(string s)
    {
        var b = new StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                default:
                    if (c < 0x20 || c is >= (char)0x7f and < (char)0xa0 || char.IsSurrogate(c) || c is '\u2028' or '\u2029')
                        b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else
                        b.Append(c);
                    break;
            }
        }
        return b.Append('"').ToString();
    }

    public static string Float(float f)
    {
        if (float.IsNaN(f)) return BitConverter.SingleToInt32Bits(f) == BitConverter.SingleToInt32Bits(float.NaN)
            ? "float.NaN"
            : $"BitConverter.Int32BitsToSingle(unchecked((int)0x{BitConverter.SingleToInt32Bits(f):x8}))";
        if (float.IsPositiveInfinity(f)) return "float.PositiveInfinity";
        if (float.IsNegativeInfinity(f)) return "float.NegativeInfinity";
        if (f == 0 && float.IsNegative(f)) return "-0f";
        // "R" gives the shortest text that parses back to the same float; the compiler parses it the same way.
        return f.ToString("R", CultureInfo.InvariantCulture) + "f";
    }

    public static string Long(long v) => v == long.MinValue ? "long.MinValue" : v.ToString(CultureInfo.InvariantCulture) + "L";

    public static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);

    public static string Ints(ReadOnlySpan<int> values) => "[" + Join(values.ToArray(), Int) + "]";

    public static string Longs(long[] values) => "new long[] { " + Join(values, Long) + " }";

    public static string Floats(float[] values) => "new float[] { " + Join(values, Float) + " }";

    public static string Strings(string[] values) => "new string[] { " + Join(values, String) + " }";

    public static string DataType(DataType type) => "DataType." + type;

    private static string Join<T>(T[] values, Func<T, string> format)
    {
        var b = new StringBuilder();
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0) b.Append(", ");
            b.Append(format(values[i]));
        }
        return b.ToString();
    }

    /// <summary>A C# identifier made from <paramref name="name"/>: letters and digits kept, others '_'.</summary>
    public static string Identifier(string name, string fallback)
    {
        var b = new StringBuilder();
        foreach (char c in name)
            b.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (b.Length == 0) b.Append(fallback);
        if (char.IsAsciiDigit(b[0])) b.Insert(0, '_');
        string s = b.ToString();
        return Keywords.Contains(s) ? "@" + s : s;
    }

    /// <summary>A PascalCase type name from a file or model name ("yolov3-tiny" → "Yolov3Tiny").</summary>
    public static string TypeName(string name)
    {
        var b = new StringBuilder();
        bool upper = true;
        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c)) { upper = true; continue; }
            b.Append(upper ? char.ToUpperInvariant(c) : c);
            upper = false;
        }
        if (b.Length == 0 || char.IsAsciiDigit(b[0])) b.Insert(0, "Model");
        return b.ToString();
    }

    /// <summary>The C# element type for a tensor type, for typed Run methods.</summary>
    public static string? ElementType(DataType type) => type switch
    {
        Tensors.DataType.Float32 => "float",
        Tensors.DataType.Float64 => "double",
        Tensors.DataType.Float16 => "Half",
        Tensors.DataType.Int8 => "sbyte",
        Tensors.DataType.UInt8 => "byte",
        Tensors.DataType.Int16 => "short",
        Tensors.DataType.UInt16 => "ushort",
        Tensors.DataType.Int32 => "int",
        Tensors.DataType.UInt32 => "uint",
        Tensors.DataType.Int64 => "long",
        Tensors.DataType.UInt64 => "ulong",
        Tensors.DataType.Bool => "bool",
        _ => null,
    };

    private static readonly HashSet<string> Keywords =
    [
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    ];
}
