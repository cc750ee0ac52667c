using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace FleetProfiler.Web.Tests.Infrastructure;

/// <summary>
/// The real platform behind the web app, once per test collection: a single-node silo with its gateway, the demo
/// service (deploy/demo) under its own load, a real agent profiling it (cpu and alloc windows with request attribution,
/// request metrics, coverage runs), this month's cost input and a CODEOWNERS file; and one headless Chromium.
/// Tests open pages with <see cref="OpenAsync"/> and wait for the demo's data with <see cref="DemoDataAsync"/>.
/// </summary>
public sealed class WebPlatform : IAsyncLifetime
{
    /// <summary>The demo's service name (its own platform, so a fixed name shows in screenshots as in the quick start).</summary>
    public const string Service = "demo-api";

    /// <summary>The demo's monthly cost input, for this month and the previous one (a range may cross the month boundary).</summary>
    public const double MonthlyUsd = 43_200;

    public const string CodeOwners = "deploy/demo/ @demo/platform\ndeploy/demo/FleetProfiler.Demo/ReportBuilder.cs @demo/reports\n";

    /// <summary>Agent start, the first windows of every kind and a coverage run, on a busy two-core machine.</summary>
    public static readonly TimeSpan DataDeadline = TestTimeouts.Convergence * 3;

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private readonly TempDirectory _dir = new("web");
    private readonly Lazy<Task> _demoData;
    private DemoProcess? _demo;
    private ChildProcess? _agent;
    private IPlaywright? _playwright;

    public WebPlatform()
    {
        _demoData = new Lazy<Task>(WaitForDemoDataAsync);
        // Pages are rendered on the server: what an assertion looks for is in the document once it loaded, so a longer
        // bound than Playwright's 5 s only lets a slow machine's script or layout finish; it never waits on data.
        Assertions.SetDefaultExpectTimeout((float)TestTimeouts.Step.TotalMilliseconds);
    }

    public PlatformFixture Platform { get; } = new();

    public IBrowser Browser { get; private set; } = null!;

    public Uri Origin => Platform.HttpBase;

    public string AgentOutput => _agent?.Output ?? "";

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            await DisposeAsync(); // xunit does not dispose a fixture whose start failed
            throw;
        }
    }

    private async Task StartAsync()
    {
        var browser = Chromium.LaunchAsync();
        // The annotated file view shows source text from a checkout: this repository.
        Platform.Overrides["DeadCode:SourceDirectory"] = Repo.Root;
        await Platform.InitializeAsync();
        _demo = await DemoService.StartAsync(new DemoOptions
        {
            Load = 2,
            LoadSeconds = 3600,
            Service = Service,
            Environment = new Dictionary<string, string>(DemoService.NoInlining) { ["DOTNET_EventPipeThreadSamplingRate"] = "A" },
        });
        _agent = ChildProcess.StartDotnet("agent", Repo.RequireBuilt(Repo.AgentDll),
        [
            "--Agent:AgentId=agent-a", "--Agent:Host=host-a", $"--Agent:Token={PlatformFixture.TokenA}",
            $"--Agent:GatewayUrl={Platform.GrpcUrl}", $"--Agent:SpoolDirectory={_dir.Combine("spool")}",
            $"--Agent:Pids:0={_demo.Pid}", "--Agent:Signals=false",
            "--Agent:Schedules:0:Kind=cpu", "--Agent:Schedules:0:Seconds=4", "--Agent:Schedules:0:Every=00:00:06",
            "--Agent:Schedules:1:Kind=alloc", "--Agent:Schedules:1:Seconds=4", "--Agent:Schedules:1:Every=00:00:06",
            "--Agent:Schedules:2:Kind=coverage", "--Agent:Schedules:2:Every=00:00:20",
        ]);
        // Cost input and owners attach to a known service: set them once the agent's first batch made it known.
        var cost = new FleetProfiler.Protocol.V1.Cost.CostClient(Platform.Channel);
        var now = DateTime.UtcNow;
        await Eventually.Until(async () =>
        {
            foreach (var month in new[] { now, now.AddMonths(-1) })
            {
                await cost.SetMonthlyCostAsync(new SetMonthlyCostRequest { Service = Service, Month = month.ToString("yyyy-MM", CultureInfo.InvariantCulture), Usd = MonthlyUsd, InstanceHours = 720 });
            }
            await cost.SetCodeOwnersAsync(new SetCodeOwnersRequest { Service = Service, Content = CodeOwners });
            return true;
        }, done => done, DataDeadline, $"cost input and CODEOWNERS of {Service} accepted. Agent output:\n{AgentOutput}");
        (_playwright, Browser) = await browser;
    }

    /// <summary>
    /// Completes once the demo's hot spots are queryable: PrimeSieve on top of CPU, ReportBuilder.BuildRows on top of
    /// allocations, GET /cpu with requests and CPU share in the cost report, and a coverage run with dead lines.
    /// Started by the first test that asks; later ones share it.
    /// </summary>
    public Task DemoDataAsync() => _demoData.Value;

    private async Task WaitForDemoDataAsync()
    {
        var query = new FleetProfiler.Protocol.V1.Query.QueryClient(Platform.Channel);
        var cost = new FleetProfiler.Protocol.V1.Cost.CostClient(Platform.Channel);
        var dead = new FleetProfiler.Protocol.V1.DeadCode.DeadCodeClient(Platform.Channel);
        TopRequest Top(string kind) => new()
        {
            Selector = new Selector { Service = Service },
            From = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
            To = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Kind = kind,
            Limit = 3,
        };
        await Until(async () => (await query.TopFunctionsAsync(Top("cpu"))).Entries.Any(e => e.Name.Contains("PrimeSieve", StringComparison.Ordinal)), "PrimeSieve among the top CPU functions");
        await Until(async () => (await query.TopFunctionsAsync(Top("alloc"))).Entries.Any(e => e.Name.Contains("BuildRows", StringComparison.Ordinal)), "ReportBuilder.BuildRows among the top allocation sites");
        await Until(async () =>
        {
            var reply = await cost.EndpointCostsAsync(new EndpointCostsRequest
            {
                Service = Service,
                From = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
                To = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            });
            return reply.Endpoints.Any(e => e.Endpoint == "GET /cpu" && e.Requests > 0 && e.CpuShare > 0);
        }, "GET /cpu with requests and a CPU share in the cost report");
        await Until(async () => (await dead.ListDeadFilesAsync(new ListDeadFilesRequest { Service = Service })).Files.Count > 0, "a coverage run of the demo with dead lines");
    }

    private async Task Until(Func<Task<bool>> condition, string what) =>
        await Eventually.Until(async () =>
        {
            try
            {
                return await condition();
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return false;
            }
        }, ok => ok, DataDeadline, $"{what}. Agent output:\n{AgentOutput}");

    /// <summary>
    /// Opens <paramref name="path"/> in a fresh context with <paramref name="key"/> (the reader key by default; null:
    /// none), watched for console errors and foreign requests; <paramref name="name"/> prefixes its screenshots.
    /// </summary>
    public async Task<BrowserPage> OpenAsync(string path, string name, string? key = TestKeys.Reader, ViewportSize? viewport = null)
    {
        var page = await BrowserPage.OpenAsync(Browser, Origin, name, key, viewport ?? Desktop);
        try
        {
            await page.GotoAsync(path, "open");
            return page;
        }
        catch
        {
            await page.DisposeAsync();
            throw;
        }
    }

    /// <summary>A watched page with nothing loaded yet (for tests that look at the first response).</summary>
    public Task<BrowserPage> NewPageAsync(string name, string? key = TestKeys.Reader, ViewportSize? viewport = null, bool interceptRequests = true) =>
        BrowserPage.OpenAsync(Browser, Origin, name, key, viewport ?? Desktop, interceptRequests);

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_agent is not null) await _agent.DisposeAsync();
        if (_demo is not null) await _demo.DisposeAsync();
        await Platform.DisposeAsync();
        _dir.Dispose();
    }
}
