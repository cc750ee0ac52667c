namespace FleetProfiler.Web.Tests.Infrastructure;

/// <summary>
/// A page of the web app in its own browser context, watched from the start: every console error and uncaught
/// exception, and every request that tried to leave the gateway's origin (aborted, so nothing leaves), are recorded for
/// <see cref="AssertClean"/>. Each <see cref="GotoAsync"/> and <see cref="ScreenshotAsync"/> saves a full-page
/// screenshot named after the page and step (<see cref="Screenshots"/>).
/// </summary>
public sealed class BrowserPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly Uri _origin;
    private readonly string _name;
    private readonly List<string> _consoleErrors = [];
    private readonly List<string> _foreignRequests = [];
    private int _step;

    private BrowserPage(IBrowserContext context, IPage page, Uri origin, string name)
    {
        _context = context;
        Page = page;
        _origin = origin;
        _name = name;
    }

    /// <summary>The Playwright page, for locators, clicks and evaluation.</summary>
    public IPage Page { get; }

    public IReadOnlyList<string> ConsoleErrors { get { lock (_consoleErrors) return [.. _consoleErrors]; } }

    public IReadOnlyList<string> ForeignRequests { get { lock (_foreignRequests) return [.. _foreignRequests]; } }

    /// <summary>
    /// A new context on <paramref name="origin"/>: the key (null: none) is sent the way a browser sends it after the
    /// login prompt, as the Basic password; <paramref name="interceptRequests"/> off leaves requests unrouted (benchmarks).
    /// </summary>
    internal static async Task<BrowserPage> OpenAsync(IBrowser browser, Uri origin, string name, string? key, ViewportSize viewport, bool interceptRequests = true)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = origin.ToString(),
            ViewportSize = viewport,
            HttpCredentials = key is null ? null : new HttpCredentials { Username = "reader", Password = key },
            ServiceWorkers = ServiceWorkerPolicy.Block,
        });
        // A page answers once all its queries have: on a two-core machine shared with builds that took over 30 s at times.
        context.SetDefaultTimeout((float)TestTimeouts.Convergence.TotalMilliseconds);
        context.SetDefaultNavigationTimeout((float)TestTimeouts.Convergence.TotalMilliseconds);
        var page = await context.NewPageAsync();
        var watched = new BrowserPage(context, page, origin, name);
        page.Console += (_, message) =>
        {
            if (message.Type == "error") lock (watched._consoleErrors) watched._consoleErrors.Add($"{message.Text} ({message.Location})");
        };
        page.PageError += (_, error) => { lock (watched._consoleErrors) watched._consoleErrors.Add("uncaught: " + error); };
        if (interceptRequests)
        {
            await context.RouteAsync("**/*", async route =>
            {
                if (watched.SameOrigin(route.Request.Url))
                {
                    await route.ContinueAsync();
                    return;
                }
                lock (watched._foreignRequests) watched._foreignRequests.Add($"{route.Request.Method} {route.Request.Url}");
                await route.AbortAsync("blockedbyclient");
            });
        }
        return watched;
    }

    private bool SameOrigin(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme is "data" or "blob" || (u.Scheme == _origin.Scheme && u.Host == _origin.Host && u.Port == _origin.Port));

    /// <summary>Navigates to <paramref name="path"/> (relative to the gateway), waits for the page's module to run, screenshots it.</summary>
    public async Task<IResponse> GotoAsync(string path, string? step = null)
    {
        var response = await Page.GotoAsync(path) ?? throw new InvalidOperationException($"no response for {path}");
        if (response.Ok) await WaitInteractiveAsync();
        await ScreenshotAsync(step ?? path);
        return response;
    }

    /// <summary>Clicks what <paramref name="locator"/> finds and waits for the page it opens to be interactive.</summary>
    public async Task ClickAndWaitAsync(ILocator locator, string step)
    {
        await locator.ClickAsync();
        await Page.WaitForLoadStateAsync(LoadState.Load);
        await WaitInteractiveAsync();
        await ScreenshotAsync(step);
    }

    /// <summary>The web app's module marks the document once its handlers are attached (html[data-ready]).</summary>
    public Task WaitInteractiveAsync() => Page.Locator("html[data-ready=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });

    public async Task ScreenshotAsync(string step)
    {
        var index = Interlocked.Increment(ref _step);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor($"{_name}-{index:00}-{step}"), FullPage = true });
    }

    /// <summary>Fails with what went wrong when the page logged a console error or tried to reach another origin.</summary>
    public void AssertClean()
    {
        var problems = ConsoleErrors.Select(e => "console error: " + e).Concat(ForeignRequests.Select(r => "request left the origin: " + r)).ToList();
        Assert.True(problems.Count == 0, $"{_name} at {Page.Url}:\n" + string.Join('\n', problems));
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}
