namespace FleetProfiler.Agent.Sessions;

/// <summary>
/// The agent's collection entry point: one window of one process, from EventPipe session to symbolized,
/// aggregated <see cref="ProfileWindow"/>. Windows of one collector may run concurrently for different processes.
/// </summary>
public sealed class WindowCollector(
    ProcessDiscovery discovery,
    TraceSymbolizer symbolizer,
    AttributionSessions attributions,
    TraceDirectory traces,
    IOptions<AgentOptions> options,
    ILogger<WindowCollector> logger)
{
    // Symbolizing is the expensive part (CPU and MBs of trace data): one window at a time, however many
    // sessions run side by side.
    private readonly SemaphoreSlim _symbolizing = new(1, 1);
    private int _activeSessions;

    /// <summary>EventPipe sessions this agent holds open right now (0 = no overhead on any target).</summary>
    public int ActiveSessions => Volatile.Read(ref _activeSessions);

    /// <summary>Profiles <paramref name="processId"/> for <paramref name="duration"/>.</summary>
    /// <exception cref="TargetUnavailableException">The process is gone, not .NET, or its diagnostics socket is out of reach.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> fired; the session is stopped first.</exception>
    public Task<ProfileWindow> CollectAsync(int processId, ProfileKinds kinds, TimeSpan duration, CancellationToken ct = default) =>
        CollectAsync(discovery.Describe(processId), kinds, duration, ct);

    /// <param name="endEarly">Ends the window early but keeps it (a stop trigger); <paramref name="ct"/> aborts it.</param>
    /// <param name="carry">Continuous inuse runs: objects tracked by this process's earlier windows of the run.</param>
    public async Task<ProfileWindow> CollectAsync(TargetProcess target, ProfileKinds kinds, TimeSpan duration, CancellationToken ct = default,
        CancellationToken endEarly = default, LiveHeapCarry? carry = null)
    {
        var agentOptions = options.Value;
        if (kinds.HasFlag(ProfileKinds.Inuse) && target.RuntimeVersion is { } runtime && runtime < SessionPlan.AllocationSampledSince)
        {
            throw new TargetUnavailableException(target.ProcessId,
                $"process {target.ProcessId} runs .NET {runtime}: the inuse kind needs .NET {SessionPlan.AllocationSampledSince.Major} or later (AllocationSampled events carry the object addresses it follows)");
        }
        var cpuBefore = CurrentCpuTime();
        var plan = SessionPlan.For(kinds, target.RuntimeVersion, agentOptions.AllocationEvent);
        var basePath = traces.File($"fleetprofiler-{target.ProcessId}-{DateTime.UtcNow:yyyyMMddTHHmmss}-{Guid.NewGuid().ToString("N")[..8]}");
        var tracePath = basePath + ".nettrace";
        var etlxPath = basePath + ".etlx";

        logger.LogInformation(
            "Profiling {Service} (pid {Pid}, runtime {Runtime}) for {Seconds:F0} s: {Kinds}{Alloc}",
            target.ServiceName, target.ProcessId, target.RuntimeVersion?.ToString() ?? "unknown", duration.TotalSeconds,
            ProfileKindNames.Format(kinds), plan.AllocationSource == AllocationSource.None ? "" : $" (alloc via {plan.AllocationSource})");
        try
        {
            RecordedTrace trace;
            SampleAttributor? attributor = null;
            Interlocked.Increment(ref _activeSessions);
            try
            {
                // Before the window's session, so that the timeline covers all of it.
                var attribution = await JoinAttributionAsync(target, ct);
                try
                {
                    trace = await TraceRecorder.RecordAsync(target.ProcessId, plan, duration, tracePath, agentOptions, logger, ct, endEarly);
                }
                finally
                {
                    if (attribution.Lease is not null)
                    {
                        attributor = await attribution.Lease.LeaveAsync(logger);
                    }
                    else if (attribution.Refused is not null)
                    {
                        attributor = SampleAttributor.Unavailable(attribution.Refused);
                    }
                }
            }
            finally
            {
                Interlocked.Decrement(ref _activeSessions);
            }
            if (trace.TargetExited)
            {
                logger.LogWarning(
                    "Process {Pid} exited {Seconds:F1} s into the window; keeping what was collected (methods jitted before the window may be unnamed: no rundown)",
                    target.ProcessId, (trace.EndUtc - trace.StartUtc).TotalSeconds);
            }

            // Symbolization is synchronous and CPU-bound: keep it off the caller's context.
            await _symbolizing.WaitAsync(ct);
            ProfileWindow window;
            try
            {
                window = await Task.Run(() => symbolizer.Symbolize(trace, etlxPath, target, plan, carry, attributor), ct);
            }
            catch (Exception e) when (trace.TargetExited && e is not OperationCanceledException)
            {
                // A process killed mid-write can leave the trace cut inside a block that TraceEvent refuses to read:
                // the target's exit, not an agent failure.
                throw new TargetUnavailableException(target.ProcessId,
                    $"process {target.ProcessId} exited mid-window and its trace ({trace.Bytes / 1024} KB) ends mid-block ({e.GetType().Name}: {e.Message}); the window is dropped", e);
            }
            finally
            {
                _symbolizing.Release();
            }
            window = window with { Diagnostics = window.Diagnostics with { AgentCpuTime = CurrentCpuTime() - cpuBefore }, ServiceVersion = target.ServiceVersion };
            logger.LogInformation(
                "Window of pid {Pid}: {Stacks} stacks, {Cpu} cpu / {Wall} wall samples, {AllocMB:F1} MB allocated (est.), interval {Interval}, frames resolved {Resolved:P2}, trace {TraceKB} KB, agent CPU {AgentCpu:F2} s, agent peak RSS {PeakMB:F0} MB",
                target.ProcessId, window.Samples.Count, window.Totals.CpuSamples, window.Totals.WallSamples,
                window.Totals.AllocBytes / 1048576.0, window.SamplingInterval is { } i ? $"{i.TotalMilliseconds:F2} ms" : "n/a",
                window.Diagnostics.ResolvedFrameRatio, trace.Bytes / 1024, window.Diagnostics.AgentCpuTime.TotalSeconds,
                AgentResources.PeakResidentBytes() / 1048576.0);
            if (window.Diagnostics.LiveHeap is { } live)
            {
                logger.LogInformation("Window of pid {Pid}: {InUse}", target.ProcessId, live.Describe(trace.EndUtc - trace.StartUtc));
            }
            if (window.Attribution is { } a)
            {
                logger.LogInformation(
                    "Attribution of pid {Pid}: method {Method}, {Requests} requests ({NoRoute} without route), {InRequests} samples in requests, {NotInRequest} not in a request, {Endpoints} endpoints{Note}",
                    target.ProcessId, a.Method, a.Requests, a.RequestsWithoutRoute, a.SamplesInRequests, a.SamplesNotInRequest,
                    window.Samples.Select(s => s.Endpoint).Distinct().Count(), a.Note.Length == 0 ? "" : $" ({a.Note})");
            }
            return window;
        }
        finally
        {
            // A window leaves MBs of dead trace data, managed and native: give the memory back to the OS now.
            AgentResources.ReleaseMemory();
            if (!agentOptions.KeepTraceFiles)
            {
                TryDelete(tracePath);
                TryDelete(etlxPath);
            }
            else
            {
                // The .etlx exists only with Agent:Symbolizer=tracelog.
                logger.LogInformation("Kept trace file(s) {Files}", string.Join(" and ", new[] { tracePath, etlxPath }.Where(File.Exists)));
            }
        }
    }

    /// <summary>
    /// The window's part in its process's attribution session, when attribution is on. A target that refuses the session
    /// (too many sessions, an old runtime) still gets its window, with the reason in the window's attribution note.
    /// </summary>
    private async Task<(AttributionLease? Lease, string? Refused)> JoinAttributionAsync(TargetProcess target, CancellationToken ct)
    {
        if (!options.Value.Attribution.Enabled)
        {
            return (null, null);
        }
        try
        {
            return (await attributions.JoinAsync(target.ProcessId, ct), null);
        }
        catch (TargetUnavailableException e)
        {
            logger.LogWarning("No attribution for the window of pid {Pid}: {Message}", target.ProcessId, e.Message);
            return (null, $"the attribution session could not start: {e.Message}");
        }
    }

    private static TimeSpan CurrentCpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogDebug("Could not delete {Path}: {Message}", path, e.Message);
        }
    }
}
