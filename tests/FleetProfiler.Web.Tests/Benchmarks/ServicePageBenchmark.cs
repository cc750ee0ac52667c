using Xunit.Abstractions;

namespace FleetProfiler.Web.Tests.Benchmarks;

/// <summary>
/// Time to an interactive service page (docs/benchmarks.md): navigation start to the page's module having run
/// (<c>performance.mark("fleetprofiler-interactive")</c>), measured by Chromium itself, over several loads of the demo's
/// service page with its data; beside the same figure for the bare shell (a service page naming no service: no
/// queries) in the same run, so the ratio says what the insights' queries add on this machine. It asserts only that
/// every load became interactive, never a time: the figures are printed (test output and
/// TestResults/web-benchmark.txt). Runs only with FLEETPROFILER_BENCHMARKS=1; loads: FLEETPROFILER_WEB_BENCH_LOADS (default 7).
/// </summary>
[Collection(WebCollection.Name)]
public sealed class ServicePageBenchmark(WebPlatform web, ITestOutputHelper output)
{
    [BenchmarkFact]
    public async Task Service_page_time_to_interactive_median_is_printed_beside_the_bare_shell()
    {
        await web.DemoDataAsync();
        var loads = int.TryParse(Environment.GetEnvironmentVariable("FLEETPROFILER_WEB_BENCH_LOADS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 7;
        // No request interception here: routing every request through the driver would be timed too.
        await using var page = await web.NewPageAsync("benchmark", interceptRequests: false);
        var service = $"/app/service?service={WebPlatform.Service}&since=1h";
        const string shell = "/app/service?since=1h";
        await page.GotoAsync(service, "warm-up"); // the login challenge, first compilation of the page, asset cache

        var servicePage = new List<double>();
        var shellPage = new List<double>();
        for (var i = 0; i < loads; i++)
        {
            // Alternate, so that a load spike on the shared machine hits both series alike.
            servicePage.Add(await TimeToInteractiveAsync(page, service));
            shellPage.Add(await TimeToInteractiveAsync(page, shell));
        }
        var report = $"service page time to interactive: median {Median(servicePage):0} ms over {loads} loads (min {servicePage.Min():0}, max {servicePage.Max():0}); " +
            $"bare shell median {Median(shellPage):0} ms; ratio {Median(servicePage) / Median(shellPage):0.0}x; load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}, {Environment.ProcessorCount} cores";
        output.WriteLine(report);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(Screenshots.Directory)!, "web-benchmark.txt"), report + "\n");
        Assert.All(servicePage.Concat(shellPage), ms => Assert.True(ms > 0));
    }

    private static async Task<double> TimeToInteractiveAsync(BrowserPage page, string path)
    {
        var response = await page.Page.GotoAsync(path) ?? throw new InvalidOperationException("no response");
        Assert.True(response.Ok, $"{path}: {response.Status}");
        await page.WaitInteractiveAsync();
        return await page.Page.EvaluateAsync<double>("() => performance.getEntriesByName('fleetprofiler-interactive')[0].startTime");
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
