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

        await page.ClickAndWaitAsync(panel.Locator("a[data-full=popularity]"), "popularity-full");
        await Assertions.Expect(page.Page.Locator("[data-insight-full=popularity] [data-table=popularity]")).ToContainTextAsync("GET /cpu");
        page.AssertClean();
    }
}
