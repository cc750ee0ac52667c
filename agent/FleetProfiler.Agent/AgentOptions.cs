namespace FleetProfiler.Agent;

/// <summary>
/// Agent configuration: section <c>Agent</c> of appsettings.json, environment variables with prefix
/// <c>FLEETPROFILER_</c> (e.g. <c>FLEETPROFILER_Agent__WindowSeconds=5</c>) and the command line
/// (<c>--Agent:WindowSeconds 5</c>), later sources winning. Validated at start (see <see cref="AgentOptionsValidator"/>).
/// </summary>
public sealed class AgentOptions
{
    public const string Section = "Agent";

    // ---- identity and gateway (daemon mode) ----

    /// <summary>This agent's id, as configured on the gateway with its token. Required in daemon mode.</summary>
    public string AgentId { get; set; } = "";

    /// <summary>The host name the agent reports (its batches go to the grains <c>service/host</c>); default: the machine name.</summary>
    public string? Host { get; set; }

    /// <summary>The agent's credential (≥ 16 characters), issued with <see cref="AgentId"/> and <see cref="Host"/> by the gateway.</summary>
    public string Token { get; set; } = "";

    /// <summary>The gateway's gRPC (HTTP/2) address.</summary>
    public string GatewayUrl { get; set; } = "http://127.0.0.1:5150";

    /// <summary>Allow an http:// gateway that is not on loopback (the key and profiles then travel in clear).</summary>
    public bool AllowInsecure { get; set; }

    /// <summary>A CA (or the gateway's self-signed) certificate, PEM or DER, to trust for an https:// gateway instead of the system store.</summary>
    public string? GatewayCaCertificate { get; set; }

    /// <summary>Reconnect backoff: first delay and cap, seconds (exponential, with jitter).</summary>
    public double ReconnectMinSeconds { get; set; } = 1;

    public double ReconnectMaxSeconds { get; set; } = 60;

    /// <summary>Wait after the gateway refused the token (UNAUTHENTICATED / PERMISSION_DENIED): retrying sooner cannot help.</summary>
    public double AuthFailureRetrySeconds { get; set; } = 300;

    /// <summary>Batches sent but not yet acked on one stream.</summary>
    public int MaxBatchesInFlight { get; set; } = 4;

    // ---- spool ----

    /// <summary>Directory of the on-disk spool (created if missing). Default: <c>$XDG_STATE_HOME</c> or <c>~/.local/state</c>, then <c>fleetprofiler-agent/spool</c>.</summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>Spool bound in bytes (MiB); when full, the oldest window is dropped and counted.</summary>
    public int SpoolMaxMB { get; set; } = 64;

    /// <summary>Spool bound in batches.</summary>
    public int SpoolMaxBatches { get; set; } = 1000;

    /// <summary>Largest batch the agent builds before the gateway announced its own limit (protocol default 4 MiB).</summary>
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    // ---- triggers ----

    /// <summary>Length of one window for signal-started profiles and for remote commands without a length.</summary>
    public int WindowSeconds { get; set; } = 10;

    /// <summary>
    /// Default window of the <c>inuse</c> kind (signals, gateway commands and one-shot runs without seconds, schedules
    /// with <c>Seconds: 0</c>): longer than cpu windows, since in-use sees only objects allocated within the window.
    /// </summary>
    public int InuseWindowSeconds { get; set; } = 60;

    /// <summary>Longest inuse window (an hour); for longer, signal-triggered windows run back to back until stopped.</summary>
    public const int MaxInuseWindowSeconds = 3600;

    /// <summary>
    /// Most sampled objects an <c>inuse</c> window follows (~40 bytes each in the agent). When reached, tracked objects
    /// are still followed and later samples are counted as untracked, and the window says so.
    /// </summary>
    public int InuseMaxTrackedObjects { get; set; } = 200_000;

    /// <summary>The window length for <paramref name="kinds"/> when none is given: <see cref="InuseWindowSeconds"/> for sets with inuse.</summary>
    public int DefaultSecondsFor(ProfileKinds kinds) => kinds.HasFlag(ProfileKinds.Inuse) ? InuseWindowSeconds : WindowSeconds;

    /// <summary>Scheduled windows, per kind: <c>[{Kind: cpu, Seconds: 10, Every: 00:15:00}]</c>. Empty = no schedule.</summary>
    public List<ScheduleOptions> Schedules { get; set; } = [];

    /// <summary>Fraction (0..1] of a service's hosts that profile in any schedule period (see docs/operations.md).</summary>
    public double HostSampling { get; set; } = 1;

    /// <summary>Listen for <c>SIGRTMIN+N</c> (start) and <c>SIGRTMIN+N+1</c> (stop).</summary>
    public bool Signals { get; set; } = true;

    /// <summary>N of <c>SIGRTMIN+N</c>.</summary>
    public int SignalOffset { get; set; } = 1;

    /// <summary>What a signal-started profile collects.</summary>
    public string SignalKinds { get; set; } = "alloc";

    // ---- targets ----

    /// <summary>Profile only these process ids (instead of every discovered .NET process).</summary>
    public List<int> Pids { get; set; } = [];

    /// <summary>Service-name rules (glob, or regex after <c>re:</c>). Empty = every .NET process.</summary>
    public List<string> Include { get; set; } = [];

    /// <summary>Service-name rules that win over <see cref="Include"/>.</summary>
    public List<string> Exclude { get; set; } = [];

    /// <summary>
    /// How often the daemon checks its known targets for exit and retries processes it could not describe; without
    /// <see cref="WatchDiagnosticsDirectory"/> (or with <see cref="Pids"/>), how often it lists the diagnostics sockets.
    /// </summary>
    public int DiscoverySeconds { get; set; } = 10;

    /// <summary>Find new processes by watching the diagnostics socket directory (inotify) instead of listing it every <see cref="DiscoverySeconds"/>.</summary>
    public bool WatchDiagnosticsDirectory { get; set; } = true;

    /// <summary>While watching: list the socket directory anyway this often, in case an event was missed.</summary>
    public int DiscoveryFullScanSeconds { get; set; } = 300;

    // ---- collection ----

    /// <summary><c>auto</c> (AllocationSampled on .NET 10+, else GCAllocationTick), <c>sampled</c> or <c>tick</c>.</summary>
    public string AllocationEvent { get; set; } = "auto";

    /// <summary>EventPipe buffer in the target process, MB.</summary>
    public int CircularBufferMB { get; set; } = 32;

    /// <summary>Default of <see cref="MaxSessionBufferMBPerTarget"/>: a window, a command run, attribution, request metrics and a heap dump at once.</summary>
    public const int DefaultMaxSessionBufferMBPerTarget = 128;

    /// <summary>
    /// Most EventPipe buffer MB the agent's sessions together may hold in one target (Sessions/TargetBuffers.cs); a session
    /// that would pass it is refused with a log line (a command run: the command result says why).
    /// </summary>
    public int MaxSessionBufferMBPerTarget { get; set; } = DefaultMaxSessionBufferMBPerTarget;

    /// <summary>Where window traces are written while they are symbolized; default: the system temp directory.</summary>
    public string? TempDirectory { get; set; }

    public const string StreamSymbolizer = "stream";
    public const string TraceLogSymbolizer = "tracelog";

    /// <summary>
    /// How a window's trace is read: <c>stream</c> (one pass, stacks resolved from the trace's method events; the default)
    /// or <c>tracelog</c> (TraceEvent's TraceLog and an .etlx file: the earlier reader, ~30 MB more at its peak).
    /// </summary>
    public string Symbolizer { get; set; } = StreamSymbolizer;

    /// <summary>Keep the .nettrace/.etlx files of each window (debugging).</summary>
    public bool KeepTraceFiles { get; set; }

    /// <summary>The always-on request metrics session (per route, per minute) of ASP.NET Core targets.</summary>
    public RequestMetrics.RequestMetricsOptions RequestMetrics { get; set; } = new();

    /// <summary>Attribution of window samples to requests and routes (the sample label <c>endpoint</c>).</summary>
    public AttributionOptions Attribution { get; set; } = new();

    /// <summary>Coverage runs: bounds of one run and the coverage signal.</summary>
    public Coverage.CoverageOptions Coverage { get; set; } = new();

    /// <summary>Heap snapshots: the heap-size ceiling, bounds of the reduction, and the heap snapshot signal.</summary>
    public HeapSnapshots.HeapSnapshotOptions HeapSnapshot { get; set; } = new();

    /// <summary>Longest wait for the runtime's rundown after a window is stopped.</summary>
    public int StopTimeoutSeconds { get; set; } = 30;

    /// <summary>
    /// Build-path prefixes to strip from source files, per service name (<c>*</c>: every service), for services built
    /// without a deterministic path map or SourceLink: <c>{"orders": ["/home/ci/work/orders/"]}</c> turns
    /// <c>/home/ci/work/orders/src/Api.cs</c> into <c>src/Api.cs</c>. The longest matching prefix wins.
    /// </summary>
    public Dictionary<string, List<string>> SourcePathPrefixes { get; set; } = [];

    /// <summary>The prefixes for <paramref name="service"/>: its own and those under <c>*</c>.</summary>
    public IReadOnlyList<string> SourcePathPrefixesOf(string service) =>
        [.. SourcePathPrefixes.GetValueOrDefault(service) ?? [], .. SourcePathPrefixes.GetValueOrDefault("*") ?? []];

    public string EffectiveTempDirectory => string.IsNullOrWhiteSpace(TempDirectory) ? Path.GetTempPath() : TempDirectory;

    public string EffectiveHost => string.IsNullOrWhiteSpace(Host) ? Environment.MachineName : Host;

    public string EffectiveSpoolDirectory
    {
        get
        {
            if (!string.IsNullOrWhiteSpace(SpoolDirectory))
            {
                return Path.GetFullPath(SpoolDirectory);
            }
            var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
            if (string.IsNullOrWhiteSpace(state))
            {
                state = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
            }
            return Path.Combine(state, "fleetprofiler-agent", "spool");
        }
    }
}

/// <summary>One scheduled window kind: <c>{Kind: cpu, Seconds: 10, Every: 00:15:00}</c>.</summary>
public sealed class ScheduleOptions
{
    /// <summary><c>cpu</c>, <c>wall</c>, <c>alloc</c> or a comma-separated combination (<c>cpu,wall</c> costs one session);
    /// or <c>coverage</c> alone: one coverage run per period (<see cref="Seconds"/> does not apply).</summary>
    public string Kind { get; set; } = "cpu";

    /// <summary>Window length; 0 = the kind's default (<see cref="AgentOptions.WindowSeconds"/>, or <see cref="AgentOptions.InuseWindowSeconds"/> for inuse).</summary>
    public int Seconds { get; set; } = 10;

    /// <summary>Period: one window per period, at a per-host jittered offset.</summary>
    public TimeSpan Every { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Overrides <see cref="AgentOptions.HostSampling"/> for this schedule.</summary>
    public double? HostSampling { get; set; }
}

/// <summary>Start-time validation: one clear message per problem, naming the setting.</summary>
public sealed class AgentOptionsValidator(bool daemon) : IValidateOptions<AgentOptions>
{

    public ValidateOptionsResult Validate(string? name, AgentOptions options)
    {
        var errors = new List<string>();
        CheckCollection(options, errors);
        if (daemon)
        {
            CheckDaemon(options, errors);
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckCollection(AgentOptions options, List<string> errors)
    {
        if (options.Symbolizer is not (AgentOptions.StreamSymbolizer or AgentOptions.TraceLogSymbolizer))
        {
            errors.Add($"Agent:Symbolizer must be '{AgentOptions.StreamSymbolizer}' or '{AgentOptions.TraceLogSymbolizer}', was '{options.Symbolizer}'.");
        }
        if (options.WindowSeconds is < 1 or > 600)
        {
            errors.Add($"Agent:WindowSeconds must be 1..600, was {options.WindowSeconds}.");
        }
        if (options.InuseWindowSeconds is < 1 or > AgentOptions.MaxInuseWindowSeconds)
        {
            errors.Add($"Agent:InuseWindowSeconds must be 1..{AgentOptions.MaxInuseWindowSeconds}, was {options.InuseWindowSeconds}.");
        }
        if (options.InuseMaxTrackedObjects is < 1000 or > 10_000_000)
        {
            errors.Add($"Agent:InuseMaxTrackedObjects must be 1000..10000000, was {options.InuseMaxTrackedObjects}.");
        }
        if (options.AllocationEvent is not ("auto" or "sampled" or "tick"))
        {
            errors.Add($"Agent:AllocationEvent must be auto, sampled or tick, was '{options.AllocationEvent}'.");
        }
        if (options.MaxSessionBufferMBPerTarget < options.CircularBufferMB)
        {
            errors.Add($"Agent:MaxSessionBufferMBPerTarget ({options.MaxSessionBufferMBPerTarget}) must be at least Agent:CircularBufferMB ({options.CircularBufferMB}).");
        }
        if (options.CircularBufferMB is < 1 or > 1024)
        {
            errors.Add($"Agent:CircularBufferMB must be 1..1024, was {options.CircularBufferMB}.");
        }
        if (options.StopTimeoutSeconds is < 1 or > 600)
        {
            errors.Add($"Agent:StopTimeoutSeconds must be 1..600, was {options.StopTimeoutSeconds}.");
        }
        foreach (var (list, key) in new[] { (options.Include, "Include"), (options.Exclude, "Exclude") })
        {
            for (var i = 0; i < list.Count; i++)
            {
                if (ServiceFilter.Check(list[i]) is { } problem)
                {
                    errors.Add($"Agent:{key}:{i} rule '{list[i]}' is invalid: {problem}");
                }
            }
        }
        errors.AddRange(options.RequestMetrics.Problems());
        errors.AddRange(options.Attribution.Problems());
        errors.AddRange(options.Coverage.Problems());
        errors.AddRange(options.HeapSnapshot.Problems());
        if (!string.IsNullOrWhiteSpace(options.TempDirectory) && !Directory.Exists(options.TempDirectory))
        {
            errors.Add($"Agent:TempDirectory '{options.TempDirectory}' does not exist.");
        }
    }

    private static void CheckDaemon(AgentOptions options, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(options.AgentId))
        {
            errors.Add("Agent:AgentId is required (the id the gateway knows this agent by).");
        }
        if (!AgentTokens.IsAcceptable(options.Token))
        {
            errors.Add($"Agent:Token is required and must have at least {AgentTokens.MinimumLength} characters (the credential the gateway issued for this agent and host).");
        }
        if (options.EffectiveHost.Contains('/'))
        {
            errors.Add($"Agent:Host may not contain '/', was '{options.EffectiveHost}'.");
        }
        if (!Uri.TryCreate(options.GatewayUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            errors.Add($"Agent:GatewayUrl must be an absolute http:// or https:// URL, was '{options.GatewayUrl}'.");
        }
        else if (GatewayTls.PlaintextRefusal(url, options.AllowInsecure, "Agent:AllowInsecure=true") is { } plaintext)
        {
            errors.Add("Agent:GatewayUrl: " + plaintext);
        }
        if (!string.IsNullOrEmpty(options.GatewayCaCertificate) && !File.Exists(options.GatewayCaCertificate))
        {
            errors.Add($"Agent:GatewayCaCertificate: '{options.GatewayCaCertificate}' does not exist.");
        }
        if (options.ReconnectMinSeconds <= 0 || options.ReconnectMaxSeconds < options.ReconnectMinSeconds)
        {
            errors.Add($"Agent:ReconnectMinSeconds must be > 0 and ≤ Agent:ReconnectMaxSeconds (were {options.ReconnectMinSeconds} and {options.ReconnectMaxSeconds}).");
        }
        if (options.AuthFailureRetrySeconds <= 0)
        {
            errors.Add($"Agent:AuthFailureRetrySeconds must be > 0, was {options.AuthFailureRetrySeconds}.");
        }
        if (options.MaxBatchesInFlight is < 1 or > 64)
        {
            errors.Add($"Agent:MaxBatchesInFlight must be 1..64, was {options.MaxBatchesInFlight}.");
        }
        if (options.MaxBatchBytes is < 64 * 1024 or > 16 * 1024 * 1024)
        {
            errors.Add($"Agent:MaxBatchBytes must be 65536..16777216, was {options.MaxBatchBytes}.");
        }
        if (options.SpoolMaxMB < 1 || (long)options.SpoolMaxMB * 1024 * 1024 < options.MaxBatchBytes)
        {
            errors.Add($"Agent:SpoolMaxMB must be ≥ 1 and hold at least one batch of Agent:MaxBatchBytes, was {options.SpoolMaxMB}.");
        }
        if (options.SpoolMaxBatches < 1)
        {
            errors.Add($"Agent:SpoolMaxBatches must be ≥ 1, was {options.SpoolMaxBatches}.");
        }
        if (options.HostSampling is <= 0 or > 1 || double.IsNaN(options.HostSampling))
        {
            errors.Add($"Agent:HostSampling must be in (0, 1], was {options.HostSampling}.");
        }
        for (var i = 0; i < options.Schedules.Count; i++)
        {
            var s = options.Schedules[i];
            if (!ProfileKindNames.TryParse(s.Kind, out _) && s.Kind != Coverage.CoverageBatches.Kind && s.Kind != HeapSnapshots.HeapSnapshotBatches.Kind)
            {
                errors.Add($"Agent:Schedules:{i}:Kind '{s.Kind}' is not a comma-separated list of {string.Join(", ", ProfileKindNames.All)}, nor {Coverage.CoverageBatches.Kind} or {HeapSnapshots.HeapSnapshotBatches.Kind}.");
            }
            var scheduleKinds = ProfileKindNames.TryParse(s.Kind, out var k) ? k : ProfileKinds.None;
            var maxSeconds = scheduleKinds.HasFlag(ProfileKinds.Inuse) ? AgentOptions.MaxInuseWindowSeconds : 600;
            if (s.Seconds is < 0 or > 600 && !(scheduleKinds.HasFlag(ProfileKinds.Inuse) && s.Seconds <= maxSeconds))
            {
                errors.Add($"Agent:Schedules:{i}:Seconds must be 0 (the kind's default) or 1..{maxSeconds}, was {s.Seconds}.");
            }
            var effective = s.Seconds == 0 ? options.DefaultSecondsFor(scheduleKinds) : s.Seconds;
            if (s.Every.TotalSeconds < effective + 1)
            {
                errors.Add($"Agent:Schedules:{i}:Every ({s.Every}) must be longer than the window ({s.Seconds} s) by at least a second.");
            }
            if (s.HostSampling is { } f && (f is <= 0 or > 1 || double.IsNaN(f)))
            {
                errors.Add($"Agent:Schedules:{i}:HostSampling must be in (0, 1], was {f}.");
            }
        }
        if (!ProfileKindNames.TryParse(options.SignalKinds, out _))
        {
            errors.Add($"Agent:SignalKinds '{options.SignalKinds}' is not a comma-separated list of {string.Join(", ", ProfileKindNames.All)}.");
        }
        if (options.Signals && !Triggers.RealtimeSignals.IsValidOffset(options.SignalOffset, out var range))
        {
            errors.Add($"Agent:SignalOffset must keep SIGRTMIN+N+1 within the real-time signals ({range}), was {options.SignalOffset}.");
        }
        if (options.Signals && options.Coverage.SignalOffset != -1)
        {
            var coverage = options.Coverage.SignalOffset;
            if (coverage < 0 || Triggers.RealtimeSignals.Min + coverage > Triggers.RealtimeSignals.Max)
            {
                errors.Add($"Agent:Coverage:SignalOffset must be -1 (off) or keep SIGRTMIN+N within the real-time signals (SIGRTMIN {Triggers.RealtimeSignals.Min} .. SIGRTMAX {Triggers.RealtimeSignals.Max}), was {coverage}.");
            }
            else if (coverage == options.SignalOffset || coverage == options.SignalOffset + 1)
            {
                errors.Add($"Agent:Coverage:SignalOffset ({coverage}) must differ from the start/stop signals Agent:SignalOffset and Agent:SignalOffset+1 ({options.SignalOffset}, {options.SignalOffset + 1}).");
            }
        }
        if (options.Signals && options.HeapSnapshot.SignalOffset != -1)
        {
            var heap = options.HeapSnapshot.SignalOffset;
            if (heap < 0 || Triggers.RealtimeSignals.Min + heap > Triggers.RealtimeSignals.Max)
            {
                errors.Add($"Agent:HeapSnapshot:SignalOffset must be -1 (off) or keep SIGRTMIN+N within the real-time signals (SIGRTMIN {Triggers.RealtimeSignals.Min} .. SIGRTMAX {Triggers.RealtimeSignals.Max}), was {heap}.");
            }
            else if (heap == options.SignalOffset || heap == options.SignalOffset + 1 || heap == options.Coverage.SignalOffset)
            {
                errors.Add($"Agent:HeapSnapshot:SignalOffset ({heap}) must differ from the start/stop signals Agent:SignalOffset and Agent:SignalOffset+1 ({options.SignalOffset}, {options.SignalOffset + 1}) and from Agent:Coverage:SignalOffset ({options.Coverage.SignalOffset}).");
            }
        }
        if (options.DiscoverySeconds is < 1 or > 3600)
        {
            errors.Add($"Agent:DiscoverySeconds must be 1..3600, was {options.DiscoverySeconds}.");
        }
        if (options.DiscoveryFullScanSeconds is < 1 or > 86400)
        {
            errors.Add($"Agent:DiscoveryFullScanSeconds must be 1..86400, was {options.DiscoveryFullScanSeconds}.");
        }
        for (var i = 0; i < options.Pids.Count; i++)
        {
            if (options.Pids[i] <= 0)
            {
                errors.Add($"Agent:Pids:{i} must be a process id > 0, was {options.Pids[i]}.");
            }
        }
    }
}
