using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;

namespace FleetProfiler.Agent.Discovery;

/// <summary>
/// Daemon mode: the .NET processes the agent may profile right now, refreshed when a diagnostics socket appears or
/// vanishes (<see cref="DiagnosticsDirectoryWatcher"/>), else every <see cref="AgentOptions.DiscoverySeconds"/>. A process is described once (service name from its environment, one
/// short diagnostics-IPC command, no EventPipe session) and kept until it exits; starts and exits are logged.
/// With <see cref="AgentOptions.Pids"/> set, only those processes are considered.
/// </summary>
public sealed class TargetRegistry(
    ProcessDiscovery discovery,
    IOptions<AgentOptions> options,
    ILogger<TargetRegistry> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<int, Known> _known = new();
    private readonly ConcurrentDictionary<(int Pid, string Reason), bool> _reported = new();
    // Processes decided against (excluded by the rules, or unreachable), by start time: not asked again every scan.
    private readonly ConcurrentDictionary<int, long> _passed = new();
    private readonly TaskCompletionSource _firstScan = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Known(TargetProcess Target, long StartTime);

    /// <summary>The current targets, by pid.</summary>
    public IReadOnlyList<TargetProcess> Current => _known.Values.Select(k => k.Target).OrderBy(t => t.ProcessId).ToList();

    /// <summary>The distinct service names of <see cref="Current"/> (the hello's <c>services</c>).</summary>
    public IReadOnlyList<string> Services => Current.Select(t => t.ServiceName).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>Completes after the first scan, so triggers and the hello start from a real picture of the host.</summary>
    public Task FirstScan => _firstScan.Task;

    public TargetProcess? Find(int processId) => _known.TryGetValue(processId, out var k) ? k.Target : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var period = TimeSpan.FromSeconds(settings.DiscoverySeconds);
        // Configured pids need no directory listing. Otherwise the socket directory is listed only when a socket appeared
        // or vanished since the last round (and every DiscoveryFullScanSeconds, in case an event was missed); other
        // rounds only check the known targets (one /proc read each). At most one listing per DiscoverySeconds: on a host
        // where .NET processes come and go all the time, reacting to each would describe every short-lived one.
        string? failure = null;
        using var watcher = settings.Pids.Count == 0 && settings.WatchDiagnosticsDirectory ? DiagnosticsDirectoryWatcher.TryStart(out failure) : null;
        if (failure is not null)
        {
            logger.LogWarning("Cannot watch {Directory} for diagnostics sockets ({Reason}); listing it every {Seconds} s instead",
                DiagnosticsDirectoryWatcher.Directory, failure, settings.DiscoverySeconds);
        }
        var fullScanPeriod = watcher is null ? period : TimeSpan.FromSeconds(Math.Max(settings.DiscoverySeconds, settings.DiscoveryFullScanSeconds));
        var lastFullScan = Stopwatch.GetTimestamp();
        var first = true;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (watcher is null || first || watcher.TakeChanged() || _retryPending || Stopwatch.GetElapsedTime(lastFullScan) >= fullScanPeriod)
                {
                    Refresh();
                    lastFullScan = Stopwatch.GetTimestamp();
                }
                else
                {
                    DropExited(pids: null);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Process discovery failed; retrying in {Seconds} s", period.TotalSeconds);
            }
            if (first)
            {
                first = false;
                _firstScan.TrySetResult();
                // Start-up garbage (configuration, DI, the first descriptions) is dead now: give its memory back to the
                // OS once, so the idle daemon's RSS is what it uses, not the start-up's high-water mark.
                AgentResources.ReleaseMemory();
            }

            try
            {
                await Task.Delay(period, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    // A live process that could not be described (not yet listening, say): the next round scans again.
    private volatile bool _retryPending;

    /// <summary>Drops known targets that exited (or whose pid now names another process, or whose socket is gone).</summary>
    private void DropExited(List<int>? pids)
    {
        foreach (var (pid, known) in _known)
        {
            if ((pids is not null && !pids.Contains(pid)) || ProcessStartTime(pid) != known.StartTime || !ProcessDiscovery.ProcessExists(pid))
            {
                if (_known.TryRemove(pid, out _))
                {
                    logger.LogInformation("Process {Pid} ({Service}) exited; no longer a target", pid, known.Target.ServiceName);
                }
            }
        }
    }

    /// <summary>One scan: new processes described and added, exited ones dropped.</summary>
    public void Refresh()
    {
        var settings = options.Value;
        var configured = settings.Pids.Count > 0;
        var pids = configured
            ? settings.Pids.Distinct().ToList()
            : DiagnosticsDirectoryWatcher.PublishedProcesses().Distinct().Where(p => p != Environment.ProcessId).ToList();
        var filter = new ServiceFilter(settings.Include, settings.Exclude);
        _retryPending = false;
        DropExited(pids);

        foreach (var pid in _passed.Keys.Where(p => !pids.Contains(p)).ToList())
        {
            _passed.TryRemove(pid, out _);
        }

        foreach (var pid in pids)
        {
            if (_known.ContainsKey(pid))
            {
                continue;
            }
            var startTime = ProcessStartTime(pid);
            if ((startTime == 0 && !configured) || (_passed.TryGetValue(pid, out var passedStart) && passedStart == startTime))
            {
                // Gone (a stale socket in /tmp), or decided against before.
                continue;
            }
            try
            {
                var target = discovery.Describe(pid, filter.Matches);
                if (!filter.Matches(target.ServiceName))
                {
                    ReportOnce(pid, "excluded", LogLevel.Debug, $"skipping pid {pid} ({target.ServiceName}): excluded by the Include/Exclude rules");
                    _passed[pid] = startTime;
                    continue;
                }
                _known[pid] = new Known(target, startTime);
                _reported.TryRemove((pid, "unavailable"), out _);
                logger.LogInformation("Found {Service} (pid {Pid}, {Process}, runtime {Runtime})",
                    target.ServiceName, pid, target.ProcessName, target.RuntimeVersion?.ToString() ?? "unknown");
            }
            catch (TargetUnavailableException e)
            {
                // Stale sockets of dead processes are common in /tmp: debug only, also when another process now has
                // their pid (its start time is not the socket's key). A live process we cannot reach (permissions)
                // or a configured pid deserves one clear line.
                var alive = ProcessDiscovery.ProcessExists(pid);
                var itsSocket = configured || OperatingSystem.IsWindows() || DiagnosticsDirectoryWatcher.HasSocket(pid, startTime);
                ReportOnce(pid, "unavailable", configured || (alive && itsSocket) ? LogLevel.Warning : LogLevel.Debug, $"cannot profile pid {pid}: {e.Message}");
                // A live process we may not reach stays so until it restarts; a configured pid may still appear.
                if (alive && !configured && ProcessDiscovery.IsAccessDenied(e.InnerException))
                {
                    _passed[pid] = startTime;
                }
                else if (alive)
                {
                    _retryPending = true;
                }
            }
        }
    }

    private void ReportOnce(int pid, string reason, LogLevel level, string message)
    {
        if (_reported.TryAdd((pid, reason), true))
        {
            logger.Log(level, "Discovery: {Message}", message);
        }
    }

    /// <summary>Field 22 of /proc/PID/stat (start time in clock ticks): tells a reused pid from the process we knew.</summary>
    internal static long ProcessStartTime(int pid)
    {
        var path = $"/proc/{pid}/stat";
        if (!File.Exists(path))
        {
            // A stale socket's pid, the common case: an exception per stale socket per scan would cost more than the read.
            return 0;
        }
        try
        {
            var stat = File.ReadAllText(path);
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.TryParse(fields[19], out var ticks) ? ticks : 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
