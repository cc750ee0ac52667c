namespace FleetProfiler.Testing;

/// <summary>A running tests/FleetProfiler.TestService: its process and the address it serves.</summary>
public sealed record TestServiceProcess(ChildProcess Process, Uri BaseUrl) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>Starts the ASP.NET Core test target and returns once it accepts requests.</summary>
public static class TestService
{
    /// <summary>The line the service prints once Kestrel listens (it logs nothing else).</summary>
    public const string ReadyLine = "FleetProfiler.TestService listening on";

    /// <summary>
    /// Starts the service as <paramref name="service"/> (OTEL_SERVICE_NAME) on a free loopback port and waits for
    /// <see cref="ReadyLine"/>: its diagnostics socket exists before that, but a request sent then is refused.
    /// </summary>
    public static Task<TestServiceProcess> StartAsync(string name, string service, params string[] extra) =>
        StartAsync(name, service, new Dictionary<string, string>(), extra);

    /// <summary>As <see cref="StartAsync(string, string, string[])"/>, with <paramref name="environment"/> added to the service's.</summary>
    public static async Task<TestServiceProcess> StartAsync(string name, string service, IReadOnlyDictionary<string, string> environment, params string[] extra)
    {
        var port = FreePorts.Take();
        var process = ChildProcess.StartDotnet(name, Repo.TestServiceDll, ["--urls", $"http://127.0.0.1:{port}", .. extra],
            new Dictionary<string, string>(environment) { ["OTEL_SERVICE_NAME"] = service });
        try
        {
            await process.WaitForLineAsync(ReadyLine, TestTimeouts.ProcessStart);
            return new TestServiceProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
