using System.Globalization;
using Bramble.Compilation;

namespace Bramble.Tests.Compilation;

public class CSharpLiteralTests
{
    [Theory]
    [InlineData(0.1f)]
    [InlineData(1f / 3f)]
    [InlineData(1e-38f)]
    [InlineData(1.401298E-45f)]
    [InlineData(float.MaxValue)]
    [InlineData(-123456.79f)]
    public void FloatsRoundTripBitForBit(float value)
    {
        string text = CSharpLiteral.Float(value);
        Assert.EndsWith("f", text);
        float parsed = float.Parse(text[..^1], CultureInfo.InvariantCulture);
        Assert.Equal(BitConverter.SingleToInt32Bits(value), BitConverter.SingleToInt32Bits(parsed));
    }

    [Fact]
    public void SpecialFloatsHaveNames()
    {
        Assert.Equal("float.NaN", CSharpLiteral.Float(float.NaN));
        Assert.Equal("float.NegativeInfinity", CSharpLiteral.Float(float.NegativeInfinity));
        Assert.Equal("-0f", CSharpLiteral.Float(-0f));
    }

    [Fact]
    public void StringsAreEscaped()
    {
        Assert.Equal("\"a\\\"b\\\\c\\u000a\"", CSharpLiteral.String("a\"b\\c\n"));
        Assert.Equal("\"input:0\"", CSharpLiteral.String("input:0"));
    }

    [Theory]
    [InlineData("yolov3-tiny", "Yolov3Tiny")]
    [InlineData("face_detection_front_128x128", "FaceDetectionFront128x128")]
    [InlineData("3d", "Model3d")]
    public void TypeNamesArePascalCaseIdentifiers(string name, string expected) => Assert.Equal(expected, CSharpLiteral.TypeName(name));

    [Theory]
    [InlineData("input:0", "input_0")]
    [InlineData("class", "@class")]
    [InlineData("0x", "_0x")]
    public void IdentifiersAreValid(string name, string expected) => Assert.Equal(expected, CSharpLiteral.Identifier(name, "v"));
}
