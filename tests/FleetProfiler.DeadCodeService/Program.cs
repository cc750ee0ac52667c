// The agent's coverage tests' web service: /work runs the known live code (Work.cs), /executed lists every call site
// that ran (the ground truth), /never-requested is never requested. Usage: FleetProfiler.DeadCodeService --urls URL
using FleetProfiler.DeadCodeService;
using FleetProfiler.DeadCodeShared;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

app.MapGet("/", () => "dead-code test service");
app.MapGet("/work", (int? rounds) =>
{
    Executed.Here();
    return Work.Run(rounds ?? 100).ToString(System.Globalization.CultureInfo.InvariantCulture);
});
app.MapGet("/executed", () => string.Join('\n', Executed.All()));
app.MapGet("/never-requested", () =>
{
    Executed.Here();
    return UnrequestedEndpoint.Handle();
});

app.Run();
