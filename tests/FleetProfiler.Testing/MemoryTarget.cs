using System.Globalization;

namespace FleetProfiler.Testing;

/// <summary>How tests/FleetProfiler.MemoryTarget runs: its mode and rates (see its Program.cs).</summary>
public sealed record MemoryTargetOptions
{
    /// <summary><c>retain</c>, <c>leak</c>, <c>large</c> or <c>graph</c>.</summary>
    public string Mode { get; init; } = "retain";
    public double ChurnMBPerSecond { get; init; } = 40;
    public double RetainMBPerSecond { get; init; } = 4;
    public int RetainCapMB { get; init; } = 400;

    /// <summary>Runtime settings (e.g. <c>DOTNET_GCgen0size</c>).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The target exits by itself after this long (null = its default of 10 minutes).</summary>
    public double? Seconds { get; init; }

    /// <summary>Forced full blocking GCs this often (null = none), compacting unless <see cref="Compacting"/> is false.</summary>
    public int? FullGcEveryMs { get; init; }

    public bool Compacting { get; init; } = true;

    /// <summary>Its service name (OTEL_SERVICE_NAME); null = a new one per target. Two targets of one service share a host grain.</summary>
    public string? Service { get; init; }
}

/// <summary>A running memory target: its process, pid and service name (OTEL_SERVICE_NAME).</summary>
public sealed record MemoryTargetProcess(ChildProcess Process, int Pid, string Service) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Process.DisposeAsync();
}

/// <summary>Starts the memory target and waits until it runs and its diagnostics socket exists.</summary>
public static class MemoryTarget
{
    private static int _count;

    public static async Task<MemoryTargetProcess> StartAsync(MemoryTargetOptions? options = null)
    {
        options ??= new MemoryTargetOptions();
        var service = options.Service ?? $"{DemoService.ServicePrefix}-memory{Interlocked.Increment(ref _count)}";
        List<string> args =
        [
            Repo.MemoryTargetDll, "--mode", options.Mode,
            "--churn-mb-per-s", options.ChurnMBPerSecond.ToString(CultureInfo.InvariantCulture),
            "--retain-mb-per-s", options.RetainMBPerSecond.ToString(CultureInfo.InvariantCulture),
            "--retain-cap-mb", options.RetainCapMB.ToString(CultureInfo.InvariantCulture),
        ];
        if (options.Seconds is { } seconds) args.AddRange(["--seconds", seconds.ToString(CultureInfo.InvariantCulture)]);
        if (options.FullGcEveryMs is { } every) args.AddRange(["--full-gc-every-ms", every.ToString(CultureInfo.InvariantCulture), "--compacting", options.Compacting ? "true" : "false"]);
        var process = ChildProcess.Start(service, Repo.DotnetHost, args, new Dictionary<string, string>(options.Environment) { ["OTEL_SERVICE_NAME"] = service });
        try
        {
            await process.WaitForLineAsync("ready", TestTimeouts.ProcessStart);
            await Eventually.Until(() => DiagnosticsSockets.Of(process.Pid).Count > 0, TestTimeouts.Step, $"diagnostics socket of memory target pid {process.Pid}");
            return new MemoryTargetProcess(process, process.Pid, service);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }
}
