// A small ASP.NET Core target for tests of request metrics: a few routes (one with a parameter, one failing, one
// async) and no load of its own; the tests drive it and count their own requests. Not the demo's handlers.
// Usage: FleetProfiler.TestService --urls http://127.0.0.1:PORT
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
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

app.Run();
