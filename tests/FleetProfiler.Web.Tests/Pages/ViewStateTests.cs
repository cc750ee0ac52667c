namespace FleetProfiler.Web.Tests.Pages;

/// <summary>The URL holds the view: a changed range lands in it, and the copied link shows the same view elsewhere; keyboard reach.</summary>
[Collection(WebCollection.Name)]
public sealed class ViewStateTests(WebPlatform web)
{
    [Fact]
    public async Task A_range_chosen_on_the_service_page_lands_in_the_url_and_the_copied_url_restores_it()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync($"/app/service?service={WebPlatform.Service}&since=1h", "view-state");

        await page.Page.Locator("#since").SelectOptionAsync("6h");
        await page.Page.WaitForURLAsync(url => url.Contains("since=6h", StringComparison.Ordinal));
        await page.WaitInteractiveAsync();
        var copied = page.Page.Url;
        Assert.Contains("service=" + WebPlatform.Service, copied, StringComparison.Ordinal);

        await using var other = await web.OpenAsync(new Uri(copied).PathAndQuery, "view-state-restored");
        await Assertions.Expect(other.Page.Locator("#since")).ToHaveValueAsync("6h");
        await Assertions.Expect(other.Page.Locator("h1")).ToHaveTextAsync(WebPlatform.Service);
        Assert.Contains("since=6h", await other.Page.Locator("a[data-full=cost]").GetAttributeAsync("href") ?? "", StringComparison.Ordinal);
        page.AssertClean();
        other.AssertClean();
    }

    [Fact]
    public async Task Keyboard_users_reach_every_insight_s_full_view_with_tab_and_open_it_with_enter()
    {
        await web.DemoDataAsync();
        await using var page = await web.OpenAsync($"/app/service?service={WebPlatform.Service}", "keyboard");

        string[] insights = ["cost", "cpu", "deadcode", "memory", "popularity"];
        var reached = new HashSet<string>(StringComparer.Ordinal);
        string? last = null;
        // A bounded walk through the focus order: every link and control of the page comes by once.
        for (var i = 0; i < 400 && reached.Count < insights.Length; i++)
        {
            await page.Page.Keyboard.PressAsync("Tab");
            last = await page.Page.EvaluateAsync<string?>("() => document.activeElement?.getAttribute('data-full')");
            if (last is not null) reached.Add(last);
        }
        Assert.Equal(insights, reached.Order(StringComparer.Ordinal));

        // The last one reached has the focus: Enter opens it.
        await page.Page.Keyboard.PressAsync("Enter");
        await page.Page.WaitForURLAsync(url => url.Contains(last == "popularity" ? "/app/endpoints" : "/app/", StringComparison.Ordinal) && !url.Contains("/app/service", StringComparison.Ordinal));
        await page.WaitInteractiveAsync();
        await page.ScreenshotAsync("after-enter");
        page.AssertClean();
    }
}
