using System.Collections.Concurrent;
using FleetProfiler.Agent.Spool;
using Microsoft.Extensions.Hosting;

namespace FleetProfiler.Agent.Triggers;

/// <summary>What a trigger asks for.</summary>
/// <param name="Name">Identifies the run ("signal", "schedule cpu", "command 42"): one active run per name.</param>
/// <param name="Pids">The processes; null = every current target (re-read each round, so new processes join).</param>
/// <param name="UntilStopped">Windows back to back until <see cref="ProfilingRuns.Stop"/>; otherwise one window per process.</param>
public sealed record ProfilingRequest(string Name, ProfileKinds Kinds, IReadOnlyList<int>? Pids, TimeSpan WindowLength, bool UntilStopped);

/// <summary>
/// Carries out triggers' requests: each active run opens one EventPipe session per target for a window, hands
/// finished windows to the spool, and ends. Nothing runs unless a trigger asked: with no active run the agent holds
/// no session on any process. A stop ends the current windows early and keeps them.
/// </summary>
public sealed class ProfilingRuns(
    TargetRegistry registry,
    ProcessDiscovery discovery,
    WindowCollector collector,
    WindowSpooler spooler,
    IHostApplicationLifetime lifetime,
    IOptions<AgentOptions> options,
    ILogger<ProfilingRuns> logger) : IHostedService
{
    private readonly ConcurrentDictionary<string, Run> _runs = new(StringComparer.Ordinal);

    private sealed class Run(ProfilingRequest request, CancellationToken appStopping)
    {
        public ProfilingRequest Request { get; } = request;
        public CancellationTokenSource Stopping { get; } = CancellationTokenSource.CreateLinkedTokenSource(appStopping);
        public DateTime StartedUtc { get; } = DateTime.UtcNow;
        public Task Completion { get; set; } = Task.CompletedTask;

        /// <summary>Continuous inuse runs: per process, the objects tracked since the run started (bounded by the targets).</summary>
        public ConcurrentDictionary<int, LiveHeapCarry> LiveHeaps { get; } = new();
    }

    /// <summary>Names of the active runs.</summary>
    public IReadOnlyList<string> Active => _runs.Keys.Order(StringComparer.Ordinal).ToList();

    public bool IsActive(string name) => _runs.ContainsKey(name);

    /// <summary>The requests of the active runs (a remote trigger checks which targets are already being profiled).</summary>
    public IReadOnlyList<ProfilingRequest> ActiveRequests => _runs.Values.Select(r => r.Request).ToList();

    public DateTime? StartedUtc(string name) => _runs.TryGetValue(name, out var run) ? run.StartedUtc : null;

    /// <summary>Starts a run in the background; false (and nothing happens) when a run of that name is active.</summary>
    public bool Start(ProfilingRequest request) => StartRun(request) is not null;

    /// <summary>Runs a request and completes when its windows are spooled (schedules wait for their round).</summary>
    public Task RunAsync(ProfilingRequest request) => StartRun(request)?.Completion ?? Task.CompletedTask;

    /// <summary>Ends a run: its current windows end now and are kept. False when no run of that name is active.</summary>
    public bool Stop(string name)
    {
        if (!_runs.TryGetValue(name, out var run))
        {
            return false;
        }
        try
        {
            run.Stopping.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It finished in the meantime.
        }
        return true;
    }

    /// <summary>Stops every active run whose request matches; returns their names.</summary>
    public IReadOnlyList<string> StopWhere(Func<ProfilingRequest, bool> match)
    {
        var stopped = _runs.Values.Where(r => match(r.Request)).Select(r => r.Request.Name).ToList();
        stopped.ForEach(name => Stop(name));
        return stopped;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Shutdown: the application-stopping token has ended every window early; wait (within the host's shutdown
    /// timeout) until they are symbolized and spooled, so a restart resends them instead of losing them.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var running = _runs.Values.Select(r => r.Completion).ToList();
        if (running.Count > 0)
        {
            logger.LogInformation("Stopping: spooling the windows of {Count} active run(s)", running.Count);
            await Task.WhenAll(running).WaitAsync(cancellationToken).ContinueWith(_ => { }, CancellationToken.None);
        }
    }

    private Run? StartRun(ProfilingRequest request)
    {
        var run = new Run(request, lifetime.ApplicationStopping);
        if (!_runs.TryAdd(request.Name, run))
        {
            run.Stopping.Dispose();
            return null;
        }
        run.Completion = Task.Run(() => ExecuteAsync(run));
        return run;
    }

    private async Task ExecuteAsync(Run run)
    {
        var request = run.Request;
        var stop = run.Stopping.Token;
        var windows = 0;
        var saidNoTargets = false;
        try
        {
            do
            {
                var targets = Targets(request);
                if (targets.Count == 0 && !saidNoTargets)
                {
                    logger.LogInformation("{Run}: no .NET process to profile right now", request.Name);
                    saidNoTargets = true;
                }
                var collected = await Task.WhenAll(targets.Select(t => CollectAsync(run, t)));
                // Processes that are gone (or no longer targets) take their tracked objects with them.
                foreach (var pid in run.LiveHeaps.Keys.Except(targets.Where(t => ProcessDiscovery.ProcessExists(t.ProcessId)).Select(t => t.ProcessId)))
                {
                    run.LiveHeaps.TryRemove(pid, out _);
                }
                windows += collected.Count(ok => ok);
                if (request.UntilStopped && !collected.Any(ok => ok) && !stop.IsCancellationRequested)
                {
                    // Nothing to profile (yet): wait for discovery rather than spin.
                    await Task.Delay(TimeSpan.FromSeconds(options.Value.DiscoverySeconds), stop).ContinueWith(_ => { }, CancellationToken.None);
                }
            }
            while (request.UntilStopped && !stop.IsCancellationRequested);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Run} failed", request.Name);
        }
        finally
        {
            _runs.TryRemove(request.Name, out _);
            run.Stopping.Dispose();
            logger.LogInformation("{Run} finished: {Windows} window(s) spooled", request.Name, windows);
            if (_runs.IsEmpty)
            {
                logger.LogInformation("No trigger active: the agent holds no EventPipe session ({Sessions} open)", collector.ActiveSessions);
            }
        }
    }

    private IReadOnlyList<TargetProcess> Targets(ProfilingRequest request)
    {
        if (request.Pids is null)
        {
            return registry.Current.Where(t => ProcessDiscovery.ProcessExists(t.ProcessId)).ToList();
        }

        var targets = new List<TargetProcess>();
        foreach (var pid in request.Pids)
        {
            try
            {
                targets.Add(registry.Find(pid) ?? discovery.Describe(pid));
            }
            catch (TargetUnavailableException e)
            {
                logger.LogWarning("{Run}: skipped pid {Pid}: {Reason}", request.Name, pid, e.Message);
            }
        }
        return targets;
    }

    /// <summary>One window of one process, spooled. False when nothing was collected.</summary>
    private async Task<bool> CollectAsync(Run run, TargetProcess target)
    {
        var request = run.Request;
        try
        {
            // A stop (or the agent's shutdown) ends the window early and keeps it.
            // A run until stopped with inuse is the continuous mode: each process's tracked objects carry over.
            var carry = request.UntilStopped && request.Kinds.HasFlag(ProfileKinds.Inuse)
                ? run.LiveHeaps.GetOrAdd(target.ProcessId, _ => new LiveHeapCarry(options.Value.InuseMaxTrackedObjects, DateTime.UtcNow))
                : null;
            var window = await collector.CollectAsync(target, request.Kinds, request.WindowLength, CancellationToken.None, run.Stopping.Token, carry);
            spooler.Accept(window);
            return true;
        }
        catch (TargetUnavailableException e)
        {
            logger.LogWarning("{Run}: skipped pid {Pid} ({Service}): {Reason}", request.Name, target.ProcessId, target.ServiceName, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogError("{Run}: window of pid {Pid} could not be spooled: {Message}", request.Name, target.ProcessId, e.Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Run}: window of pid {Pid} failed", request.Name, target.ProcessId);
        }
        return false;
    }
}
