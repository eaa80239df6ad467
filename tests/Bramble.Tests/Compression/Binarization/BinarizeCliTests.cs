using Bramble.Tests.Cli;
using Bramble.Tests.Support;

namespace Bramble.Tests.Compression.Binarization;

public class BinarizeCliTests
{
    [Fact]
    public void TrainThenBinarizeOnAnImageFolder()
    {
        string root = Path.Combine(Path.GetTempPath(), "bramble-binarize-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            TwoClassImageFolder.Write(root, seed: 2);
            string teacher = Path.Combine(root, "float.onnx"), binary = Path.Combine(root, "binary.onnx");
            var train = CliHarness.Run("train", "--arch", "lenet", "--dataset", root, "--image-size", "12", "--epochs", "2",
                "--batch", "8", "--threads", "1", "-o", teacher);
            Assert.True(train.Code == 0, train.Err);
            byte[] teacherBytes = File.ReadAllBytes(teacher);

            var r = CliHarness.Run("binarize", teacher, "--dataset", root, "--image-size", "12", "--epochs", "2", "--batch", "8", "--threads", "1", "-o", binary);
            Assert.True(r.Code == 0, r.Err);
            Assert.Matches(@"conv\S* +│ Conv +│ \[32x16x5x5\] +│ yes", r.Out);
            Assert.Contains("first layer stays real", r.Out);
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(r.Out, @"epoch \d+: loss").Count);
            Assert.Contains("weights in memory", r.Out);
            Assert.True(File.Exists(binary));
            Assert.Equal(teacherBytes, File.ReadAllBytes(teacher)); // the teacher is never touched

            var info = CliHarness.Run("info", binary);
            Assert.True(info.Code == 0, info.Err);
            Assert.Contains("Binary layers: 2", info.Out);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void BadArgumentsAreOneLineErrors()
    {
        var missing = CliHarness.Run("binarize", "no-such-model.onnx", "--dataset", "fashion-mnist", "-o", "x.onnx");
        Assert.NotEqual(0, missing.Code);
        Assert.Contains("no-such-model.onnx", missing.SingleErrorLine());
        var overwrite = CliHarness.Run("binarize", "same.onnx", "-o", "same.onnx");
        Assert.Equal(2, overwrite.Code);
        Assert.Contains("overwrite", overwrite.SingleErrorLine());
    }
}
