using Bramble.Import.Darknet;

namespace Bramble.Tests.Import.Darknet;

public class CfgFileTests
{
    [Fact]
    public void ParsesSectionsOptionsCommentsAndWhitespace()
    {
        var cfg = CfgFile.Parse("# a comment\n[net]\n width = 416 \r\nheight=320\n\n; other comment\n[convolutional]\nfilters= 32\n\tactivation = leaky\nfilters=64\n", "t.cfg");
        Assert.Equal(2, cfg.Sections.Count);
        Assert.Equal("[net]", cfg.Sections[0].Type);
        Assert.Equal(2, cfg.Sections[0].Line);
        Assert.Equal(416, cfg.Sections[0].GetInt("width", 0));
        Assert.Equal(320, cfg.Sections[0].GetInt("height", 0));
        var conv = cfg.Sections[1];
        Assert.Equal(7, conv.Line);
        Assert.Equal("leaky", conv.GetString("activation", "logistic"));
        // Darknet's option_find returns the first occurrence.
        Assert.Equal(32, conv.GetInt("filters", 1));
        Assert.Equal(5, conv.GetInt("size", 5));
    }

    [Fact]
    public void ParsesLists()
    {
        var s = CfgFile.Parse("[net]\nanchors = 10,13,  16,30\nlayers=-1, 61\nmask=0,1,2,\n", "t.cfg").Sections[0];
        Assert.Equal(new float[] { 10, 13, 16, 30 }, s.GetFloats("anchors"));
        Assert.Equal(new[] { -1, 61 }, s.GetInts("layers"));
        Assert.Equal(new[] { 0, 1, 2 }, s.GetInts("mask"));
    }

    [Fact]
    public void UnknownSectionNamesFileLineAndSection()
    {
        var cfg = CfgFile.Parse("[net]\nwidth=8\nheight=8\nchannels=3\n\n[foo]\nx=1\n", "yolov3.cfg");
        var e = Assert.Throws<ModelFormatException>(() => DarknetNetwork.FromCfg(cfg));
        Assert.Equal("yolov3.cfg:6: unknown section [foo]", e.Message);
    }

    [Fact]
    public void KnownButUnsupportedSectionIsAClearError()
    {
        var cfg = CfgFile.Parse("[net]\nwidth=8\nheight=8\nchannels=3\n[gru]\noutput=4\n", "g.cfg");
        var e = Assert.Throws<UnsupportedOperatorException>(() => DarknetNetwork.FromCfg(cfg));
        Assert.Equal("g.cfg:5: [gru] layers are not supported", e.Message);
    }

    [Theory]
    [InlineData("[net]\nwidth\n", "t.cfg:2: expected key=value, got 'width'")]
    [InlineData("width=3\n[net]\n", "t.cfg:1: option 'width=3' appears before any [section]")]
    [InlineData("[convolutional]\nfilters=3\n", "t.cfg:1: the first section must be [net], not [convolutional]")]
    [InlineData("# nothing\n", "t.cfg: no sections (is this a Darknet .cfg?)")]
    [InlineData("[net\n", "t.cfg:1: section header '[net' lacks a closing ']'")]
    public void MalformedTextIsAOneLineError(string text, string message)
    {
        var e = Assert.Throws<ModelFormatException>(() => CfgFile.Parse(text, "t.cfg"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void BadNumberNamesTheLine()
    {
        var cfg = CfgFile.Parse("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=abc\n", "t.cfg");
        var e = Assert.Throws<ModelFormatException>(() => DarknetNetwork.FromCfg(cfg));
        Assert.Equal("t.cfg:6: filters=abc is not an integer", e.Message);
    }

    [Fact]
    public void UnknownActivationIsRejected()
    {
        var cfg = CfgFile.Parse("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=2\nactivation=stair\n", "t.cfg");
        var e = Assert.Throws<UnsupportedOperatorException>(() => DarknetNetwork.FromCfg(cfg));
        Assert.Equal("t.cfg:7: activation 'stair' is not supported", e.Message);
    }

    [Fact]
    public void RouteToAFutureLayerIsRejected()
    {
        var cfg = CfgFile.Parse("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\nfilters=2\n[route]\nlayers=5\n", "t.cfg");
        var e = Assert.Throws<ModelFormatException>(() => DarknetNetwork.FromCfg(cfg));
        Assert.Contains("t.cfg:8: [route]", e.Message);
        Assert.Contains("only layers 0..0 precede it", e.Message);
    }
}
