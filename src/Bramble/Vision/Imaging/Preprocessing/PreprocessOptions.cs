namespace Bramble.Vision.Imaging;

/// <summary>How the image is fitted to the network's input size.</summary>
public enum ResizeMode
{
    /// <summary>Scale to exactly the target size, ignoring aspect ratio.</summary>
    Stretch,
    /// <summary>Scale to fit inside the target keeping the aspect ratio, centre, and pad with <see cref="PreprocessOptions.LetterboxFill"/>.</summary>
    Letterbox,
    /// <summary>No resizing: the image must already have the target size (or the target size is 0 = the image's).</summary>
    None,
}

/// <summary>Resampling filter.</summary>
public enum Interpolation
{
    /// <summary>Bilinear with half-pixel centres and edge clamping (OpenCV INTER_LINEAR, PIL without antialiasing).</summary>
    Bilinear,
    /// <summary>Nearest neighbour, source index floor(x * in / out) (OpenCV INTER_NEAREST).</summary>
    Nearest,
    /// <summary>
    /// Darknet's <c>resize_image</c>: two-pass bilinear with corner-aligned sampling, float arithmetic replicated
    /// operation for operation. With <see cref="ResizeMode.Letterbox"/> it also uses Darknet's integer geometry.
    /// </summary>
    Darknet,
}

/// <summary>Memory layout of the produced tensor.</summary>
public enum TensorLayout
{
    /// <summary>[1, C, H, W], planar (Darknet, most ONNX vision models).</summary>
    Nchw,
    /// <summary>[1, H, W, C], interleaved (TFLite-style models).</summary>
    Nhwc,
}

/// <summary>Channels the network expects, in order.</summary>
public enum ChannelOrder
{
    Rgb,
    Bgr,
    /// <summary>One luma channel.</summary>
    Gray,
}

/// <summary>
/// Turning a decoded <see cref="Image"/> into a float32 input tensor. Per channel the value is
/// <c>(resample(pixel * PixelScale) - Mean[c]) / Std[c]</c>; letterbox padding is <see cref="LetterboxFill"/>
/// before the mean/std step. Defaults give RGB, NCHW, 0..1, bilinear stretch.
/// </summary>
public sealed record PreprocessOptions
{
    /// <summary>Target width and height; with <see cref="ResizeMode.None"/> 0 means the image's own size.</summary>
    public int Width { get; init; }
    public int Height { get; init; }
    public ResizeMode Resize { get; init; } = ResizeMode.Stretch;
    public Interpolation Interpolation { get; init; } = Interpolation.Bilinear;
    public TensorLayout Layout { get; init; } = TensorLayout.Nchw;
    public ChannelOrder Channels { get; init; } = ChannelOrder.Rgb;

    /// <summary>Multiplies byte values before anything else (1/255 maps to 0..1, 1 keeps 0..255).</summary>
    public double PixelScale { get; init; } = 1.0 / 255.0;

    /// <summary>Per-channel mean (in network channel order) subtracted after resizing; null = 0. One value applies to all channels.</summary>
    public float[]? Mean { get; init; }

    /// <summary>Per-channel standard deviation divided by after subtracting the mean; null = 1.</summary>
    public float[]? Std { get; init; }

    /// <summary>Padding value for letterboxing, in scaled units (Darknet 0.5; YOLOv5-style 114/255).</summary>
    public float LetterboxFill { get; init; } = 0.5f;

    /// <summary>
    /// Exactly Darknet's detector input: <c>load_image_color</c> (RGB, planar, byte / 255.) then
    /// <c>letterbox_image</c> (its resize_image, centred, gray 0.5 fill).
    /// </summary>
    public static PreprocessOptions Darknet(int width, int height) => new()
    {
        Width = width,
        Height = height,
        Resize = ResizeMode.Letterbox,
        Interpolation = Interpolation.Darknet,
        Layout = TensorLayout.Nchw,
        Channels = ChannelOrder.Rgb,
        PixelScale = 1.0 / 255.0,
        LetterboxFill = 0.5f,
    };

    /// <summary>Letterboxed input as YOLOv5/v8 ONNX exports expect: RGB, NCHW, 0..1, gray 114 padding.</summary>
    public static PreprocessOptions Yolo(int width, int height) => new()
    {
        Width = width,
        Height = height,
        Resize = ResizeMode.Letterbox,
        Interpolation = Interpolation.Bilinear,
        LetterboxFill = 114f / 255f,
    };

    /// <summary>ImageNet classification input: stretch, RGB, NCHW, ImageNet mean/std on 0..1 values.</summary>
    public static PreprocessOptions ImageNet(int width = 224, int height = 224) => new()
    {
        Width = width,
        Height = height,
        Mean = [0.485f, 0.456f, 0.406f],
        Std = [0.229f, 0.224f, 0.225f],
    };

    internal int ChannelCount => Channels == ChannelOrder.Gray ? 1 : 3;
}
