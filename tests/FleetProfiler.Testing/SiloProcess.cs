namespace FleetProfiler.Testing;

/// <summary>A real FleetProfiler.Silo process, started with settings on its command line.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    public const string ReadyLine = "FleetProfiler silo is up";

    private SiloProcess(ChildProcess process, IReadOnlyDictionary<string, string> settings)
    {
        Process = process;
        SiloPort = Port(settings, "Silo:SiloPort");
        GatewayPort = Port(settings, "Silo:GatewayPort");
    }

    /// <summary>The silo-to-silo port, when the settings named one (else 0).</summary>
    public int SiloPort { get; }

    /// <summary>The port Orleans clients connect to, when the settings named one (else 0).</summary>
    public int GatewayPort { get; }

    /// <summary>The process itself: its output, its exit, signals.</summary>
    public ChildProcess Process { get; }

    public int Pid => Process.Pid;

    public string Output => Process.Output;

    public bool HasExited => Process.HasExited;

    /// <summary>
    /// Starts a silo in <paramref name="workingDirectory"/>; <paramref name="settings"/> are configuration keys under
    /// <c>FleetProfiler:</c>. Inherited <c>FleetProfiler*</c> variables are removed, and logs are at Warning unless
    /// <paramref name="environment"/> says otherwise. <paramref name="dll"/>: another copy of the silo than the build output's
    /// (<see cref="TempDirectory.LinkBuildOutput"/>).
    /// </summary>
    public static SiloProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string>? environment = null,
        string? dll = null)
    {
        Directory.CreateDirectory(workingDirectory);
        var env = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" };
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("FleetProfiler", StringComparison.OrdinalIgnoreCase)))
        {
            env[key] = ""; // removed: the test says what the silo reads
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            env[key] = value;
        }
        // Every platform accepts the kit's operator and reader keys (TestKeys), whatever else the test configures.
        var all = new Dictionary<string, string>(TestKeys.Settings())
        {
            // Tests send windows at fixed dates (TestBatches.Epoch and others): the window-age bound (48 h by default)
            // would reject them as the calendar moves on. Tests of that bound set it themselves.
            ["Ingest:Limits:MaxWindowAge"] = "36500.00:00:00",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        var process = ChildProcess.StartDotnet("silo", dll ?? Repo.SiloDll, all.Select(kv => $"--FleetProfiler:{kv.Key}={kv.Value}"), env, workingDirectory);
        return new SiloProcess(process, settings);
    }

    /// <summary>Starts a silo listening on <paramref name="siloPort"/> (silo-to-silo) and <paramref name="gatewayPort"/> (Orleans clients).</summary>
    public static SiloProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> settings, int siloPort, int gatewayPort, string? dll = null) =>
        Start(workingDirectory, new Dictionary<string, string>(settings)
        {
            ["Silo:SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
        }, dll: dll);

    /// <summary>Completes when the silo prints its banner; fails with the process output if it exits first.</summary>
    public Task WaitReadyAsync(TimeSpan? deadline = null) => Process.WaitForLineAsync(ReadyLine, deadline ?? TestTimeouts.SiloReady);

    /// <summary>Exit code of a silo expected to stop by itself (say, on a bad setting).</summary>
    public Task<int> WaitExitAsync(TimeSpan? deadline = null) => Process.WaitForExitAsync(deadline ?? TestTimeouts.ProcessStart);

    /// <summary>SIGKILL: a crash, not a graceful stop.</summary>
    public Task KillAsync() => Process.KillAsync();

    private static int Port(IReadOnlyDictionary<string, string> settings, string key) =>
        settings.TryGetValue(key, out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : 0;

    public async ValueTask DisposeAsync()
    {
        await Process.KillAsync();
        await Process.DisposeAsync();
    }
}
