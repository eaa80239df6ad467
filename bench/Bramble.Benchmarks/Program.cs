using BenchmarkDotNet.Running;
using Bramble.Benchmarks;

// `quick [threads]`: a few-second Stopwatch report; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "quick")
    QuickReport.Run(args);
else if (args.Length > 0 && args[0] == "profile-overhead")
    ProfileOverheadReport.Run(args);
else if (args.Length > 1 && args[0] == "profile")
    ModelConvProfile.Run(args);
else if (args.Length > 1 && args[0] == "scaling")
    ThreadScalingReport.Run(args);
else if (args.Length > 1 && args[0] == "winograd-model")
    WinogradModelReport.Run(args);
else if (args.Length > 0 && args[0] == "winograd")
    WinogradReport.Run(args);
else if (args.Length > 0 && args[0] == "sparse")
    SparseReport.Run(args);
else if (args.Length > 0 && args[0] == "binary-sweep")
    BinarySweepReport.Run(args);
else if (args.Length > 0 && args[0] == "layers")
    LayerReport.Run(args);
else if (args.Length > 2 && args[0] is "conv" or "conv-ab")
    ConvShapeReport.Run(args);
else if (args.Length > 0 && args[0] == "binary")
    BinaryReport.Run(args);
else
    BenchmarkSwitcher.FromAssembly(typeof(FmaPeak).Assembly).Run(args);
