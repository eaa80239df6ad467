using System.Globalization;

namespace Bramble.IO;

/// <summary>
/// Parses the Python literal in a .npy header: a dict of string keys whose values are strings,
/// True/False/None, integers, or tuples/lists of those. Deliberately tiny: it accepts exactly what
/// numpy's own <c>safe_eval</c> would for this header and rejects the rest with <see cref="FormatException"/>.
/// </summary>
internal sealed class NpyHeaderParser(string text)
{
    private const int MaxDepth = 8;
    private int _pos;

    public Dictionary<string, object> ParseDict()
    {
        SkipSpace();
        Expect('{');
        var result = new Dictionary<string, object>();
        while (true)
        {
            SkipSpace();
            if (TryConsume('}')) break;
            if (ParseValue(0) is not string key) throw Fail("dict key is not a string");
            SkipSpace();
            Expect(':');
            if (!result.TryAdd(key, ParseValue(0))) throw Fail($"duplicate key '{key}'");
            SkipSpace();
            if (TryConsume(',')) continue;
            SkipSpace();
            Expect('}');
            break;
        }
        SkipSpace();
        if (_pos != text.Length) throw Fail("text after the closing '}'");
        return result;
    }

    /// <summary>Strings, booleans and None as themselves; integers as long; tuples/lists of integers as List&lt;long&gt;, others as List&lt;object&gt;.</summary>
    private object ParseValue(int depth)
    {
        if (depth > MaxDepth) throw Fail("nesting too deep");
        SkipSpace();
        if (_pos >= text.Length) throw Fail("unexpected end");
        char c = text[_pos];
        if (c is '\'' or '"') return ParseString(c);
        if (c is '(' or '[') return ParseSequence(c == '(' ? ')' : ']', depth);
        if (c == '-' || char.IsAsciiDigit(c)) return ParseInteger();
        if (TryWord("True")) return true;
        if (TryWord("False")) return false;
        if (TryWord("None")) return "None";
        throw Fail($"unexpected character '{c}'");
    }

    private string ParseString(char quote)
    {
        int start = ++_pos;
        while (_pos < text.Length && text[_pos] != quote)
        {
            if (text[_pos] == '\\') throw Fail("escape sequences are not supported in header strings");
            _pos++;
        }
        if (_pos >= text.Length) throw Fail("unterminated string");
        return text[start.._pos++];
    }

    private object ParseSequence(char close, int depth)
    {
        _pos++;
        var items = new List<object>();
        while (true)
        {
            SkipSpace();
            if (TryConsume(close)) break;
            items.Add(ParseValue(depth + 1));
            SkipSpace();
            if (TryConsume(',')) continue;
            SkipSpace();
            Expect(close);
            break;
        }
        if (items.TrueForAll(i => i is long)) return items.ConvertAll(i => (long)i);
        return items;
    }

    private long ParseInteger()
    {
        int start = _pos;
        if (text[_pos] == '-') _pos++;
        while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
        // Python 2 era numpy wrote shapes like (3L, 4L).
        int end = _pos;
        if (_pos < text.Length && text[_pos] is 'L' or 'l') _pos++;
        if (!long.TryParse(text.AsSpan(start, end - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
            throw Fail($"bad integer '{text[start..end]}'");
        return value;
    }

    private bool TryWord(string word)
    {
        if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) return false;
        int after = _pos + word.Length;
        if (after < text.Length && char.IsAsciiLetterOrDigit(text[after])) return false;
        _pos = after;
        return true;
    }

    private void SkipSpace()
    {
        while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
    }

    private bool TryConsume(char c)
    {
        if (_pos < text.Length && text[_pos] == c)
        {
            _pos++;
            return true;
        }
        return false;
    }

    private void Expect(char c)
    {
        if (!TryConsume(c)) throw Fail(_pos < text.Length ? $"expected '{c}' but found '{text[_pos]}'" : $"expected '{c}' at the end");
    }

    private FormatException Fail(string message) => new($"{message} at column {_pos}");
}
