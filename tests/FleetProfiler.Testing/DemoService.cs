using System.Net;

namespace FleetProfiler.Testing;

/// <summary>A running demo service: its process (maybe under <c>runuser</c>), the .NET pid, its service name and address.</summary>
public sealed record DemoProcess(ChildProcess Process, int Pid, string Service, Uri BaseAddress) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>How to run the demo: its built-in load, where from, as whom, with what runtime settings.</summary>
public sealed record DemoOptions
{
    /// <summary>The demo's built-in load loops (<c>--load</c>); 0 = none.</summary>
    public int Load { get; init; } = 1;

    /// <summary>How long the built-in load runs (<c>--load-seconds</c>); null = the demo's default.</summary>
    public int? LoadSeconds { get; init; } = 600;

    /// <summary>The directory holding FleetProfiler.Demo.dll; null = its build output.</summary>
    public string? Directory { get; init; }

    /// <summary>The service name (OTEL_SERVICE_NAME); null = a fresh one under <see cref="DemoService.ServicePrefix"/>.</summary>
    public string? Service { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Another user to run it as (through <c>runuser</c>).</summary>
    public string? RunAs { get; init; }
}

/// <summary>The demo service (deploy/demo) as a real target: its own load generator keeps /cpu and /alloc busy.</summary>
public static class DemoService
{
    /// <summary>
    /// Service names of this run's demos. Agents under test include only these, so they never attach to other
    /// processes on the machine (another test run's silo, say).
    /// </summary>
    public static readonly string ServicePrefix = $"fleetprofiler-tests-{System.Environment.ProcessId}";

    /// <summary>
    /// Runtime settings that make attribution assertions exact rather than statistical: <c>DOTNET_JitNoInline=1</c>,
    /// because in a Release build the JIT inlines PrimeSieve into its caller and inlined methods have no frame of their
    /// own in any stack walk (EventPipe's included); and <c>DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0</c>, because on a
    /// machine as busy as a CI box idle pool threads spin in <c>Thread.Yield</c> long enough to rival the hot method in a
    /// cpu profile (real CPU, but not the demo's work).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> NoInlining = new Dictionary<string, string>
    {
        ["DOTNET_JitNoInline"] = "1",
        ["DOTNET_ThreadPool_UnfairSemaphoreSpinLimit"] = "0",
    };

    private static int _count;

    /// <summary>Starts the demo and waits until it answers HTTP and its diagnostics socket exists.</summary>
    public static async Task<DemoProcess> StartAsync(DemoOptions? options = null)
    {
        options ??= new DemoOptions();
        var port = FreePorts.Take();
        var service = options.Service ?? $"{ServicePrefix}-demo{Interlocked.Increment(ref _count)}";
        var dll = Path.Combine(options.Directory ?? Repo.DemoDirectory, "FleetProfiler.Demo.dll");
        var baseAddress = new Uri($"http://127.0.0.1:{port}/");
        List<string> args = [dll, "--urls", $"http://127.0.0.1:{port}", "--load", options.Load.ToString(CultureInfo.InvariantCulture)];
        if (options.LoadSeconds is { } seconds)
        {
            args.AddRange(["--load-seconds", seconds.ToString(CultureInfo.InvariantCulture)]);
        }
        var env = new Dictionary<string, string>(options.Environment) { ["OTEL_SERVICE_NAME"] = service };
        var demo = options.RunAs is null
            ? ChildProcess.Start(service, Repo.DotnetHost, args, env)
            : ChildProcess.Start($"{service} as {options.RunAs}", "runuser", ["-u", options.RunAs, "--", "env", .. env.Select(kv => $"{kv.Key}={kv.Value}"), "dotnet", .. args]);
        try
        {
            await WaitUntilServingAsync(demo, baseAddress);
            var pid = options.RunAs is null ? demo.Pid : ChildOf(demo.Pid);
            await Eventually.Until(() => DiagnosticsSockets.Of(pid).Count > 0, TestTimeouts.Step, $"diagnostics socket of demo pid {pid}");
            return new DemoProcess(demo, pid, service, baseAddress);
        }
        catch
        {
            await demo.DisposeAsync();
            throw;
        }
    }

    /// <summary>The only child of <paramref name="parent"/> (the program <c>runuser</c> or <c>env</c> runs).</summary>
    public static int ChildOf(int parent)
    {
        var children = File.ReadAllText($"/proc/{parent}/task/{parent}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return int.Parse(children.Single(), CultureInfo.InvariantCulture);
    }

    private static async Task WaitUntilServingAsync(ChildProcess demo, Uri baseAddress)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.Until(async () =>
        {
            if (demo.HasExited)
            {
                return (HttpStatusCode?)null;
            }
            using var response = await client.GetAsync(baseAddress);
            return response.StatusCode;
        }, status => status is null or HttpStatusCode.OK, TestTimeouts.ProcessStart, $"the demo answering on {baseAddress}");
        if (demo.HasExited)
        {
            throw new InvalidOperationException($"the demo exited with code {demo.ExitCode}:\n{demo.Output}");
        }
    }
}
