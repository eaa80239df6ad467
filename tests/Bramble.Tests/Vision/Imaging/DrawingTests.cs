using Bramble.Vision.Imaging;

namespace Bramble.Tests.Vision.Imaging;

public class DrawingTests
{
    [Fact]
    public void RectangleBorderGrowsInwardAndIsClipped()
    {
        var image = new Image(20, 20, 3);
        var red = new Color(255, 0, 0);
        ImageDrawing.DrawRectangle(image, 2, 3, 12, 15, red, thickness: 2);
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 20; x++)
            {
                bool inside = x >= 2 && x <= 12 && y >= 3 && y <= 15;
                bool border = inside && (x <= 3 || x >= 11 || y <= 4 || y >= 14);
                Assert.True((image[x, y, 0] == 255) == border, $"pixel ({x},{y})");
                Assert.Equal(0, image[x, y, 1]);
            }
        // Off-image and reversed corners must not throw.
        ImageDrawing.DrawRectangle(image, 30, 30, -10, -10, red, 3);
        ImageDrawing.FillRectangle(image, 100, 100, 200, 200, red);
    }

    [Fact]
    public void GlyphsAreWellFormedAndDistinct()
    {
        var seen = new Dictionary<string, char>();
        for (char ch = BitmapFont.First; ch <= BitmapFont.Last; ch++)
        {
            var bits = new System.Text.StringBuilder();
            for (int y = 0; y < BitmapFont.GlyphHeight; y++)
                for (int x = 0; x < BitmapFont.GlyphWidth; x++) bits.Append(BitmapFont.IsSet(ch, x, y) ? '#' : '.');
            string key = bits.ToString();
            Assert.True(ch == ' ' || key.Contains('#'), $"glyph '{ch}' is empty");
            Assert.False(seen.TryGetValue(key, out char other), $"glyphs '{ch}' and '{other}' are identical");
            seen[key] = ch;
        }
        // Spot checks: 'I' has a full vertical stroke in the middle column, 'L' a full bottom row.
        for (int y = 0; y < 7; y++) Assert.True(BitmapFont.IsSet('I', 2, y));
        for (int x = 0; x < 5; x++) Assert.True(BitmapFont.IsSet('L', x, 6));
        Assert.True(BitmapFont.IsSet('\u00e9', 0, 1) == BitmapFont.IsSet('?', 0, 1)); // non-ASCII draws as '?'
    }

    [Fact]
    public void TextInksOnlyInsideItsMeasuredBox()
    {
        var image = new Image(80, 30, 1);
        ImageDrawing.DrawText(image, 5, 4, "dog 97%", Color.White, scale: 2);
        var (w, h) = BitmapFont.Measure("dog 97%", 2);
        Assert.Equal(((7 * 6 - 1) * 2, 14), (w, h));
        int inked = 0;
        for (int y = 0; y < 30; y++)
            for (int x = 0; x < 80; x++)
                if (image[x, y, 0] != 0)
                {
                    inked++;
                    Assert.True(x >= 5 && x < 5 + w && y >= 4 && y < 4 + h, $"ink outside the text box at ({x},{y})");
                }
        Assert.True(inked > 50);
    }

    [Fact]
    public void LabelDrawsBoxAndTagAboveIt()
    {
        var image = new Image(120, 80, 3);
        var color = Color.ForClass(16);
        ImageDrawing.DrawLabel(image, 20, 40, 100, 75, "dog", color, thickness: 2, textScale: 1);
        Assert.Equal((color.R, color.G, color.B), (image[20, 60, 0], image[20, 60, 1], image[20, 60, 2])); // left edge
        // Tag: 3 glyphs (17 px) + 2*2 padding wide, 7 + 4 tall, directly above y = 40.
        Assert.Equal(color.R, image[21, 30, 0]);
        Assert.Equal(0, image[50, 30, 0] + image[50, 30, 1] + image[50, 30, 2]); // beyond the tag
        bool hasInk = false;
        for (int y = 29; y < 40; y++)
            for (int x = 20; x < 41; x++)
                if (image[x, y, 0] != color.R || image[x, y, 1] != color.G) hasInk = true;
        Assert.True(hasInk, "tag has no text");

        // A box at the top edge gets its tag inside, and drawing on gray / RGBA images works.
        var gray = new Image(50, 50, 1);
        ImageDrawing.DrawLabel(gray, 0, 0, 49, 49, "cat", new Color(255, 255, 255));
        Assert.Equal(255, gray[0, 0, 0]);
        var rgba = new Image(10, 10, 4);
        ImageDrawing.FillRectangle(rgba, 0, 0, 9, 9, new Color(1, 2, 3));
        Assert.Equal(new byte[] { 1, 2, 3, 255 }, rgba.Pixels[..4]);
    }

    [Fact]
    public void ClassColoursAreDistinct()
    {
        var colours = Enumerable.Range(0, 80).Select(Color.ForClass).ToList();
        Assert.Equal(80, colours.Distinct().Count());
        for (int i = 1; i < 80; i++)
        {
            var (a, b) = (colours[i - 1], colours[i]);
            int distance = Math.Abs(a.R - b.R) + Math.Abs(a.G - b.G) + Math.Abs(a.B - b.B);
            Assert.True(distance > 100, $"classes {i - 1} and {i} look alike");
        }
    }
}
