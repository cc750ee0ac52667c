using System.Text;

namespace FleetProfiler.Profiles.Formats;

/// <summary>Look of a flamegraph.</summary>
public sealed record FlameGraphOptions
{
    /// <summary>Heading.</summary>
    public string Title { get; init; } = "Flame Graph";

    /// <summary>Line under the heading (diffs default to a colour legend).</summary>
    public string? Subtitle { get; init; }

    /// <summary>Image width in pixels.</summary>
    public int Width { get; init; } = 1200;

    /// <summary>Height of one frame row in pixels.</summary>
    public int FrameHeight { get; init; } = 16;

    /// <summary>Label font size in pixels.</summary>
    public int FontSize { get; init; } = 12;

    /// <summary>Frames narrower than this (pixels) are not drawn, nor anything above them.</summary>
    public double MinFrameWidthPx { get; init; } = 0.1;

    /// <summary>Name of the value in tooltips; default "samples" (cpu, wall) or "bytes" (alloc).</summary>
    public string? Unit { get; init; }
}

/// <summary>
/// Self-contained interactive flamegraph SVG in the manner of flamegraph.pl: root at the bottom, one
/// <c>&lt;g class="f"&gt;</c> with a <c>&lt;title&gt;</c>, <c>&lt;rect&gt;</c> and <c>&lt;text&gt;</c> per visible
/// node, width by total, siblings in name order. Inline script: hover details, click to zoom, Reset Zoom,
/// Search (button, Ctrl-F, F3) with highlight and matched share. No external URLs.
/// </summary>
public static class FlameGraphSvg
{
    private const int Pad = 10;

    /// <summary>Flamegraph of <paramref name="tree"/> for <paramref name="kind"/>; warm colours by function name.</summary>
    public static string Render(CallTree tree, ProfileKind kind, FlameGraphOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tree);
        options ??= new FlameGraphOptions();
        long[] totals = tree.ComputeTotals(kind);
        double[] width = new double[totals.Length];
        for (int i = 0; i < totals.Length; i++) width[i] = Math.Max(totals[i], 0);
        long all = totals[CallTree.Root];
        string unit = options.Unit ?? ProfileTypes.Of(kind).Unit;
        var boxes = Layout(tree, width, options, out int maxDepth);
        return Write(tree, boxes, maxDepth, options, options.Subtitle, node =>
        {
            long self = tree.SelfOf(node).Get(kind);
            string stats = $"{Count(totals[node])} {unit} ({Percent(totals[node], all)}), self {Count(self)}";
            string colour = node != CallTree.Root && tree.FrameOf(node).IsOther ? "rgb(190,190,190)" : WarmColour(Name(tree, node));
            return (stats, colour);
        });
    }

    /// <summary>
    /// Differential flamegraph: width = mean of the before and after shares (so paths that vanished or
    /// appeared stay visible); colour = change of share, red grew, blue shrank, intensity relative to the
    /// largest change shown, white unchanged.
    /// </summary>
    public static string RenderDiff(ProfileDiff diff, FlameGraphOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(diff);
        options ??= new FlameGraphOptions { Title = "Differential Flame Graph" };
        CallTree tree = diff.Tree;
        double[] width = new double[tree.NodeCount];
        for (int i = 0; i < width.Length; i++) width[i] = Math.Max((diff.ShareBefore(i) + diff.ShareAfter(i)) / 2, 0);
        var boxes = Layout(tree, width, options, out int maxDepth);
        double maxChange = 0;
        foreach (var box in boxes) maxChange = Math.Max(maxChange, Math.Abs(diff.Delta(box.Node)));
        string subtitle = options.Subtitle ?? "red = larger share after, blue = smaller; width = mean share";
        return Write(tree, boxes, maxDepth, options, subtitle, node =>
        {
            double delta = diff.Delta(node);
            string stats = $"before {Share(diff.ShareBefore(node))}, after {Share(diff.ShareAfter(node))}, change {(delta >= 0 ? "+" : "-")}{Share(Math.Abs(delta))}";
            return (stats, DiffColour(delta, maxChange));
        });
    }

    /// <summary>Colour of a diff frame: red grew, blue shrank, white unchanged; intensity |delta| / maxChange.</summary>
    internal static string DiffColour(double delta, double maxChange)
    {
        double intensity = maxChange > 0 ? Math.Min(1, Math.Abs(delta) / maxChange) : 0;
        int fade = (int)Math.Round(255 - 229.5 * intensity, MidpointRounding.AwayFromZero);   // never fully saturated: labels stay readable
        return delta > 0 ? $"rgb(255,{fade},{fade})" : delta < 0 ? $"rgb({fade},{fade},255)" : "rgb(255,255,255)";
    }

    internal readonly record struct Box(int Node, int Depth, double X, double Width);

    /// <summary>Visible frames: children laid left to right in name order inside their parent.</summary>
    internal static List<Box> Layout(CallTree tree, double[] value, FlameGraphOptions options, out int maxDepth)
    {
        var children = tree.BuildChildIndex(ChildOrder.ByFrame);
        int[] order = tree.Preorder(children, out int[] depth, out _);
        double span = options.Width - 2 * Pad;
        double scale = value[CallTree.Root] > 0 ? span / value[CallTree.Root] : 0;
        var x = new double[tree.NodeCount];
        var visible = new bool[tree.NodeCount];
        var boxes = new List<Box> { new(CallTree.Root, 0, Pad, span) };
        x[CallTree.Root] = Pad;
        visible[CallTree.Root] = true;
        maxDepth = 0;
        foreach (int node in order)
        {
            if (!visible[node]) continue;
            double cursor = x[node];
            foreach (int c in children.ChildrenOf(node))
            {
                double w = value[c] * scale;
                x[c] = cursor;
                cursor += w;
                if (w < options.MinFrameWidthPx || w <= 0) continue;
                visible[c] = true;
                boxes.Add(new Box(c, depth[c], x[c], w));
                maxDepth = Math.Max(maxDepth, depth[c]);
            }
        }
        return boxes;
    }

    private static string Write(CallTree tree, List<Box> boxes, int maxDepth, FlameGraphOptions o, string? subtitle,
        Func<int, (string Stats, string Colour)> describe)
    {
        int fh = o.FrameHeight, fs = o.FontSize;
        int top = fs * 3 + (subtitle is null ? 8 : fs + 12);
        int bottom = fs * 2 + 8;
        int height = top + (maxDepth + 1) * fh + bottom;
        var sb = new StringBuilder(1024 + boxes.Count * 220);
        sb.Append("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
        sb.Append(CultureInfo.InvariantCulture,
            $"<svg id=\"fp-root\" xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{o.Width}\" height=\"{height}\" viewBox=\"0 0 {o.Width} {height}\" data-width=\"{o.Width}\" data-pad=\"{Pad}\" data-font=\"{fs}\" onload=\"fpInit(evt)\">\n");
        sb.Append("<style type=\"text/css\"><![CDATA[\n").Append(FlameGraphScript.Css).Append("\ntext { font-size: ")
            .Append(fs).Append("px; }\n]]></style>\n");
        sb.Append("<script type=\"text/ecmascript\"><![CDATA[\n").Append(FlameGraphScript.Js).Append("\n]]></script>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text id=\"fp-title\" x=\"{o.Width / 2}\" y=\"{fs * 2}\" text-anchor=\"middle\">");
        AppendEscaped(sb, o.Title).Append("</text>\n");
        if (subtitle is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<text id=\"fp-subtitle\" x=\"{o.Width / 2}\" y=\"{fs * 3 + 8}\" text-anchor=\"middle\">");
            AppendEscaped(sb, subtitle).Append("</text>\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"<text id=\"fp-unzoom\" class=\"fp-button fp-hide\" x=\"{Pad}\" y=\"{fs * 2}\">Reset Zoom</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text id=\"fp-search\" class=\"fp-button\" x=\"{o.Width - Pad}\" y=\"{fs * 2}\" text-anchor=\"end\">Search</text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text id=\"fp-matched\" x=\"{o.Width - Pad}\" y=\"{height - fs / 2}\" text-anchor=\"end\"> </text>\n");
        sb.Append(CultureInfo.InvariantCulture, $"<text id=\"fp-details\" x=\"{Pad}\" y=\"{height - fs / 2}\"> </text>\n");
        sb.Append("<g id=\"fp-frames\">\n");
        foreach (Box box in boxes)
        {
            string name = Name(tree, box.Node);
            var (stats, colour) = describe(box.Node);
            double y = height - bottom - (box.Depth + 1) * fh;
            sb.Append("<g class=\"f\"><title>");
            AppendEscaped(sb, name).Append('\n');
            AppendEscaped(sb, stats);
            if (box.Node != CallTree.Root && tree.FrameOf(box.Node) is { File: { } file } frame)
            {
                sb.Append('\n');
                AppendEscaped(sb, frame.Line > 0 ? $"{file}:{frame.Line.ToString(CultureInfo.InvariantCulture)}" : file);
            }
            sb.Append(CultureInfo.InvariantCulture,
                $"</title><rect x=\"{Num(box.X)}\" y=\"{Num(y)}\" width=\"{Num(box.Width)}\" height=\"{fh - 1}\" fill=\"{colour}\" rx=\"2\" ry=\"2\"/><text x=\"{Num(box.X + 3)}\" y=\"{Num(y + fh - 4)}\">");
            AppendEscaped(sb, Fit(name, box.Width, fs)).Append("</text></g>\n");
        }
        sb.Append("</g>\n</svg>\n");
        return sb.ToString();
    }

    private static string Name(CallTree tree, int node) =>
        node == CallTree.Root ? "all" : tree.Frames.GetFunction(tree.FrameIdOf(node)).ReplaceLineEndings(" ");

    /// <summary>Same truncation as the script's fpFit, so labels look alike before and after zooming.</summary>
    private static string Fit(string name, double width, int fontSize)
    {
        int n = (int)Math.Floor((width - 6) / (fontSize * 0.59));
        if (n < 3) return "";
        return name.Length <= n ? name : string.Concat(name.AsSpan(0, n - 2), "..");
    }

    /// <summary>flamegraph.pl's "hot" palette, seeded by a stable hash of the name (same name, same colour).</summary>
    private static string WarmColour(string name)
    {
        uint h = 2166136261;
        foreach (char c in name) h = (h ^ c) * 16777619;
        double v1 = (h & 0xFF) / 255.0, v2 = ((h >> 8) & 0xFF) / 255.0, v3 = ((h >> 16) & 0xFF) / 255.0;
        int r = 205 + (int)(50 * v3), g = (int)(230 * v1), b = (int)(55 * v2);
        return $"rgb({r},{g},{b})";
    }

    private static string Num(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Count(long v) => v.ToString("N0", CultureInfo.InvariantCulture);

    private static string Percent(long part, long whole) =>
        whole == 0 ? "0%" : (100.0 * part / whole).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    private static string Share(double share) => (100 * share).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>XML-escapes text and drops characters XML 1.0 cannot carry.</summary>
    private static StringBuilder AppendEscaped(StringBuilder sb, string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb.Append(c).Append(text[++i]);
                    }
                    else if ((c >= 0x20 && c < 0xD800) || c is '\n' or '\t' || (c >= 0xE000 && c <= 0xFFFD))
                    {
                        sb.Append(c);
                    }
                    else
                    {
                        sb.Append('?');
                    }
                    break;
            }
        }
        return sb;
    }
}
