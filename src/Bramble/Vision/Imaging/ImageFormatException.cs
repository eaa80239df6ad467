namespace Bramble.Vision.Imaging;

/// <summary>
/// An image file or buffer that cannot be decoded or encoded: corrupt, truncated, unsupported, or declaring a
/// size beyond <see cref="Image.MaxPixels"/>. The message is one line naming the source and the problem.
/// </summary>
public sealed class ImageFormatException : BrambleException
{
    public ImageFormatException(string message) : base(message) { }
    public ImageFormatException(string message, Exception inner) : base(message, inner) { }
}
