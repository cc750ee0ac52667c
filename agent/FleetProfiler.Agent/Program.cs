using FleetProfiler.Agent;
using FleetProfiler.Agent.OneShot;
using FleetProfiler.Agent.Triggers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Console;

if (args.Any(a => a is "-h" or "--help"))
{
    Console.WriteLine(OneShotCommand.Usage);
    return ExitCodes.Success;
}

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

builder.Services.AddOptions<AgentOptions>().Bind(builder.Configuration.GetSection(AgentOptions.Section)).ValidateOnStart();
builder.Services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
builder.Services.AddOptions<OneShotOptions>().Bind(builder.Configuration.GetSection(OneShotOptions.Section));
builder.Services.AddSingleton<ProcessDiscovery>();
builder.Services.AddSingleton<TraceSymbolizer>();
builder.Services.AddSingleton<WindowCollector>();
builder.Services.AddSingleton<OneShotCommand>();

var oneShot = builder.Configuration.GetSection(OneShotOptions.Section).Get<OneShotOptions>() ?? new OneShotOptions();
if (!oneShot.Enabled)
{
    builder.Services.AddHostedService<ScheduledProfiling>();
}

IHost host;
try
{
    host = builder.Build();
    _ = host.Services.GetRequiredService<IOptions<AgentOptions>>().Value; // validate before anything starts
}
catch (Exception e) when (e is OptionsValidationException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"fleetprofiler-agent: invalid configuration: {e.Message}");
    return ExitCodes.Usage;
}

if (!oneShot.Enabled)
{
    await host.RunAsync();
    return ExitCodes.Success;
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
    return ExitCodes.Failure;
}
finally
{
    host.Dispose();
}
