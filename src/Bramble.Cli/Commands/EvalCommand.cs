using System.CommandLine;
using Bramble.Runtime;
using Bramble.Training;
using Spectre.Console;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble eval MODEL --dataset fashion-mnist`: classifies the test split with Bramble's inference
/// session and prints top-1, top-5, the confusion matrix (rows = true class) and images/s.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(CliContext context)
    {
        var model = new Argument<string>("model") { Description = "ONNX classifier: input [N,C,H,W] of pixel/255, output logits [N,classes]" };
        var dataset = new Option<string>("--dataset") { Description = DatasetArgs.Description, DefaultValueFactory = _ => "fashion-mnist" };
        var batch = new Option<int>("--batch") { Description = "Images per inference call", DefaultValueFactory = _ => 100 };
        var threads = new Option<int>("--threads", "-t") { Description = "Worker threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var limit = new Option<int>("--limit") { Description = "Evaluate the first N test images only", DefaultValueFactory = _ => 0 };
        var imageSize = new Option<int>("--image-size") { Description = "Side of the square images of a folder dataset", DefaultValueFactory = _ => 28 };
        var channels = new Option<int>("--channels") { Description = "1 (gray) or 3 (RGB) for a folder dataset", DefaultValueFactory = _ => 1 };
        var command = new Command("eval", "Measure a classifier's accuracy on a dataset's test split") { model, dataset, batch, threads, limit, imageSize, channels };
        command.SetAction(parsed =>
        {
            if (parsed.GetValue(batch) < 1) throw new CliUsageException("--batch must be positive");
            var (_, test) = DatasetArgs.Load(parsed.GetValue(dataset)!, parsed.GetValue(imageSize), parsed.GetValue(channels));
            if (parsed.GetValue(limit) > 0) test = test.Take(parsed.GetValue(limit));
            string path = parsed.GetValue(model)!;
            using var loaded = context.LoadModel(path);
            using var session = new InferenceSession(loaded, new SessionOptions { Threads = Math.Max(1, parsed.GetValue(threads)) });
            var report = Evaluator.Evaluate(session, test, parsed.GetValue(batch));
            Print(context, path, report);
            return Cli.ExitOk;
        });
        return command;
    }

    private static void Print(CliContext context, string path, EvaluationReport report)
    {
        context.Out.WriteLine($"Model: {path}");
        context.Out.WriteLine($"Images: {report.Count:N0}  top-1: {report.Top1:P2}  top-5: {report.Top5:P2}  {report.ImagesPerSecond:F0} images/s");
        int classes = report.ClassNames.Count;
        var table = new Table().AddColumn("true \\ predicted");
        for (int c = 0; c < classes; c++) table.AddColumn(new TableColumn(c.ToString()).RightAligned());
        for (int r = 0; r < classes; r++)
        {
            var cells = new List<string> { Markup.Escape($"{r} {report.ClassNames[r]}") };
            for (int c = 0; c < classes; c++) cells.Add(report.Confusion[r, c].ToString());
            table.AddRow(cells.ToArray());
        }
        context.Console.Write(table);
    }
}
