using Bramble.Tensors;

namespace Bramble.Vision.Imaging;

/// <summary>A preprocessed input tensor and where the image sits in it. Disposing frees the tensor.</summary>
public sealed class PreprocessResult(Tensor tensor, ImageTransform transform) : IDisposable
{
    /// <summary>Float32 [1, C, H, W] or [1, H, W, C].</summary>
    public Tensor Tensor { get; } = tensor;

    public ImageTransform Transform { get; } = transform;

    public void Dispose() => Tensor.Dispose();
}

/// <summary>Turns images into float32 network inputs as described by <see cref="PreprocessOptions"/>.</summary>
public static class Preprocessor
{
    /// <summary>A new [1, C, H, W] (or NHWC) tensor holding the preprocessed image.</summary>
    public static PreprocessResult Run(Image image, PreprocessOptions options)
    {
        var (tw, th) = TargetSize(image, options);
        int c = options.ChannelCount;
        var tensor = options.Layout == TensorLayout.Nchw
            ? Tensor.Allocate(DataType.Float32, 1, c, th, tw)
            : Tensor.Allocate(DataType.Float32, 1, th, tw, c);
        try
        {
            var transform = RunInto(image, options, tensor.AsSpan<float>());
            return new PreprocessResult(tensor, transform);
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes the preprocessed image into <paramref name="destination"/> (C*H*W floats in the chosen layout),
    /// e.g. one batch slot of a larger tensor.
    /// </summary>
    public static ImageTransform RunInto(Image image, PreprocessOptions options, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(options);
        var (tw, th) = TargetSize(image, options);
        int channels = options.ChannelCount;
        if (destination.Length != (long)channels * tw * th)
            throw new ShapeException($"preprocess destination has {destination.Length} floats, {channels}x{th}x{tw} needs {(long)channels * tw * th}");
        var mean = PerChannel(options.Mean, channels, 0f, "Mean");
        var std = PerChannel(options.Std, channels, 1f, "Std");
        foreach (float s in std)
            if (s == 0 || !float.IsFinite(s)) throw new BrambleException($"preprocess Std value {s} is not a usable divisor");

        var source = image.ToChannels(channels == 1 ? 1 : 3);
        int sw = source.Width, sh = source.Height;
        var transform = Geometry(sw, sh, tw, th, options);
        int cw = transform.ContentWidth, ch = transform.ContentHeight;

        // byte → scaled float via a table; for PixelScale 1/255 this equals Darknet's (float)(b / 255.) for all bytes.
        Span<float> lut = stackalloc float[256];
        for (int b = 0; b < 256; b++) lut[b] = (float)(b * options.PixelScale);

        var plane = new float[sw * sh];
        bool resize = cw != sw || ch != sh;
        var resized = resize ? new float[cw * ch] : plane;
        var scratch = resize ? new float[Resampler.ScratchSize(sh, cw)] : [];
        bool swap = options.Channels == ChannelOrder.Bgr;
        for (int c = 0; c < channels; c++)
        {
            int sc = swap ? 2 - c : c;
            var pixels = source.Pixels;
            int step = source.Channels;
            for (int i = 0, p = sc; i < plane.Length; i++, p += step) plane[i] = lut[pixels[p]];
            if (resize) Resampler.Resize(options.Interpolation, plane, sw, sh, resized, cw, ch, scratch);
            WriteChannel(resized, transform, options, c, channels, mean[c], std[c], destination);
        }
        return transform;
    }

    /// <summary>The tensor's spatial size for this image and options.</summary>
    public static (int Width, int Height) TargetSize(Image image, PreprocessOptions options)
    {
        int tw = options.Width, th = options.Height;
        if (options.Resize == ResizeMode.None && tw == 0 && th == 0) return (image.Width, image.Height);
        if (tw <= 0 || th <= 0) throw new BrambleException($"preprocess target size {tw}x{th} is not positive");
        if ((long)tw * th > Image.MaxPixels) throw new BrambleException($"preprocess target size {tw}x{th} exceeds {Image.MaxPixels} pixels");
        return (tw, th);
    }

    /// <summary>Where the resized image goes inside the target.</summary>
    public static ImageTransform Geometry(int sw, int sh, int tw, int th, PreprocessOptions options)
    {
        switch (options.Resize)
        {
            case ResizeMode.None:
                if (sw != tw || sh != th)
                    throw new ShapeException($"image is {sw}x{sh} but the input needs {tw}x{th} and resizing is off");
                return new ImageTransform(sw, sh, tw, th, sw, sh, 0, 0);
            case ResizeMode.Stretch:
                return new ImageTransform(sw, sh, tw, th, tw, th, 0, 0);
        }
        long nw, nh;
        if (options.Interpolation == Interpolation.Darknet)
        {
            // letterbox_image: compare the float ratios, then integer arithmetic (truncating) for the other side.
            if ((float)tw / sw < (float)th / sh) { nw = tw; nh = (long)sh * tw / sw; }
            else { nh = th; nw = (long)sw * th / sh; }
        }
        else
        {
            double r = Math.Min((double)tw / sw, (double)th / sh);
            nw = (long)Math.Round(sw * r);
            nh = (long)Math.Round(sh * r);
        }
        // Darknet would compute a 0-pixel side for extreme aspect ratios (e.g. 300x1 into 32x32) and embed nothing;
        // keeping at least one pixel row/column is the one deliberate deviation.
        int cw = (int)Math.Clamp(nw, 1, tw), ch = (int)Math.Clamp(nh, 1, th);
        return new ImageTransform(sw, sh, tw, th, cw, ch, (tw - cw) / 2, (th - ch) / 2);
    }

    private static void WriteChannel(float[] content, ImageTransform t, PreprocessOptions o, int c, int channels,
        float mean, float std, Span<float> destination)
    {
        int tw = t.TargetWidth, th = t.TargetHeight, cw = t.ContentWidth;
        bool planar = o.Layout == TensorLayout.Nchw;
        bool normalise = mean != 0f || std != 1f;
        float fill = normalise ? (o.LetterboxFill - mean) / std : o.LetterboxFill;
        for (int y = 0; y < th; y++)
        {
            int cy = y - t.OffsetY;
            bool rowInside = cy >= 0 && cy < t.ContentHeight;
            for (int x = 0; x < tw; x++)
            {
                int cx = x - t.OffsetX;
                float v;
                if (rowInside && cx >= 0 && cx < cw)
                {
                    v = content[cy * cw + cx];
                    if (normalise) v = (v - mean) / std;
                }
                else v = fill;
                int index = planar ? (c * th + y) * tw + x : (y * tw + x) * channels + c;
                destination[index] = v;
            }
        }
    }

    private static float[] PerChannel(float[]? values, int channels, float fallback, string name)
    {
        if (values == null || values.Length == 0) { var d = new float[channels]; Array.Fill(d, fallback); return d; }
        if (values.Length == 1) { var d = new float[channels]; Array.Fill(d, values[0]); return d; }
        if (values.Length != channels)
            throw new BrambleException($"preprocess {name} has {values.Length} values but the input has {channels} channels");
        return values;
    }
}
