using System.Runtime.InteropServices;
using Bramble.Tests.Support;
using Bramble.Vision.Detection;

namespace Bramble.Tests.Import.Darknet;

/// <summary>
/// Calls the Debian package's libdarknet.so (pjreddie's Darknet, CPU build) as the reference implementation.
/// Struct offsets come from its darknet.h on LP64 without GPU: network {int n @0; layer *layers @32},
/// layer (1184 bytes) {int outputs @88; out_h @120, out_w @124, out_c @128; float *output @616},
/// detection (48 bytes) {box bbox @0; int classes @16; float *prob @24; float objectness @40}.
/// The wrapper checks them against each other (outputs = out_w·out_h·out_c) before trusting them.
/// </summary>
internal sealed unsafe class LibDarknet : IDisposable
{
    public const string LibraryPath = DarknetLibrary.Path;
    private const int LayerSize = 1184, LayerOutputs = 88, LayerOutH = 120, LayerOutW = 124, LayerOutC = 128, LayerOutputPtr = 616;
    private const int NetLayers = 32, DetectionSize = 48, DetProb = 24, DetObjectness = 40;

    private readonly delegate* unmanaged[Cdecl]<nint, float*, float*> _predict;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int, float, float, int*, int, int*, nint> _getBoxes;
    private readonly delegate* unmanaged[Cdecl]<nint, int, int, float, void> _nms;
    private readonly delegate* unmanaged[Cdecl]<nint, int, void> _freeDetections;
    private readonly delegate* unmanaged[Cdecl]<nint, void> _freeNetwork;
    private nint _net;

    /// <summary>Whether the library can be loaded on this machine (x64 Linux with the package installed).</summary>
    public static bool IsAvailable => DarknetLibrary.IsAvailable;

    public LibDarknet(string cfg, string weights)
    {
        nint lib = DarknetLibrary.Load();
        var load = (delegate* unmanaged[Cdecl]<byte*, byte*, int, nint>)NativeLibrary.GetExport(lib, "load_network");
        var setBatch = (delegate* unmanaged[Cdecl]<nint, int, void>)NativeLibrary.GetExport(lib, "set_batch_network");
        _predict = (delegate* unmanaged[Cdecl]<nint, float*, float*>)NativeLibrary.GetExport(lib, "network_predict");
        _getBoxes = (delegate* unmanaged[Cdecl]<nint, int, int, float, float, int*, int, int*, nint>)NativeLibrary.GetExport(lib, "get_network_boxes");
        _nms = (delegate* unmanaged[Cdecl]<nint, int, int, float, void>)NativeLibrary.GetExport(lib, "do_nms_sort");
        _freeDetections = (delegate* unmanaged[Cdecl]<nint, int, void>)NativeLibrary.GetExport(lib, "free_detections");
        _freeNetwork = (delegate* unmanaged[Cdecl]<nint, void>)NativeLibrary.GetExport(lib, "free_network");
        var cfgBytes = System.Text.Encoding.UTF8.GetBytes(cfg + "\0");
        var weightBytes = System.Text.Encoding.UTF8.GetBytes(weights + "\0");
        fixed (byte* c = cfgBytes)
        fixed (byte* w = weightBytes)
            _net = load(c, w, 1);
        if (_net == 0) throw new InvalidOperationException("load_network returned null");
        setBatch(_net, 1);
    }

    public int LayerCount => *(int*)_net;

    private byte* Layer(int i)
    {
        if (i < 0 || i >= LayerCount) throw new ArgumentOutOfRangeException(nameof(i));
        return *(byte**)((byte*)_net + NetLayers) + (long)i * LayerSize;
    }

    /// <summary>Runs the network on a C×H×W planar input.</summary>
    public void Predict(float[] input)
    {
        fixed (float* p = input) _predict(_net, p);
    }

    /// <summary>A copy of layer <paramref name="i"/>'s output after <see cref="Predict"/>, with its c, h, w.</summary>
    public (float[] Data, int C, int H, int W) LayerOutput(int i)
    {
        byte* l = Layer(i);
        int outputs = *(int*)(l + LayerOutputs), c = *(int*)(l + LayerOutC), h = *(int*)(l + LayerOutH), w = *(int*)(l + LayerOutW);
        if (outputs <= 0 || (c * h * w != 0 && c * h * w != outputs))
            throw new InvalidOperationException($"layer {i}: outputs {outputs} vs {c}x{h}x{w}: the assumed struct layout is wrong");
        var data = new float[outputs];
        new ReadOnlySpan<float>(*(float**)(l + LayerOutputPtr), outputs).CopyTo(data);
        return (data, c, h, w);
    }

    /// <summary>get_network_boxes(relative=1) then, when <paramref name="nms"/> &gt; 0, do_nms_sort; as candidates.</summary>
    public List<BoxCandidate> Boxes(int imageW, int imageH, float thresh, float nms, int classes)
    {
        int count = 0;
        nint dets = _getBoxes(_net, imageW, imageH, thresh, 0.5f, null, 1, &count);
        try
        {
            if (nms > 0) _nms(dets, count, classes, nms);
            var result = new List<BoxCandidate>(count);
            for (int i = 0; i < count; i++)
            {
                byte* d = (byte*)dets + (long)i * DetectionSize;
                var box = *(DarknetBox*)d;
                var prob = new ReadOnlySpan<float>(*(float**)(d + DetProb), classes).ToArray();
                result.Add(new BoxCandidate(box, *(float*)(d + DetObjectness), prob));
            }
            return result;
        }
        finally
        {
            _freeDetections(dets, count);
        }
    }

    public void Dispose()
    {
        if (_net != 0) _freeNetwork(_net);
        _net = 0;
    }
}
