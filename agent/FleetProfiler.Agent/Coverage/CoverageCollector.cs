using System.Diagnostics.Tracing;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Diagnostics.NETCore.Client;

namespace FleetProfiler.Agent.Coverage;

/// <summary>One coverage run of one process, ready to be sent.</summary>
public sealed record CoverageResult(TargetProcess Target, DateTime StartUtc, DateTime EndUtc, CoverageRun Run, string? RuntimeVersion)
{
    public int Methods => Run.Modules.Sum(m => m.Methods);
    public int DeadCertain => Run.Modules.Sum(m => m.MethodsDeadCertain);
    public int DeadProbable => Run.Modules.Sum(m => m.MethodsDeadProbable);
}

/// <summary>
/// A coverage run: a session of (almost) zero length whose rundown lists every method with native code since the
/// process started (no instrumentation, no restart), classified against the service's own assemblies and their PDBs.
/// Runs one at a time per agent: the reading is cheap, but the target's rundown is not free.
/// </summary>
public sealed class CoverageCollector(ProcessDiscovery discovery, TraceDirectory traces, IOptions<AgentOptions> options, ILogger<CoverageCollector> logger)
{
    /// <summary>The reason quotes a JIT setting's value, which may be long.</summary>
    private const int MaxReasonLength = 512;

    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public Task<CoverageResult> CollectAsync(int processId, CancellationToken ct = default) => CollectAsync(discovery.Describe(processId), ct);

    /// <exception cref="TargetUnavailableException">The process is gone, not .NET, or out of reach.</exception>
    public async Task<CoverageResult> CollectAsync(TargetProcess target, CancellationToken ct = default)
    {
        var agentOptions = options.Value;
        var limits = agentOptions.Coverage.Limits;
        var pid = target.ProcessId;
        await _oneAtATime.WaitAsync(ct);
        var tracePath = traces.File($"fleetprofiler-coverage-{pid}-{Guid.NewGuid().ToString("N")[..8]}.nettrace");
        try
        {
            var cpuBefore = CurrentCpuTime();
            // Read before the session: the rundown must not be older than what it is compared against.
            var jit = TargetEnvironment.ReadJitSettings(pid);
            var (appDirectory, assemblies, omitted) = ServiceAssemblies.Find(pid, limits.MaxModules);
            var processStart = ProcessStartUtc(pid) ?? throw new TargetUnavailableException(pid, $"process {pid} not found (no start time)");

            // Only the runtime's rundown matters; the Loader keyword is the one provider a session must have, and shows
            // modules that load or unload during the moment the session lasts.
            var plan = new SessionPlan(ProfileKinds.None, AllocationSource.None,
                [new EventPipeProvider(SessionPlan.RuntimeProvider, EventLevel.Informational, SessionPlan.LoaderKeyword)]);
            var trace = await TraceRecorder.RecordAsync(pid, plan, TimeSpan.Zero, tracePath, agentOptions, logger, ct);
            if (trace.TargetExited)
            {
                throw new TargetUnavailableException(pid, $"process {pid} exited during the coverage run");
            }
            var executed = await Task.Run(() => RundownReader.Read(tracePath), ct);

            var unsound = UncertainReason(jit, executed);
            var run = new CoverageRun
            {
                ProcessStart = Timestamp.FromDateTime(processStart),
                Canary = jit.Canary,
                UncertainReason = unsound,
            };
            var rules = new SourcePathRules(agentOptions.SourcePathPrefixesOf(target.ServiceName));
            var documents = new List<DocumentLines>();
            foreach (var assembly in assemblies)
            {
                var seen = Seen(executed, assembly);
                try
                {
                    var (module, moduleDocuments) = ModuleCoverage.Analyze(assembly, seen, unsound.Length == 0, jit, rules, limits);
                    run.Modules.Add(module);
                    documents.AddRange(moduleDocuments);
                }
                catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
                {
                    run.Modules.Add(new CoverageModule { Name = assembly.Name, Loaded = seen is not null, Skipped = ModuleCoverage.Bounded($"unreadable assembly: {e.Message}") });
                }
            }
            RunFiles.Fill(run, documents, limits);
            var result = new CoverageResult(target, trace.StartUtc, trace.EndUtc, run, target.RuntimeVersion?.ToString());
            logger.LogInformation(
                "Coverage of {Service} (pid {Pid}): {Modules} service assemblies in {AppDirectory}{Omitted}, {Methods} methods: {Live} live, {Certain} dead-certain, {Probable} dead-probable; {Files} files; rundown {Rundown} methods, trace {TraceKB} KB; {Canary}{Uncertain}; agent CPU {AgentCpu:F2} s",
                target.ServiceName, pid, run.Modules.Count, appDirectory, omitted > 0 ? $" ({omitted} more over Agent:Coverage:MaxModules, not covered)" : "",
                result.Methods, run.Modules.Sum(m => m.MethodsLive), result.DeadCertain, result.DeadProbable, run.Files.Count,
                executed.MethodCount, trace.Bytes / 1024, jit.Canary ? "canary (JitNoInline)" : "not a canary",
                unsound.Length > 0 ? $"; nothing certain: {unsound}" : "", (CurrentCpuTime() - cpuBefore).TotalSeconds);
            foreach (var skipped in run.Modules.Where(m => m.Skipped.Length > 0))
            {
                logger.LogWarning("Coverage of pid {Pid}: lines of {Module} not sent: {Reason}", pid, skipped.Name, skipped.Skipped);
            }
            return result;
        }
        finally
        {
            _oneAtATime.Release();
            // The rundown (thousands of methods) and the modules' metadata are dead now: not carried until the next run.
            AgentResources.ReleaseMemory();
            if (!agentOptions.KeepTraceFiles)
            {
                try
                {
                    File.Delete(tracePath);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    logger.LogDebug("Could not delete {Path}: {Message}", tracePath, e.Message);
                }
            }
        }
    }

    /// <summary>
    /// Why nothing unseen in this run may be called certain (the run's <c>uncertain_reason</c>, at most 512 characters),
    /// "" when the run is sound: the target's environment unreadable, a JIT inlining override in it, or a rundown that
    /// is not whole (lost events, no end marker, modules unloaded, collectible assemblies loaded).
    /// </summary>
    public static string UncertainReason(JitSettings jit, ExecutedMethods executed)
    {
        var reason = jit.Unreadable is { Length: > 0 } unreadable ? unreadable
            : jit.Override is { Length: > 0 } jitOverride ? $"JIT setting {jitOverride} in the target's environment may change inlining"
            : executed.Unsoundness;
        return reason.Length <= MaxReasonLength ? reason : reason[..(MaxReasonLength - 1)] + "…";
    }

    /// <summary>The rundown's tokens for <paramref name="assembly"/>: by its path, else by file name (loaded from elsewhere); null when never loaded.</summary>
    private static HashSet<int>? Seen(ExecutedMethods executed, ServiceAssembly assembly)
    {
        if (executed.MethodsByModulePath.TryGetValue(assembly.TargetPath, out var exact))
        {
            return exact;
        }
        var byName = executed.MethodsByModulePath
            .Where(m => string.Equals(Path.GetFileName(m.Key), Path.GetFileName(assembly.TargetPath), StringComparison.Ordinal))
            .ToList();
        return byName.Count == 0 ? null : byName.SelectMany(m => m.Value).ToHashSet();
    }

    private static DateTime? ProcessStartUtc(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.StartTime.ToUniversalTime();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static TimeSpan CurrentCpuTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
