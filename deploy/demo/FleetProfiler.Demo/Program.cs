using FleetProfiler.Demo;

// A small service with recognisable hot spots, used to check the profiler end to end:
// /cpu burns CPU in PrimeSieve.CountPrimes, /alloc allocates DemoRow objects in ReportBuilder.BuildRows,
// /async mostly waits, /rare is almost never called, /stats reports allocated bytes; LegacyExport is never called (dead code). `--load N` (or DEMO_LOAD=N) drives it from inside.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("FleetProfiler.Demo", LogLevel.Information);
builder.Services.Configure<LoadOptions>(o =>
{
    o.Concurrency = builder.Configuration.GetValue<int?>("load") ?? builder.Configuration.GetValue<int?>("DEMO_LOAD") ?? 0;
    o.Duration = TimeSpan.FromSeconds(
        builder.Configuration.GetValue<int?>("load-seconds") ?? builder.Configuration.GetValue<int?>("DEMO_LOAD_SECONDS") ?? 900);
});
builder.Services.AddHttpClient(LoadGenerator.ClientName);
builder.Services.AddHostedService<LoadGenerator>();

var app = builder.Build();
app.MapGet("/", () => "FleetProfiler demo: /cpu /alloc /async /rare");
app.MapGet("/cpu", (int? limit) => new { primes = PrimeSieve.CountPrimes(limit ?? 400_000) });
app.MapGet("/alloc", (int? rows) =>
{
    var report = ReportBuilder.BuildRows(rows ?? 5_000);
    return new { rows = report.Length, total = ReportBuilder.Total(report) };
});
app.MapGet("/async", async (CancellationToken ct) => new { checksum = await SlowLookup.FetchAsync(ct) });
app.MapGet("/rare", () => new { answer = RareReport.Compute() });
// Ground truth for checking the profiler's allocation estimate (not part of the load mix).
app.MapGet("/stats", () => new { allocatedBytes = GC.GetTotalAllocatedBytes(precise: true), pid = Environment.ProcessId });
// One line that scripts and tests wait for.
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine("FleetProfiler demo listening on " + string.Join(", ", app.Urls)));
app.Run();
