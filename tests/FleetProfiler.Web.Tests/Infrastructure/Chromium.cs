namespace FleetProfiler.Web.Tests.Infrastructure;

/// <summary>
/// The machine's Chromium (Debian package <c>chromium</c>; <c>.ci/run</c> installs it when absent), driven headless by
/// Playwright. Nothing is downloaded: the network is closed, and the flags keep Chromium from trying.
/// </summary>
public static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static readonly string[] Arguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
    ];

    public static BrowserTypeLaunchOptions LaunchOptions => new()
    {
        ExecutablePath = File.Exists(ExecutablePath)
            ? ExecutablePath
            : throw new InvalidOperationException($"{ExecutablePath} is missing: install the Debian package (apt-get update && apt-get install -y chromium); .ci/run does"),
        Headless = true,
        Args = Arguments,
        Timeout = (float)TestTimeouts.ProcessStart.TotalMilliseconds,
    };

    /// <summary>Playwright's driver and a launched Chromium (dispose both).</summary>
    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        // Belt and braces: nothing here installs browsers, and the variable keeps a stray install from downloading.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        try
        {
            return (playwright, await playwright.Chromium.LaunchAsync(LaunchOptions));
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }
}
