using System.Text.Json;
using static FleetProfiler.Web.Tests.Pages.FlameExplorer;

namespace FleetProfiler.Web.Tests.Pages;

/// <summary>The flamegraph explorer (/app/flame) on the demo's real profiles: zoom, search, URL state, the top table, sandwich, diff.</summary>
[Collection(WebCollection.Name)]
public sealed class FlameTests(WebPlatform web)
{
    private const string HotSpot = "PrimeSieve";

    [Fact]
    public async Task Zoom_and_search_change_what_is_drawn_and_a_copied_url_restores_the_view()
    {
        await web.DemoDataAsync();
        var at = await PinnedAtAsync(web);
        await using var page = await web.OpenAsync(Url(at, "kind=cpu&since=15m"), "flame");
        await WaitDrawnAsync(page);
        var whole = await ModelAsync(page);
        Assert.Equal("all", whole.GetProperty("zoom").GetProperty("name").GetString());
        Assert.Contains(Frames(whole), f => Name(f).Contains(HotSpot, StringComparison.Ordinal));

        // Zoom: click the widest frame of the hot spot; it then spans the canvas and is the only frame of its row.
        var target = Frames(whole).Where(f => Name(f).Contains(HotSpot, StringComparison.Ordinal)).MaxBy(f => f.GetProperty("width").GetDouble());
        var index = target.GetProperty("index").GetInt32();
        await ClickFrameAsync(page, target);
        await WaitZoomedAsync(page, index);
        var zoomed = await ModelAsync(page);
        var width = zoomed.GetProperty("width").GetDouble();
        var row = Frames(zoomed).Where(f => f.GetProperty("depth").GetInt32() == target.GetProperty("depth").GetInt32()).ToList();
        Assert.Equal(index, Assert.Single(row).GetProperty("index").GetInt32());
        Assert.True(row[0].GetProperty("width").GetDouble() >= width - 1, $"the zoomed frame is {row[0].GetProperty("width")} px of {width}");
        Assert.Contains("zoom=", page.Page.Url, StringComparison.Ordinal);
        await page.ScreenshotAsync("zoomed");

        // Search: the hot spot's frames are highlighted and their share of the total is shown.
        await page.Page.Locator("#flame-search").FillAsync(HotSpot);
        await page.Page.WaitForFunctionAsync("q => window.fleetFlame.model().search === q", HotSpot);
        var searched = await ModelAsync(page);
        Assert.True(searched.GetProperty("matches").GetInt32() > 0);
        var share = searched.GetProperty("matchShare").GetDouble();
        Assert.InRange(share, 1e-6, 1.0);
        var colours = searched.GetProperty("colours").EnumerateArray().Select(c => c.GetString()).ToList();
        var frames = Frames(searched).Take(colours.Count).ToList();
        for (var k = 0; k < colours.Count; k++)
            Assert.Equal(Name(frames[k]).Contains(HotSpot, StringComparison.OrdinalIgnoreCase), colours[k] == "#c2185b");
        await Assertions.Expect(page.Page.Locator("#flame-match")).ToContainTextAsync("% of the total");
        await page.ScreenshotAsync("searched");
        page.AssertClean();

        // The copied URL, opened in a new page, draws the same frames with the same zoom and search.
        var url = page.Page.Url;
        await using var copy = await web.OpenAsync(new Uri(url).PathAndQuery, "flame-copy");
        await WaitDrawnAsync(copy);
        await WaitZoomedAsync(copy, index);
        var restored = await ModelAsync(copy);
        Assert.Equal(searched.GetProperty("zoom").GetProperty("path").GetString(), restored.GetProperty("zoom").GetProperty("path").GetString());
        Assert.Equal(HotSpot, restored.GetProperty("search").GetString());
        Assert.Equal(searched.GetProperty("matches").GetInt32(), restored.GetProperty("matches").GetInt32());
        Assert.Equal(share, restored.GetProperty("matchShare").GetDouble(), 9);
        Assert.Equal(Frames(searched).Select(f => (Name(f), f.GetProperty("depth").GetInt32(), Math.Round(f.GetProperty("x").GetDouble()))),
            Frames(restored).Select(f => (Name(f), f.GetProperty("depth").GetInt32(), Math.Round(f.GetProperty("x").GetDouble()))));
        copy.AssertClean();
    }

    [Fact]
    public async Task The_top_table_and_the_graph_select_each_other_and_the_sandwich_shows_callers_and_callees()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync(Url(DateTimeOffset.UtcNow, "kind=cpu&since=15m"), "flame-top");
        await WaitDrawnAsync(page);

        // Graph → row: clicking a frame of one of the top functions selects its row.
        var whole = await ModelAsync(page);
        var rows = whole.GetProperty("topRows").EnumerateArray().Select(r => r.GetString()).ToHashSet();
        var other = Frames(whole).First(f => rows.Contains(Name(f)) && !Name(f).Contains(HotSpot, StringComparison.Ordinal) && f.GetProperty("width").GetDouble() >= 4);
        await ClickFrameAsync(page, other);
        await WaitZoomedAsync(page, other.GetProperty("index").GetInt32());
        Assert.Equal(Name(other), (await ModelAsync(page)).GetProperty("selectedRow").GetString());
        await Assertions.Expect(page.Page.Locator("#flame-top tbody tr.selected")).ToHaveCountAsync(1);

        // Row → graph: the function is selected and the graph zooms to its heaviest frame.
        await page.Page.Locator("#flame-top tbody tr", new PageLocatorOptions { HasText = HotSpot }).First.ClickAsync();
        await page.Page.WaitForFunctionAsync("q => { const m = window.fleetFlame.model(); return m.selectedFunction.includes(q) && !m.zooming; }", HotSpot);
        var selected = await ModelAsync(page);
        Assert.Equal(selected.GetProperty("selectedFunction").GetString(), selected.GetProperty("zoom").GetProperty("name").GetString());
        Assert.Equal(selected.GetProperty("selectedFunction").GetString(), selected.GetProperty("selectedRow").GetString());

        // Sandwich of the selected function: its callers and its callees, each drawn as a graph.
        await page.Page.Locator("#flame-sandwich-toggle").ClickAsync();
        var sandwich = await ModelAsync(page);
        Assert.Equal("sandwich", sandwich.GetProperty("view").GetString());
        Assert.True(sandwich.GetProperty("sandwich").GetProperty("callers").GetInt32() >= 2, "the function and at least one caller");
        Assert.True(sandwich.GetProperty("sandwich").GetProperty("callees").GetInt32() >= 1);
        await Assertions.Expect(page.Page.Locator("#flame-sandwich")).ToBeVisibleAsync();
        await page.ScreenshotAsync("sandwich");
        page.AssertClean();
    }

    [Fact]
    public async Task The_keyboard_walks_and_zooms_frames_and_every_control_is_labelled()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync(Url(DateTimeOffset.UtcNow, "kind=cpu&since=15m"), "flame-keys");
        await WaitDrawnAsync(page);

        await page.Page.Locator("#flame-canvas").FocusAsync();
        await page.Page.Keyboard.PressAsync("ArrowDown");
        await page.Page.Keyboard.PressAsync("ArrowDown");
        await page.Page.Keyboard.PressAsync("Enter");
        await page.Page.WaitForFunctionAsync("() => { const m = window.fleetFlame.model(); return m.zoom.index > 0 && !m.zooming; }");
        await Assertions.Expect(page.Page.Locator("#flame-detail")).ToContainTextAsync("of the total");
        await page.Page.Keyboard.PressAsync("Escape");
        await WaitZoomedAsync(page, 0);

        var unlabelled = await page.Page.EvaluateAsync<string[]>(
            "() => [...document.querySelectorAll('#flame select, #flame input, #flame canvas, #flame button')]" +
            ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()).map(e => e.id)");
        Assert.Empty(unlabelled);
        page.AssertClean();
    }

    [Fact]
    public async Task A_diff_of_two_ranges_draws_in_blue_and_orange_and_a_timeline_drag_chooses_a_range()
    {
        await web.DemoDataAsync();
        var at = await PinnedAtAsync(web, dataBefore: TimeSpan.FromSeconds(20));
        // B: the last 20 s before the pinned minute (a few 6 s windows); A: everything before.
        var ranges = $"mode=diff&from={Iso(at.AddMinutes(-15))}&to={Iso(at.AddSeconds(-20))}&from_b={Iso(at.AddSeconds(-20))}&to_b={Iso(at)}";
        await using var page = await web.OpenAsync(Url(at, "kind=cpu&since=15m&" + ranges), "flame-diff");
        var drawn = await WaitDrawnAsync(page);

        var diff = await ModelAsync(page);
        Assert.True(diff.GetProperty("diff").GetBoolean());
        Assert.True(Frames(diff).Count() > 1);
        Assert.NotEqual(JsonValueKind.Null, diff.GetProperty("rangeB").ValueKind);
        // Every frame is a mix of neutral grey with Okabe-Ito orange (grew) or blue (shrank): rgb(), never the warm hsl() of a plain graph.
        Assert.All(diff.GetProperty("colours").EnumerateArray(), c => Assert.StartsWith("rgb(", c.GetString(), StringComparison.Ordinal));
        await Assertions.Expect(page.Page.Locator("#flame-legend")).ToBeVisibleAsync();
        await page.ScreenshotAsync("diff");

        // Drag across the timeline's last quarter (data exists there) with "Select A": range A changes, in the URL too, and is drawn again.
        await page.Page.Locator("#flame-select-a").ClickAsync();
        var box = (await page.Page.Locator("#flame-timeline").BoundingBoxAsync())!;
        await page.Page.Mouse.MoveAsync(box.X + box.Width * 0.75f, box.Y + box.Height / 2);
        await page.Page.Mouse.DownAsync();
        await page.Page.Mouse.MoveAsync(box.X + box.Width * 0.99f, box.Y + box.Height / 2, new MouseMoveOptions { Steps = 5 });
        await page.Page.Mouse.UpAsync();
        await WaitDrawnAsync(page, drawn);
        var picked = await ModelAsync(page);
        Assert.NotEqual(diff.GetProperty("rangeA")[0].GetString(), picked.GetProperty("rangeA")[0].GetString());
        Assert.Equal(picked.GetProperty("rangeA")[0].GetString(), QueryValue(page.Page.Url, "from"));
        await page.ScreenshotAsync("range-picked");
        page.AssertClean();
    }

    [Fact]
    public async Task At_phone_width_the_explorer_draws_and_needs_no_sideways_scrolling()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync(Url(DateTimeOffset.UtcNow, "kind=alloc&since=15m"), "flame-phone", viewport: WebPlatform.Phone);
        await WaitDrawnAsync(page);

        var model = await ModelAsync(page);
        Assert.True(Frames(model).Count() > 1);
        Assert.True(model.GetProperty("width").GetDouble() <= WebPlatform.Phone.Width, $"the canvas is {model.GetProperty("width")} px wide");
        var overflow = await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than the phone's screen");
        await page.ScreenshotAsync("phone");
        page.AssertClean();
    }

    [Fact]
    public async Task An_endpoint_s_flamegraph_draws_its_hot_spot_and_downloads_in_every_export_format()
    {
        await web.DemoDataAsync();
        var at = await PinnedAtAsync(web);
        await using var page = await web.OpenAsync(Url(at, "kind=cpu&since=15m&endpoint=" + Uri.EscapeDataString("GET /cpu")), "flame-endpoint");
        await WaitDrawnAsync(page);
        Assert.Contains(Frames(await ModelAsync(page)), f => Name(f).Contains(HotSpot, StringComparison.Ordinal));

        // Each link downloads the drawn selection (service, endpoint, range) in its format, from the gateway itself
        // (fetched in the page: the browser sends the key it was given, as for the page).
        var expected = new Dictionary<string, Func<int[], string, bool>>
        {
            ["svg"] = (_, text) => text.Contains("<svg", StringComparison.Ordinal),
            ["pprof"] = (head, _) => head is [0x1f, 0x8b], // gzip
            ["folded"] = (_, text) => text.Contains(HotSpot, StringComparison.Ordinal),
            ["speedscope"] = (_, text) => text.Contains("speedscope", StringComparison.Ordinal),
            ["tree"] = (_, text) => text.Contains(HotSpot, StringComparison.Ordinal),
            ["flame json"] = (_, text) => text.Contains("fleetprofiler-flame/1", StringComparison.Ordinal),
        };
        var links = page.Page.Locator("#flame-downloads a");
        Assert.Equal(expected.Count, await links.CountAsync());
        foreach (var link in await links.AllAsync())
        {
            var label = await link.InnerTextAsync();
            var href = await link.GetAttributeAsync("href") ?? "";
            Assert.Contains("endpoint=GET+%2Fcpu", href, StringComparison.Ordinal);
            Assert.NotNull(await link.GetAttributeAsync("download"));
            var got = await page.Page.EvaluateAsync<JsonElement>(
                "async url => { const r = await fetch(url); const b = new Uint8Array(await r.arrayBuffer()); return { status: r.status, head: [b[0], b[1]], text: new TextDecoder().decode(b) }; }", href);
            Assert.True(got.GetProperty("status").GetInt32() == 200, $"{label}: {href} answered {got.GetProperty("status")}");
            int[] head = [.. got.GetProperty("head").EnumerateArray().Select(v => v.GetInt32())];
            Assert.True(expected[label](head, got.GetProperty("text").GetString() ?? ""), $"{label}: {href} is not {label}");
        }
        page.AssertClean();
    }

    private static string? QueryValue(string url, string name) =>
        new Uri(url).Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).Where(p => p[0] == name).Select(p => Uri.UnescapeDataString(p[1])).FirstOrDefault();
}
