using Bramble.Tests.Support;
using Bramble.Vision.Detection;

namespace Bramble.Tests.Vision.Detection;

public class ClassNamesTests
{
    [Fact]
    public void LoadsOneNamePerLineAndNamesTheRestByNumber()
    {
        using var dir = TestResources.CreateTempDir();
        string path = Path.Combine(dir.Path, "my.names");
        File.WriteAllText(path, "cat\r\n  dog \n\n\n");
        var names = ClassNames.Load(path);
        Assert.Equal(2, names.Count);
        Assert.Equal("cat", names[0]);
        Assert.Equal("dog", names[1]);
        Assert.Equal("class 2", names[2]);
        Assert.Equal("class -1", names[-1]);
    }

    [Fact]
    public void MissingFileIsAOneLineError()
    {
        var e = Assert.Throws<BrambleException>(() => ClassNames.Load("/nonexistent/x.names"));
        Assert.Contains("x.names", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void DefaultsToCocoAndVocFromDarknetData()
    {
        if (TestResources.Require(Path.Combine(TestResources.DarknetDataDir, "coco.names")) == null) return;
        var coco = ClassNames.Default(80);
        Assert.Equal(80, coco.Count);
        Assert.Equal("person", coco[0]);
        Assert.Equal("toothbrush", coco[79]);
        var voc = ClassNames.Default(20);
        Assert.Equal("aeroplane", voc[0]);
        var other = ClassNames.Default(3);
        Assert.Equal(0, other.Count);
        Assert.Equal("class 1", other[1]);
    }

    [Fact]
    public void DefaultWithoutDataDirectoryFallsBackToNumbers()
    {
        var names = ClassNames.Default(80, "/nonexistent");
        Assert.Equal("class 0", names[0]);
    }
}
