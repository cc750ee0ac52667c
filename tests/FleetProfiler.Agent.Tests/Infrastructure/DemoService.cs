namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>A running demo service: its process (maybe under <c>runuser</c>), the .NET pid and its service name.</summary>
public sealed record DemoProcess(ChildProcess Process, int Pid, string Service) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>The demo service (deploy/demo) as a real target: its own load generator keeps /cpu and /alloc busy.</summary>
public static class DemoService
{
    /// <summary>
    /// Service names of this test run's demos. Agents under test include only these (<see cref="AgentDaemon"/>), so they
    /// never attach to other processes on the machine (another test run's silo, say).
    /// </summary>
    public static readonly string ServicePrefix = $"agent-tests-{Environment.ProcessId}";

    private static int _count;

    /// <summary>Starts the demo from <paramref name="directory"/> (default: its build output) and waits until it serves and its diagnostics socket exists.</summary>
    public static async Task<DemoProcess> StartAsync(int load = 1, string? directory = null, IReadOnlyDictionary<string, string>? environment = null,
        string? runAs = null)
    {
        var port = FreePorts.Take(1)[0];
        var service = $"{ServicePrefix}-demo{Interlocked.Increment(ref _count)}";
        var dll = Path.Combine(directory ?? Repo.DemoDirectory, "FleetProfiler.Demo.dll");
        string[] args = [dll, "--urls", $"http://127.0.0.1:{port}", "--load", load.ToString(), "--load-seconds", "600"];
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["OTEL_SERVICE_NAME"] = service };
        var demo = runAs is null
            ? ChildProcess.Start(service, "dotnet", args, env)
            : ChildProcess.Start($"{service} as {runAs}", "runuser", ["-u", runAs, "--", "env", .. env.Select(kv => $"{kv.Key}={kv.Value}"), "dotnet", .. args]);
        await demo.WaitForLineAsync("Load generator:", TimeSpan.FromSeconds(60));
        var pid = runAs is null ? demo.Pid : ChildOf(demo.Pid);
        await Eventually.Until(() => DiagnosticsSockets.Of(pid).Count > 0, TimeSpan.FromSeconds(30), $"diagnostics socket of demo pid {pid}");
        return new DemoProcess(demo, pid, service);
    }

    /// <summary>The only child of <paramref name="parent"/> (the program <c>runuser</c> or <c>env</c> runs).</summary>
    public static int ChildOf(int parent)
    {
        var children = File.ReadAllText($"/proc/{parent}/task/{parent}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return int.Parse(children.Single());
    }
}
