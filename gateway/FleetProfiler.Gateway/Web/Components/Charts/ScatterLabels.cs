namespace FleetProfiler.Gateway.Web.Components.Charts;

/// <summary>A label's place: its anchor point (SVG text x, baseline y), anchor side, and the box it covers.</summary>
public readonly record struct LabelPlace(double X, double Y, bool End, Box Box);

/// <summary>An axis-aligned box in SVG units.</summary>
public readonly record struct Box(double Left, double Top, double Right, double Bottom)
{
    public bool Intersects(Box o) => Left < o.Right && o.Left < Right && Top < o.Bottom && o.Top < Bottom;

    public bool Inside(Box o) => Left >= o.Left && Right <= o.Right && Top >= o.Top && Bottom <= o.Bottom;
}

/// <summary>
/// Places the labels of a scatter's dots so that no two overlap and none leaves the plot: each label tries the right
/// of its dot, then the left, then rows above and below on either side; a label with no free place is left out (its
/// dot keeps its tooltip and link, and the endpoint table beside the chart names it). Text width is estimated from
/// the character count with a wide average glyph, so the estimate covers what the browser draws.
/// </summary>
public static class ScatterLabels
{
    /// <summary>Average glyph width per pixel of font size, rounded up (DejaVu Sans averages ~0.6, Arial ~0.5).</summary>
    public const double GlyphWidth = 0.65;

    public static IReadOnlyList<LabelPlace?> Place(IReadOnlyList<(double X, double Y, string Text)> dots, Box plot, double fontSize = 11, double radius = 6)
    {
        var placed = new List<Box>();
        // Dots are obstacles too: a label over another dot hides it.
        var dotBoxes = dots.Select(d => new Box(d.X - radius, d.Y - radius, d.X + radius, d.Y + radius)).ToList();
        var result = new LabelPlace?[dots.Count];
        var height = fontSize * 1.3; // ascent + descent with room to spare
        // Top to bottom, then left to right: neighbours settle in reading order.
        foreach (var i in Enumerable.Range(0, dots.Count).OrderBy(i => dots[i].Y).ThenBy(i => dots[i].X))
        {
            var (x, y, text) = dots[i];
            var width = text.Length * fontSize * GlyphWidth;
            foreach (var (dy, end) in Candidates(height))
            {
                var left = end ? x - radius - 3 - width : x + radius + 3;
                var baseline = y + fontSize * 0.35 + dy;
                var box = new Box(left, baseline - fontSize, left + width, baseline - fontSize + height);
                if (!box.Inside(plot) || placed.Any(box.Intersects) || dotBoxes.Where((_, k) => k != i).Any(box.Intersects)) continue;
                placed.Add(box);
                result[i] = new LabelPlace(end ? box.Right : box.Left, baseline, end, box);
                break;
            }
        }
        return result;
    }

    private static IEnumerable<(double Dy, bool End)> Candidates(double height)
    {
        yield return (0, false);
        yield return (0, true);
        for (var row = 1; row <= 3; row++)
        {
            foreach (var sign in new[] { -1, 1 })
            {
                yield return (sign * row * height, false);
                yield return (sign * row * height, true);
            }
        }
    }
}
