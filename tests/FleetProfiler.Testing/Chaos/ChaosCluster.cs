namespace FleetProfiler.Testing.Chaos;

/// <summary>
/// Cluster mode as deployed: three silos on PostgreSQL and the stand-alone gateway, each a real process that the chaos
/// run kills with SIGKILL (by its PID) and starts again on the same ports.
/// </summary>
public sealed class ChaosCluster : IAsyncDisposable
{
    private readonly string _connectionString;
    private readonly IReadOnlyList<AgentCredential> _agents;
    private readonly string _cluster = "chaos" + Guid.NewGuid().ToString("N")[..8];
    private readonly int[] _ports;
    private readonly TempDirectory _dir = new("chaos");
    private readonly SiloProcess?[] _silos;
    private ChildProcess? _gateway;

    private ChaosCluster(string connectionString, IReadOnlyList<AgentCredential> agents, int silos)
    {
        _connectionString = connectionString;
        _agents = agents;
        _silos = new SiloProcess?[silos];
        _ports = FreePorts.Take(2 * silos + 2);
    }

    public int SiloCount => _silos.Length;

    public string GrpcUrl => $"http://127.0.0.1:{_ports[^2]}";

    private readonly List<string> _errors = [];

    /// <summary>Error lines the silos and gateways printed (every generation), each with the line after it (the message), distinct, for a report.</summary>
    public IReadOnlyList<string> ErrorLines() { lock (_errors) return _errors.Distinct().ToList(); }

    public static async Task<ChaosCluster> StartAsync(string connectionString, IReadOnlyList<AgentCredential> agents, int silos = 3)
    {
        var cluster = new ChaosCluster(connectionString, agents, silos);
        try
        {
            for (var i = 0; i < silos; i++) await cluster.StartSiloAsync(i);
            await cluster.StartGatewayAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    private Dictionary<string, string> Common() => new()
    {
        ["Mode"] = "cluster",
        ["ClusterId"] = _cluster,
        ["ServiceId"] = _cluster,
        ["PostgreSql:ConnectionString"] = _connectionString,
    };

    /// <summary>
    /// Starts silo <paramref name="i"/> as a supervisor would (systemd's Restart=on-failure): a silo that exits while
    /// starting is started again, up to <see cref="StartAttempts"/> times. On a very busy machine the others can declare
    /// a starting silo dead before it answers their probes (the fast-failure settings below); Orleans then stops it
    /// (exit 134), by design. Returns how many starts exited by themselves.
    /// </summary>
    public async Task<int> StartSiloAsync(int i)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartSiloOnceAsync(i);
                return attempt - 1;
            }
            catch (TimeoutException) when (_silos[i] is { HasExited: true } exited && attempt < StartAttempts)
            {
                await exited.DisposeAsync();
                _silos[i] = null;
            }
        }
    }

    private const int StartAttempts = 3;

    private async Task StartSiloOnceAsync(int i)
    {
        var settings = Common();
        settings["Dashboard:Enabled"] = "false";
        // The documented fast-failure settings (README "Cluster mode"): a dead silo is declared in ~1-2 s.
        settings["Membership:ProbeTimeout"] = "00:00:01";
        settings["Membership:NumMissedProbesLimit"] = "2";
        settings["Membership:IAmAliveTablePublishTimeout"] = "00:00:05";
        settings["Membership:TableRefreshTimeout"] = "00:00:05";
        // The rollup runs often and comes back soon on a survivor when its silo dies.
        settings["Reminders:MinimumReminderPeriod"] = "00:00:10";
        settings["Profiles:RollupPeriod"] = "00:00:02";
        settings["Profiles:KeepAliveDue"] = "00:00:01";
        settings["Profiles:KeepAlivePeriod"] = "00:00:10";
        var silo = SiloProcess.Start(Path.Combine(_dir.Path, "silo" + i), new Dictionary<string, string>(settings)
        {
            ["Silo:SiloPort"] = _ports[2 * i].ToString(CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = _ports[2 * i + 1].ToString(CultureInfo.InvariantCulture),
        });
        _silos[i] = silo;
        Watch(silo.Process);
        await silo.WaitReadyAsync();
    }

    public async Task StartGatewayAsync()
    {
        var settings = Common();
        settings["Gateway:GrpcPort"] = _ports[^2].ToString(CultureInfo.InvariantCulture);
        settings["Gateway:HttpPort"] = _ports[^1].ToString(CultureInfo.InvariantCulture);
        foreach (var (key, value) in TestKeys.AgentSettings(_agents)) settings[key] = value;
        _gateway = GatewayProcess.Start(Path.Combine(_dir.Path, "gateway"), settings);
        Watch(_gateway);
        await _gateway.WaitReadyAsync();
    }

    /// <summary>SIGKILL to silo <paramref name="i"/> (by its PID); returns the PID killed.</summary>
    public async Task<int> KillSiloAsync(int i)
    {
        var silo = _silos[i] ?? throw new InvalidOperationException($"silo {i} is not running");
        var pid = silo.Pid;
        await silo.KillAsync();
        await silo.DisposeAsync();
        _silos[i] = null;
        return pid;
    }

    /// <summary>SIGKILL to the gateway (by its PID); returns the PID killed.</summary>
    public async Task<int> KillGatewayAsync()
    {
        var gateway = _gateway ?? throw new InvalidOperationException("the gateway is not running");
        var pid = gateway.Pid;
        await gateway.KillAsync();
        await gateway.DisposeAsync();
        _gateway = null;
        return pid;
    }

    /// <summary>Starts again every process that is not running (killed, or exited by itself); returns how many exited by themselves.</summary>
    public async Task<int> EnsureAllRunningAsync()
    {
        var crashed = 0;
        for (var i = 0; i < _silos.Length; i++)
        {
            if (_silos[i] is { HasExited: true } dead)
            {
                crashed++;
                await dead.DisposeAsync();
                _silos[i] = null;
            }
            if (_silos[i] is null) crashed += await StartSiloAsync(i);
        }
        if (_gateway is { HasExited: true } gone)
        {
            crashed++;
            await gone.DisposeAsync();
            _gateway = null;
        }
        if (_gateway is null) await StartGatewayAsync();
        return crashed;
    }

    private void Watch(ChildProcess process)
    {
        // The console logger prints "fail: Category[id]", the message on the next line and the exception after it.
        var next = 0;
        process.Line += line =>
        {
            if (next > 0 && line.StartsWith(' ')) { lock (_errors) _errors.Add($"{process.Name}: {line.Trim()}"); }
            next = line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal) ? 2 : next - 1;
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null) await _gateway.DisposeAsync();
        foreach (var silo in _silos)
        {
            if (silo is not null) await silo.DisposeAsync();
        }
        _dir.Dispose();
    }
}
