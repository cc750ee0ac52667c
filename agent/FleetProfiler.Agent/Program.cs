using FleetProfiler.Agent;
using FleetProfiler.Agent.Coverage;
using FleetProfiler.Agent.OneShot;
using FleetProfiler.Agent.RequestMetrics;
using FleetProfiler.Agent.Spool;
using FleetProfiler.Agent.Triggers;
using FleetProfiler.Agent.Upload;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;

if (args.Any(a => a is "-h" or "--help"))
{
    Console.WriteLine(OneShotCommand.Usage);
    return ExitCodes.Ok;
}

// Before the host starts its threads: at most two C-library heaps, not one per thread that ever allocated (NativeHeap).
NativeHeap.LimitArenas(2);

var normalizedArgs = OneShotOptions.NormalizeArgs(args);
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = normalizedArgs,
    ContentRootPath = AppContext.BaseDirectory,
});
// appsettings.json < FLEETPROFILER_* environment < command line.
builder.Configuration.AddEnvironmentVariables("FLEETPROFILER_");
builder.Configuration.AddCommandLine(normalizedArgs, OneShotOptions.SwitchMappings.ToDictionary());

// stdout carries results (folded stacks); every log line goes to stderr.
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o =>
{
    o.SingleLine = true;
    o.TimestampFormat = "HH:mm:ss ";
});
builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

var oneShot = builder.Configuration.GetSection(OneShotOptions.Section).Get<OneShotOptions>() ?? new OneShotOptions();
builder.Services.AddOptions<AgentOptions>().Bind(builder.Configuration.GetSection(AgentOptions.Section)).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<AgentOptions>>(new AgentOptionsValidator(daemon: !oneShot.Enabled));
builder.Services.AddOptions<OneShotOptions>().Bind(builder.Configuration.GetSection(OneShotOptions.Section));
builder.Services.AddSingleton(sp => oneShot.Enabled
    ? TraceDirectory.ForOneShot(sp.GetRequiredService<IOptions<AgentOptions>>().Value)
    : TraceDirectory.ForDaemon(sp.GetRequiredService<IOptions<AgentOptions>>().Value));
builder.Services.AddSingleton<ProcessDiscovery>();
builder.Services.AddSingleton<TraceSymbolizer>();
builder.Services.AddSingleton<AttributionSessions>();
builder.Services.AddSingleton<WindowCollector>();
builder.Services.AddSingleton<CoverageCollector>();
builder.Services.AddSingleton<FleetProfiler.Agent.HeapSnapshots.HeapSnapshotCollector>();
builder.Services.AddSingleton<OneShotCommand>();

if (!oneShot.Enabled)
{
    // Daemon: discovery → triggers → windows → spool → gateway.
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddSingleton<TargetRegistry>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<TargetRegistry>());
    builder.Services.AddSingleton(sp =>
    {
        var o = sp.GetRequiredService<IOptions<AgentOptions>>().Value;
        return new WindowSpool(o.EffectiveSpoolDirectory, (long)o.SpoolMaxMB * 1024 * 1024, o.SpoolMaxBatches, sp.GetRequiredService<ILogger<WindowSpool>>());
    });
    builder.Services.AddSingleton(sp => new GatewayLimits(BatchLimits.ProtocolDefaults with
    {
        MaxBatchBytes = Math.Min(BatchLimits.ProtocolDefaults.MaxBatchBytes, sp.GetRequiredService<IOptions<AgentOptions>>().Value.MaxBatchBytes),
    }));
    builder.Services.AddSingleton<WindowSpooler>();
    builder.Services.AddSingleton<ProfilingRuns>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<ProfilingRuns>());
    builder.Services.AddSingleton<CoverageRuns>();
    builder.Services.AddSingleton<FleetProfiler.Agent.HeapSnapshots.HeapSnapshotRuns>();
    builder.Services.AddSingleton<RemoteCommands>();
    builder.Services.AddHostedService<ScheduledProfiling>();
    builder.Services.AddHostedService<SignalTrigger>();
    builder.Services.AddHostedService<GatewayUploader>();
    if (builder.Configuration.GetValue($"{AgentOptions.Section}:RequestMetrics:Enabled", true))
    {
        builder.Services.AddHostedService<RequestMetricsCollector>();
    }
}

IHost host;
try
{
    host = builder.Build();
    var agentOptions = host.Services.GetRequiredService<IOptions<AgentOptions>>().Value; // validate before anything starts
    TargetBuffers.LimitMB = agentOptions.MaxSessionBufferMBPerTarget;
    if (!oneShot.Enabled)
    {
        _ = host.Services.GetRequiredService<WindowSpool>(); // an unusable spool directory is a configuration error
    }
}
catch (Exception e) when (e is OptionsValidationException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"fleetprofiler-agent: invalid configuration: {e.Message}");
    return ExitCodes.Usage;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"fleetprofiler-agent: invalid configuration: Agent:SpoolDirectory is not usable: {e.Message}");
    return ExitCodes.Usage;
}

if (!oneShot.Enabled)
{
    var daemon = host.Services.GetRequiredService<IOptions<AgentOptions>>().Value;
    var startLog = host.Services.GetRequiredService<ILogger<Program>>();
    // Traces of windows a killed run never finished (the spool sweeps its own leftovers when it opens).
    host.Services.GetRequiredService<TraceDirectory>().SweepLeftovers(daemon.KeepTraceFiles, startLog);
    startLog.LogInformation(
        "FleetProfiler agent {Version} (pid {Pid}): agent {AgentId} of host {Host}, gateway {Gateway}, spool {Spool}; {Schedules} schedule(s); {RequestMetrics}",
        GatewayUploader.AgentVersion, Environment.ProcessId, daemon.AgentId, daemon.EffectiveHost, daemon.GatewayUrl,
        daemon.EffectiveSpoolDirectory, daemon.Schedules.Count,
        daemon.RequestMetrics.Enabled
            ? $"request metrics every {daemon.RequestMetrics.IntervalSeconds} s (one metrics session per ASP.NET Core process); no profiling session until a trigger fires"
            : "request metrics off; no EventPipe session until a trigger fires");
    await host.RunAsync();
    return ExitCodes.Ok;
}

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    interrupted.Cancel();
};
try
{
    return await host.Services.GetRequiredService<OneShotCommand>().RunAsync(Console.Out, interrupted.Token);
}
catch (Exception e)
{
    host.Services.GetRequiredService<ILogger<OneShotCommand>>().LogError(e, "One-shot profiling failed");
    return ExitCodes.Failed;
}
finally
{
    host.Dispose();
}
