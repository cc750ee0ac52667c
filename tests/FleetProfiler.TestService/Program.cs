// A small ASP.NET Core target for tests of request metrics and endpoint attribution: a few routes (one with a parameter,
// one failing, one async) and no load of its own; the tests drive it and count their own requests. Not the demo's handlers.
// Routes under /work do known CPU work (RouteWork) before and after awaits, or synchronously.
// Usage: FleetProfiler.TestService --urls http://127.0.0.1:PORT [--EventSourceLogging false]
using FleetProfiler.TestService;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
// No console output, but the EventSource logger stays (as in a default ASP.NET Core app): it is how a profiler reads the
// routing middleware's matched endpoint. --EventSourceLogging false plays an app that cleared every provider.
if (builder.Configuration.GetValue("EventSourceLogging", true))
{
    builder.Logging.AddEventSourceLogger();
}
var app = builder.Build();

app.MapGet("/items/{id:int}", (int id) => Results.Ok(new { id }));
app.MapPost("/orders", () => Results.Created("/orders/1", null));
app.MapGet("/slow", async () =>
{
    await Task.Delay(5);
    return Results.Ok();
});
app.MapGet("/fail", () => Results.StatusCode(500));
for (var i = 0; i < 8; i++)
{
    // Many route templates for the per-minute route cap.
    var n = i;
    app.MapGet($"/many{n}", () => Results.Ok(n));
}

// Attribution: work before the first await runs on the request's thread, work after it on whichever thread the
// continuation gets (a timer's, then the thread pool's).
app.MapGet("/work/alpha/{n:int}", async (int n) =>
{
    var x = RouteWork.AlphaBeforeAwait(n);
    await Task.Delay(1);
    await Task.Yield();
    return Results.Ok(x ^ RouteWork.AlphaAfterAwait(n));
});
app.MapGet("/work/beta", async () =>
{
    var x = RouteWork.BetaBeforeAwait(7);
    await Task.Yield();
    x ^= RouteWork.BetaAfterAwait(7);
    await Task.Delay(1);
    return Results.Ok(x + (ulong)RouteWork.BetaAllocates());
});
app.MapGet("/work/sync", () => Results.Ok(RouteWork.SyncWork(3)));

// The one line the service prints: tests wait for it before sending requests (FleetProfiler.Testing.TestService).
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"FleetProfiler.TestService listening on {string.Join(' ', app.Urls)}"));
app.Run();
