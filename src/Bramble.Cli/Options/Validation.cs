using System.CommandLine;

namespace Bramble.Cli.Options;

internal static class Validation
{
    /// <summary>
    /// Adds a lower bound to an integer option. Reads the token itself: GetValueOrDefault would throw on
    /// a non-number, and the parser already reports that as a usage error.
    /// </summary>
    public static void AtLeast(Option<int> option, int minimum) => Between(option, minimum, int.MaxValue);

    /// <summary>Adds inclusive bounds to an integer option (see <see cref="AtLeast"/>).</summary>
    public static void Between(Option<int> option, int minimum, int maximum)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && int.TryParse(result.Tokens[^1].Value, out int value) && (value < minimum || value > maximum))
                result.AddError(maximum == int.MaxValue
                    ? $"{option.Name} must be at least {minimum}, not {value}"
                    : $"{option.Name} must be between {minimum} and {maximum}, not {value}");
        });
    }
}
