using System.Xml.Linq;

namespace FleetProfiler.Profiles.Tests.Formats;

public class FlameGraphSvgTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static List<XElement> FrameGroups(XDocument doc) =>
        doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "f").ToList();

    private static string NameOf(XElement frame) => frame.Element(Svg + "title")!.Value.Split('\n')[0];

    [Fact]
    public void Svg_is_well_formed_with_one_rect_per_visible_node()
    {
        var tree = TestTrees.Cpu("main;a;x 30", "main;b 20", "main 10", "other 40");
        var doc = XDocument.Parse(FlameGraphSvg.Render(tree, ProfileKind.Cpu));
        var frames = FrameGroups(doc);
        Assert.Equal(tree.NodeCount, frames.Count);
        Assert.All(frames, f => Assert.Single(f.Elements(Svg + "rect")));
        Assert.Equal(tree.NodeCount, doc.Descendants(Svg + "rect").Count());
        Assert.Equal(new[] { "a", "all", "b", "main", "other", "x" }, frames.Select(NameOf).Order());
    }

    [Fact]
    public void Widths_are_proportional_to_totals_and_children_sit_inside_parents()
    {
        var tree = TestTrees.Cpu("main;a 75", "main;b 25");
        var doc = XDocument.Parse(FlameGraphSvg.Render(tree, ProfileKind.Cpu, new FlameGraphOptions { Width = 420 }));
        var rects = FrameGroups(doc).ToDictionary(NameOf, f => f.Element(Svg + "rect")!);
        double W(string n) => double.Parse(rects[n].Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        double X(string n) => double.Parse(rects[n].Attribute("x")!.Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(400, W("all"), 3);
        Assert.Equal(300, W("a"), 3);
        Assert.Equal(100, W("b"), 3);
        Assert.Equal(X("main"), X("a"), 3);
        Assert.Equal(X("a") + W("a"), X("b"), 3);
    }

    [Fact]
    public void Frames_narrower_than_the_minimum_width_are_not_drawn()
    {
        var tree = TestTrees.Cpu("main;big 1000000", "main;tiny;deeper 1");
        var doc = XDocument.Parse(FlameGraphSvg.Render(tree, ProfileKind.Cpu));
        Assert.Equal(new[] { "all", "main", "big" }, FrameGroups(doc).Select(NameOf));
    }

    [Fact]
    public void Tooltip_shows_name_value_and_share_and_location()
    {
        var tree = new CallTree();
        tree.Add([new Frame("List<T>.Add(T) & <more>", "List.cs", 7)], SampleValues.Cpu(3));
        tree.Add([new Frame("x")], SampleValues.Cpu(1));
        var doc = XDocument.Parse(FlameGraphSvg.Render(tree, ProfileKind.Cpu));
        var title = FrameGroups(doc).Single(f => NameOf(f) == "List<T>.Add(T) & <more>").Element(Svg + "title")!.Value;
        Assert.Equal("List<T>.Add(T) & <more>\n3 samples (75%), self 3\nList.cs:7", title);
    }

    [Fact]
    public void Svg_is_self_contained_with_zoom_and_search_script()
    {
        string svg = FlameGraphSvg.Render(TestTrees.Cpu("a;b 1"), ProfileKind.Cpu);
        var doc = XDocument.Parse(svg);
        string script = doc.Descendants(Svg + "script").Single().Value;
        Assert.Contains("function fpZoom", script);
        Assert.Contains("function fpReset", script);
        Assert.Contains("function fpSearch", script);
        Assert.Contains("keydown", script);
        Assert.Contains("'f'", script);   // Ctrl-F
        Assert.Equal("fpInit(evt)", doc.Root!.Attribute("onload")!.Value);
        var buttons = doc.Descendants(Svg + "text").Where(t => t.Attribute("id") is not null).ToDictionary(t => t.Attribute("id")!.Value, t => t.Value);
        Assert.Equal("Reset Zoom", buttons["fp-unzoom"]);
        Assert.Equal("Search", buttons["fp-search"]);
        Assert.DoesNotContain("href", svg);
        Assert.Equal(1, CountOf(svg, "http"));   // only the SVG namespace
    }

    [Fact]
    public void Names_with_characters_xml_cannot_carry_still_parse()
    {
        var tree = new CallTree();
        tree.Add([new Frame("bad\u0001name\uFFFF]]>")], SampleValues.Cpu(1));
        var doc = XDocument.Parse(FlameGraphSvg.Render(tree, ProfileKind.Cpu, new FlameGraphOptions { Title = "t <&> \"q\"" }));

        // The characters XML can carry survive as text; the ones it cannot are replaced, not dropped with the name.
        Assert.Contains(doc.Descendants(Svg + "text"), t => t.Value == "t <&> \"q\"");
        var name = Assert.Single(FrameGroups(doc).Select(NameOf), n => n != "all");
        Assert.StartsWith("bad", name);
        Assert.Contains("]]>", name);
        Assert.DoesNotContain('\u0001', name);
        Assert.DoesNotContain('\uFFFF', name);
    }

    [Fact]
    public void Diff_colours_grown_frames_red_and_shrunk_frames_blue_by_magnitude()
    {
        var diff = ProfileDiff.Compute(
            TestTrees.Cpu("main;a 60", "main;b 40"),
            TestTrees.Cpu("main;a 100", "main;b 50", "main;c 50"),
            ProfileKind.Cpu);
        var doc = XDocument.Parse(FlameGraphSvg.RenderDiff(diff));
        // Golden: c +25 points (the largest change, full red), b -15 (60 % blue), a -10 (40 % blue), main unchanged.
        var fills = FrameGroups(doc).Select(f => $"{NameOf(f)} {f.Element(Svg + "rect")!.Attribute("fill")!.Value}").Order(StringComparer.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "diff-fills.expected.txt")).ReplaceLineEndings("\n"),
            string.Concat(fills.Select(l => l + "\n")));
        var title = FrameGroups(doc).Single(f => NameOf(f) == "c").Element(Svg + "title")!.Value;
        Assert.Equal("c\nbefore 0%, after 25%, change +25%", title);
    }

    [Fact]
    public void Diff_keeps_vanished_paths_visible_by_mean_share()
    {
        var diff = ProfileDiff.Compute(TestTrees.Cpu("main;gone 50", "main;kept 50"), TestTrees.Cpu("main;kept 10"), ProfileKind.Cpu);
        var doc = XDocument.Parse(FlameGraphSvg.RenderDiff(diff));
        Assert.Contains("gone", FrameGroups(doc).Select(NameOf));
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + 1, StringComparison.Ordinal)) count++;
        return count;
    }
}
