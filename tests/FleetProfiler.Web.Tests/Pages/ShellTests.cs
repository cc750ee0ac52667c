namespace FleetProfiler.Web.Tests.Pages;

/// <summary>The app shell: access as a browser gets it, the strict content security policy, the layout at both widths.</summary>
[Collection(WebCollection.Name)]
public sealed class ShellTests(WebPlatform web)
{
    [Fact]
    public async Task The_fleet_page_lists_the_demo_service_for_a_browser_sending_the_reader_key_as_basic_password()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync("/app", "fleet");

        await Assertions.Expect(page.Page.Locator("h1")).ToHaveTextAsync("Fleet");
        var row = page.Page.Locator($"tr[data-service='{WebPlatform.Service}']");
        await Assertions.Expect(row).ToContainTextAsync("host-a");
        await Assertions.Expect(row.Locator("svg.sparkline")).ToHaveCountAsync(2);
        // Agents connected of hosts: the demo's one agent streams for its one host.
        await Assertions.Expect(row.Locator("td.num")).ToHaveTextAsync("1 / 1");
        await Assertions.Expect(page.Page.Locator("[data-panel=cluster]")).ToContainTextAsync("Active");
        await Assertions.Expect(page.Page.Locator("a[data-link=dashboard]")).ToHaveAttributeAsync("href", "/dashboard");
        page.AssertClean();
    }

    [Fact]
    public async Task Without_a_key_the_app_answers_401_with_a_basic_challenge()
    {
        // A headless browser cannot show the login prompt (it fails the navigation): ask through the context's own client.
        await using var page = await web.NewPageAsync("no-key", key: null);
        foreach (var path in new[] { "/app", "/app/service?service=" + WebPlatform.Service, "/app/app.js", "/app/app.css" })
        {
            var response = await page.Page.APIRequest.GetAsync(path);
            Assert.Equal(401, response.Status);
            Assert.Contains("Basic", response.Headers.GetValueOrDefault("www-authenticate") ?? "", StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Pages_carry_a_strict_policy_and_run_their_module_from_the_gateway()
    {
        await using var page = await web.NewPageAsync("policy");
        var response = await page.GotoAsync("/app", "fleet");

        var policy = await response.HeaderValueAsync("content-security-policy") ?? "";
        Assert.Contains("script-src 'self';", policy, StringComparison.Ordinal);
        Assert.Contains("style-src 'self';", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        // GotoAsync waited for html[data-ready], which only the module sets: it ran under that policy.
        Assert.Equal("true", await page.Page.Locator("html").GetAttributeAsync("data-ready"));
        page.AssertClean();
    }

    [Theory]
    [InlineData("/app", "fleet-phone")]
    [InlineData("/app/service?service=" + WebPlatform.Service, "service-phone")]
    public async Task At_phone_width_a_page_needs_no_sideways_scrolling(string path, string name)
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync(path, name, viewport: WebPlatform.Phone);

        // Wide tables scroll inside their panel; the page itself fits the screen.
        var overflow = await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"{path} is {overflow} px wider than the phone's screen");
        page.AssertClean();
    }
}
