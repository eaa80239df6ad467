using System.Text;

namespace Bramble.Vision.Imaging;

/// <summary>
/// Encodes Netpbm: PGM for gray, PPM for colour, 8-bit, binary (P5/P6) or ASCII (P2/P3). Alpha is dropped
/// because the formats have none.
/// </summary>
internal static class PnmEncoder
{
    public static byte[] Encode(Image image, bool ascii = false)
    {
        image = image.DropAlpha();
        bool gray = image.Channels == 1;
        char kind = (gray, ascii) switch
        {
            (true, false) => '5',
            (false, false) => '6',
            (true, true) => '2',
            _ => '3',
        };
        string header = $"P{kind}\n{image.Width} {image.Height}\n255\n";
        if (!ascii)
        {
            var result = new byte[header.Length + image.Pixels.Length];
            Encoding.ASCII.GetBytes(header, result);
            image.Pixels.CopyTo(result, header.Length);
            return result;
        }
        var text = new StringBuilder(header, header.Length + image.Pixels.Length * 4);
        for (int y = 0; y < image.Height; y++)
        {
            var row = image.Row(y);
            // Netpbm asks for lines of at most 70 characters; one short line per image row stays well within it
            // only for tiny images, so wrap every 16 samples.
            for (int i = 0; i < row.Length; i++)
            {
                text.Append(row[i]);
                text.Append(i == row.Length - 1 || i % 16 == 15 ? '\n' : ' ');
            }
        }
        return Encoding.ASCII.GetBytes(text.ToString());
    }
}
