namespace Bramble.Import.Darknet;

/// <summary>
/// A Darknet network as its cfg describes it: input size and the layers with their dimensions, computed
/// layer by layer exactly as Darknet's parse_network_cfg does (each layer's input is the previous layer's output).
/// </summary>
public sealed class DarknetNetwork
{
    internal DarknetNetwork(CfgFile cfg, int width, int height, int channels, List<DarknetLayer> layers)
    {
        Cfg = cfg;
        Width = width;
        Height = height;
        Channels = channels;
        Layers = layers;
    }

    public CfgFile Cfg { get; }
    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }
    public IReadOnlyList<DarknetLayer> Layers { get; }

    /// <summary>Floats the .weights file must hold after its header.</summary>
    public long WeightCount => Layers.Sum(l => l.WeightCount);

    /// <summary>Parses a .cfg file and computes every layer's shape.</summary>
    public static DarknetNetwork Load(string cfgPath) => FromCfg(CfgFile.Load(cfgPath));

    public static DarknetNetwork FromCfg(CfgFile cfg)
    {
        // Report an unknown or unsupported section before anything else about the network.
        for (int i = 1; i < cfg.Sections.Count; i++) DarknetLayerParser.KindOf(cfg.Sections[i]);
        var net = cfg.Sections[0];
        int width = net.GetInt("width", 0), height = net.GetInt("height", 0), channels = net.GetInt("channels", 0);
        if (width <= 0 || height <= 0 || channels <= 0)
            throw new UnsupportedOperatorException(
                $"{net.Where}: [net] needs positive width, height and channels (got {width}x{height}x{channels}); flat 'inputs=' networks are not supported");
        if ((long)width * height * channels > 1L << 28)
            throw new ModelFormatException($"{net.Where}: [net] input {width}x{height}x{channels} is unreasonably large");

        var layers = new List<DarknetLayer>();
        int c = channels, h = height, w = width;
        bool flat = false;
        for (int i = 1; i < cfg.Sections.Count; i++)
        {
            var layer = DarknetLayerParser.Parse(layers.Count, cfg.Sections[i], c, h, w, flat, layers);
            layers.Add(layer);
            c = layer.OutC;
            h = layer.OutH;
            w = layer.OutW;
            flat = layer.OutFlat;
        }
        if (layers.Count == 0) throw new ModelFormatException($"{cfg.FileName}: the network has no layers after [net]");
        return new DarknetNetwork(cfg, width, height, channels, layers);
    }
}
