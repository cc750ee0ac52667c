namespace FleetProfiler.Web.Tests.Pages;

/// <summary>
/// The service page against the demo's known hot spots (deploy/demo): PrimeSieve burns the CPU behind GET /cpu,
/// ReportBuilder.BuildRows allocates behind GET /alloc, LegacyExport is never called. Each of the four insights shows
/// its hot spot on the page and opens its full view in one click.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class ServicePageTests(WebPlatform web)
{
    private static string ServicePage => "/app/service?service=" + WebPlatform.Service + "&since=1h";

    [Fact]
    public async Task Memory_and_cpu_show_the_demo_hot_spots_and_open_their_full_lists_in_one_click()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync(ServicePage, "service-memory-cpu");
        var panel = page.Page.Locator("[data-insight=memory]");

        await Assertions.Expect(panel.Locator("[data-table=memory-functions] tbody tr").First).ToContainTextAsync("BuildRows");
        await Assertions.Expect(panel.Locator("[data-table=memory-files]")).ToContainTextAsync("ReportBuilder.cs");
        await Assertions.Expect(panel.Locator("[data-table=cpu-functions] tbody tr").First).ToContainTextAsync("PrimeSieve");
        await Assertions.Expect(panel.Locator("[data-table=cpu-files]")).ToContainTextAsync("PrimeSieve.cs");
        Assert.True(await panel.Locator("[data-table=memory-functions] tbody tr").CountAsync() <= 10);

        await page.ClickAndWaitAsync(panel.Locator("a[data-full=memory]"), "memory-full");
        await Assertions.Expect(page.Page.Locator("[data-table=top] tbody tr").First).ToContainTextAsync("BuildRows");
        Assert.Contains("kind=alloc", page.Page.Url, StringComparison.Ordinal);
        Assert.Contains("since=1h", page.Page.Url, StringComparison.Ordinal);

        await page.GotoAsync(ServicePage, "back");
        await page.ClickAndWaitAsync(page.Page.Locator("[data-insight=memory] a[data-full=cpu]"), "cpu-full");
        await Assertions.Expect(page.Page.Locator("[data-table=top] tbody tr").First).ToContainTextAsync("PrimeSieve");
        page.AssertClean();
    }

    [Fact]
    public async Task Endpoint_cost_lists_the_demo_routes_with_owners_and_opens_the_full_table_in_one_click()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync(ServicePage, "service-cost");
        var panel = page.Page.Locator("[data-insight=cost]");

        var cpuRow = panel.Locator("tr[data-endpoint='GET /cpu']");
        await Assertions.Expect(cpuRow).ToContainTextAsync("@demo/platform");
        await Assertions.Expect(cpuRow).ToContainTextAsync("$");
        await Assertions.Expect(panel.Locator("[data-note=no-cost-input]")).ToHaveCountAsync(0);

        await page.ClickAndWaitAsync(panel.Locator("a[data-full=cost]"), "cost-full");
        await Assertions.Expect(page.Page.Locator("[data-insight-full=cost] tr[data-endpoint='GET /alloc']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Page.Locator("[data-insight-full=cost] tr[data-endpoint='GET /cpu']")).ToBeVisibleAsync();
        page.AssertClean();
    }

    [Fact]
    public async Task Dead_code_ranks_the_never_called_export_first_and_opens_the_file_list_in_one_click()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync(ServicePage, "service-deadcode");
        var panel = page.Page.Locator("[data-insight=deadcode]");

        var first = panel.Locator("[data-table=dead-files] tbody tr").First;
        await Assertions.Expect(first).ToContainTextAsync("LegacyExport.cs");
        Assert.True(int.Parse(await first.Locator("td.certain").InnerTextAsync(), CultureInfo.InvariantCulture) > 0, "LegacyExport.cs has no dead-certain line");

        await page.ClickAndWaitAsync(panel.Locator("a[data-full=deadcode]"), "deadcode-full");
        await Assertions.Expect(page.Page.Locator("[data-insight-full=deadcode] tr[data-file$='LegacyExport.cs']")).ToBeVisibleAsync();
        page.AssertClean();
    }

    [Fact]
    public async Task Popular_vs_costly_plots_each_demo_route_and_opens_the_endpoint_table_in_one_click()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync(ServicePage, "service-popularity");
        var panel = page.Page.Locator("[data-insight=popularity]");

        await Assertions.Expect(panel.Locator("svg a.dot[data-endpoint='GET /cpu'] circle")).ToHaveCountAsync(1);
        await Assertions.Expect(panel.Locator("svg a.dot[data-endpoint='GET /alloc'] circle")).ToHaveCountAsync(1);
        await AssertChartTextFitsAsync(panel.Locator("svg"));

        await page.ClickAndWaitAsync(panel.Locator("a[data-full=popularity]"), "popularity-full");
        await Assertions.Expect(page.Page.Locator("[data-insight-full=popularity] [data-table=popularity]")).ToContainTextAsync("GET /cpu");
        await AssertChartTextFitsAsync(page.Page.Locator("[data-insight-full=popularity] svg"));
        page.AssertClean();
    }

    /// <summary>
    /// A chart's text as Chromium lays it out: every text (labels, ticks, axis titles) inside the SVG, so nothing is
    /// clipped; and a scatter's dot labels: at least one drawn, no two overlapping, none over another dot.
    /// </summary>
    internal static async Task AssertChartTextFitsAsync(ILocator svg, bool scatter = true)
    {
        var layout = await svg.EvaluateAsync<System.Text.Json.JsonElement>("""
            svg => {
              const r = (e) => { const b = e.getBoundingClientRect(); return { l: b.left, t: b.top, r: b.right, b: b.bottom, text: e.textContent }; };
              return {
                svg: r(svg),
                labels: [...svg.querySelectorAll("a.dot text")].map(r),
                dots: [...svg.querySelectorAll("a.dot")].map((a) => ({ ...r(a.querySelector("circle")), text: a.dataset.endpoint })),
                texts: [...svg.querySelectorAll("text")].map(r),
              };
            }
            """);
        static (double L, double T, double R, double B, string Text) Box(System.Text.Json.JsonElement e) =>
            (e.GetProperty("l").GetDouble(), e.GetProperty("t").GetDouble(), e.GetProperty("r").GetDouble(), e.GetProperty("b").GetDouble(), e.GetProperty("text").GetString() ?? "");
        static bool Overlap((double L, double T, double R, double B, string) a, (double L, double T, double R, double B, string) b) =>
            a.L < b.R && b.L < a.R && a.T < b.B && b.T < a.B;
        var outer = Box(layout.GetProperty("svg"));
        var labels = layout.GetProperty("labels").EnumerateArray().Select(Box).ToList();
        var dots = layout.GetProperty("dots").EnumerateArray().Select(Box).ToList();
        if (scatter) Assert.NotEmpty(labels);
        for (var i = 0; i < labels.Count; i++)
        {
            for (var j = i + 1; j < labels.Count; j++) Assert.False(Overlap(labels[i], labels[j]), $"labels '{labels[i].Text}' and '{labels[j].Text}' overlap");
            foreach (var dot in dots.Where(d => d.Text != labels[i].Text)) Assert.False(Overlap(labels[i], dot), $"label '{labels[i].Text}' covers the dot of '{dot.Text}'");
        }
        foreach (var t in layout.GetProperty("texts").EnumerateArray().Select(Box))
            Assert.True(t.L >= outer.L - 0.5 && t.R <= outer.R + 0.5 && t.T >= outer.T - 0.5 && t.B <= outer.B + 0.5, $"'{t.Text}' is clipped: {t} outside {outer}");
    }
}
