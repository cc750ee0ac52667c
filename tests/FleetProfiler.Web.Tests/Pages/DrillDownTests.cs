namespace FleetProfiler.Web.Tests.Pages;

/// <summary>The views behind the service page: an endpoint, a team, the annotated file; and what the pages say when data is missing.</summary>
[Collection(WebCollection.Name)]
public sealed class DrillDownTests(WebPlatform web)
{
    private const string LegacyExport = "deploy/demo/FleetProfiler.Demo/LegacyExport.cs";

    [Fact]
    public async Task The_endpoint_page_charts_traffic_latency_and_cost_names_its_owner_and_links_its_flamegraph()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync($"/app/endpoint?service={WebPlatform.Service}&endpoint={Uri.EscapeDataString("GET /cpu")}&since=1h", "endpoint");

        await Assertions.Expect(page.Page.Locator("[data-fact=owner]")).ToContainTextAsync("@demo/platform");
        var traffic = page.Page.Locator("[data-panel=traffic] figure");
        await Assertions.Expect(traffic).ToHaveCountAsync(2);
        // Each chart draws its series from the per-minute rows: a path with at least one point.
        foreach (var path in await page.Page.Locator("[data-panel=traffic] path.series").AllAsync())
            Assert.StartsWith("M", await path.GetAttributeAsync("d") ?? "", StringComparison.Ordinal);
        Assert.StartsWith("M", await page.Page.Locator("[data-panel=cost-over-time] path.series.by-cpu").GetAttributeAsync("d") ?? "", StringComparison.Ordinal);
        foreach (var chart in await page.Page.Locator("figure.chart svg").AllAsync()) await ServicePageTests.AssertChartTextFitsAsync(chart, scatter: false);
        var flame = await page.Page.Locator("a[data-link=flamegraph]").GetAttributeAsync("href");
        Assert.Equal($"/app/flame?service={WebPlatform.Service}&kind=cpu&since=1h&endpoint=GET%20%2Fcpu", flame);
        page.AssertClean();
    }

    [Fact]
    public async Task The_team_pages_list_each_team_and_a_team_s_endpoints_cost_and_dead_lines()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync("/app/team", "teams");
        await Assertions.Expect(page.Page.Locator("tr[data-team='@demo/platform']")).ToBeVisibleAsync();

        await page.ClickAndWaitAsync(page.Page.Locator("tr[data-team='@demo/platform'] a"), "team");
        await Assertions.Expect(page.Page.Locator("[data-table=team-endpoints]")).ToContainTextAsync("GET /cpu");
        await Assertions.Expect(page.Page.Locator("[data-fact=total]")).ToContainTextAsync("$");
        await Assertions.Expect(page.Page.Locator($"[data-panel=team-dead] tr[data-file='{LegacyExport}']")).ToBeVisibleAsync();
        page.AssertClean();
    }

    [Fact]
    public async Task The_annotated_file_marks_the_never_called_export_dead_certain_with_its_owner_and_runs()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync("/app/deadcode/file?path=" + Uri.EscapeDataString(LegacyExport) + "&since=1h", "annotated");

        await Assertions.Expect(page.Page.Locator("[data-fact=owner]")).ToContainTextAsync("@demo/platform");
        await Assertions.Expect(page.Page.Locator("[data-fact=runs]")).Not.ToContainTextAsync("0 from");
        var dead = page.Page.Locator("tr[data-status=dead-certain]");
        Assert.True(await dead.CountAsync() > 0, "no dead-certain line");
        // The checkout gives the text: the export's body is among the dead lines.
        await Assertions.Expect(page.Page.Locator("tr[data-status=dead-certain] td.text").Filter(new() { HasText = "csv.Append" })).ToHaveCountAsync(1);
        Assert.Equal(0, await page.Page.Locator("tr[data-status=live]").CountAsync());
        page.AssertClean();
    }

    [Fact]
    public async Task A_service_without_data_says_what_is_missing_instead_of_showing_zeros()
    {
        await using var page = await web.OpenAsync("/app/service?service=no-such-service&since=1h", "service-missing");

        foreach (var insight in new[] { "memory", "cost", "deadcode", "popularity" })
        {
            await Assertions.Expect(page.Page.Locator($"[data-insight={insight}] .missing").First).ToBeVisibleAsync();
            Assert.Equal(0, await page.Page.Locator($"[data-insight={insight}] table").CountAsync());
        }
        await Assertions.Expect(page.Page.Locator("[data-insight=cost] .missing")).ToContainTextAsync("No request metrics of no-such-service");
        page.AssertClean();
    }
}
