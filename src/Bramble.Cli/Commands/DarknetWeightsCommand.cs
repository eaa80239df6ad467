using System.CommandLine;
using Bramble.Cli.Support;
using Bramble.Import.Darknet;

namespace Bramble.Cli.Commands;

/// <summary>
/// `bramble darknet-weights CFG -o FILE --seed S` (hidden, for benchmarks and demos): writes a .weights file in
/// Darknet's layout with fixed-seed random values, so Bramble and Darknet can run the same network where no
/// trained weights are available. The boxes such weights produce are meaningless; the computation is real.
/// </summary>
internal static class DarknetWeightsCommand
{
    public static Command Create(CliContext context)
    {
        var cfg = new Argument<string>("cfg") { Description = "Darknet .cfg file" };
        var output = new Option<string>("--output", "-o") { Description = "The .weights file to write", Required = true };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same file)", DefaultValueFactory = _ => 1 };
        var command = new Command("darknet-weights", "Write fixed-seed random Darknet weights for a cfg (benchmarks)")
        {
            Hidden = true,
        };
        command.Arguments.Add(cfg);
        command.Options.Add(output);
        command.Options.Add(seed);
        command.SetAction(parsed =>
        {
            string cfgPath = parsed.GetRequiredValue(cfg);
            string target = parsed.GetRequiredValue(output);
            if (string.Equals(Path.GetFullPath(cfgPath), Path.GetFullPath(target), StringComparison.Ordinal))
                throw new BrambleException($"{target}: refusing to overwrite the cfg file");
            var network = DarknetNetwork.Load(cfgPath);
            DarknetWeightsWriter.Write(target, network, parsed.GetValue(seed));
            context.Out.WriteLine($"wrote {target}: {Format.Count(network.Layers.Sum(l => l.WeightCount))} random weights (seed {parsed.GetValue(seed)}) for {cfgPath}; not trained, boxes will be meaningless");
            return Cli.ExitOk;
        });
        return command;
    }
}
