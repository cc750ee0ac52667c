using System.Runtime.InteropServices;
using FleetProfiler.Agent.Coverage;
using FleetProfiler.Agent.HeapSnapshots;
using Microsoft.Extensions.Hosting;

namespace FleetProfiler.Agent.Triggers;

/// <summary>
/// The signal trigger: <c>SIGRTMIN+N</c> to the agent starts a profile of <see cref="AgentOptions.SignalKinds"/>
/// (allocations by default) on every target, in windows of <see cref="AgentOptions.WindowSeconds"/> back to back,
/// until <c>SIGRTMIN+N+1</c>, which ends the current windows early and keeps them. A second start while one runs
/// changes nothing and says so. <c>SIGRTMIN+M</c> (<see cref="CoverageOptions.SignalOffset"/>, default 3) runs one
/// coverage run of every target; <c>SIGRTMIN+H</c> (<see cref="HeapSnapshotOptions.SignalOffset"/>, default 4) one heap
/// snapshot of every target.
/// </summary>
public sealed class SignalTrigger(
    ProfilingRuns runs,
    CoverageRuns coverage,
    HeapSnapshotRuns heapSnapshots,
    IOptions<AgentOptions> options,
    ILogger<SignalTrigger> logger) : IHostedService, IDisposable
{
    public const string RunName = "signal";

    private readonly List<PosixSignalRegistration> _registrations = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Signals)
        {
            logger.LogInformation("Signal trigger off (Agent:Signals=false)");
            return Task.CompletedTask;
        }
        if (!OperatingSystem.IsLinux())
        {
            logger.LogWarning("Signal trigger needs Linux real-time signals; off on this platform");
            return Task.CompletedTask;
        }

        var rtMin = RealtimeSignals.Min;
        var (start, stop) = RealtimeSignals.ForOffset(settings.SignalOffset, rtMin);
        var kinds = ProfileKindNames.Parse(settings.SignalKinds);
        var startName = RealtimeSignals.Describe(start, rtMin);
        var stopName = RealtimeSignals.Describe(stop, rtMin);
        // Raw signal numbers are accepted as PosixSignal values (the named ones are negative).
        _registrations.Add(PosixSignalRegistration.Create((PosixSignal)start, context =>
        {
            context.Cancel = true;
            OnStart(startName, stopName, kinds, settings);
        }));
        _registrations.Add(PosixSignalRegistration.Create((PosixSignal)stop, context =>
        {
            context.Cancel = true;
            OnStop(stopName);
        }));
        ListenForRuns(settings.Coverage.SignalOffset, rtMin, coverage, "signal coverage", settings.Pids);
        ListenForRuns(settings.HeapSnapshot.SignalOffset, rtMin, heapSnapshots, "signal heap", settings.Pids);
        logger.LogInformation(
            "Listening for signals: kill -s {Start} <agent pid> starts a profile ({Kinds}) of every target, kill -s {Stop} stops it (SIGRTMIN is {RtMin}, from {Source}; Agent:SignalOffset {Offset})",
            startName, ProfileKindNames.Format(kinds), stopName, rtMin, RealtimeSignals.Source, settings.SignalOffset);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Listens on SIGRTMIN + <paramref name="offset"/> (off when negative) for a one-shot run of every target
    /// (<paramref name="pids"/> when configured): a coverage run or a heap snapshot.
    /// </summary>
    private void ListenForRuns(int offset, int rtMin, TargetRuns runs, string runName, List<int> pids)
    {
        if (offset < 0)
        {
            return;
        }
        var signal = rtMin + offset;
        var signalName = RealtimeSignals.Describe(signal, rtMin);
        _registrations.Add(PosixSignalRegistration.Create((PosixSignal)signal, context =>
        {
            context.Cancel = true;
            logger.LogInformation("Signal {Signal}: a {What} of every target", signalName, runs.RunName);
            runs.Start(runName, pids.Count > 0 ? pids : null);
        }));
        logger.LogInformation("Listening for the {Result} signal: kill -s {Signal} <agent pid> takes a {What} of every target once",
            runs.ResultName, signalName, runs.RunName);
    }

    private void OnStart(string startName, string stopName, ProfileKinds kinds, AgentOptions settings)
    {
        var request = new ProfilingRequest(RunName, kinds, settings.Pids.Count > 0 ? settings.Pids : null,
            TimeSpan.FromSeconds(settings.DefaultSecondsFor(kinds)), UntilStopped: true);
        if (runs.Start(request))
        {
            logger.LogInformation("Signal {Signal}: starting the {Kinds} profile: windows of {Seconds} s back to back on every target until {Stop}",
                startName, ProfileKindNames.Format(kinds), settings.DefaultSecondsFor(kinds), stopName);
        }
        else
        {
            logger.LogInformation("Signal {Signal}: a signal-started profile is already running (since {Since:HH:mm:ss} UTC); nothing to do",
                startName, runs.StartedUtc(RunName));
        }
    }

    private void OnStop(string stopName)
    {
        if (runs.Stop(RunName))
        {
            logger.LogInformation("Signal {Signal}: stopping the signal-started profile; the current windows end now and are kept", stopName);
        }
        else
        {
            logger.LogInformation("Signal {Signal}: no signal-started profile is running; nothing to do", stopName);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _registrations.ForEach(r => r.Dispose());
        _registrations.Clear();
    }
}
