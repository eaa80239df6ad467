namespace Bramble.Kernels.Binary;

/// <summary>What a binary layer applies after α·dot + bias on its way back to float.</summary>
public enum BinaryActivation
{
    None,
    Relu,
}

/// <summary>Names of <see cref="BinaryActivation"/> in the ai.bramble operators' "activation" attribute.</summary>
public static class BinaryActivationNames
{
    public static BinaryActivation Parse(string name) => name switch
    {
        "" or "None" => BinaryActivation.None,
        "Relu" => BinaryActivation.Relu,
        _ => throw new UnsupportedOperatorException($"binary layer activation '{name}' is not supported (use Relu or none)"),
    };

    public static string Name(BinaryActivation a) => a == BinaryActivation.Relu ? "Relu" : "";
}
