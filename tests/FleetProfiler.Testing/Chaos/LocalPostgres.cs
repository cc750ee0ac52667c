namespace FleetProfiler.Testing.Chaos;

/// <summary>
/// A PostgreSQL server of its own (deploy/scripts/local-postgres.sh in a temporary directory) with deploy/sql applied,
/// so that a chaos run can stop and start it without touching the server other tests share.
/// </summary>
public sealed class LocalPostgres : IAsyncDisposable
{
    private static readonly TimeSpan ScriptDeadline = TimeSpan.FromMinutes(3);
    private readonly TempDirectory _dir = new("chaos-pg");
    private int _port;
    private bool _running;

    /// <summary>The database the platform uses, with every deploy/sql file applied.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={_port};Username=postgres;Database=fleetprofiler;Maximum Pool Size=40;Timeout=5";

    public static async Task<LocalPostgres> StartAsync()
    {
        var pg = new LocalPostgres();
        try
        {
            await pg.StartServerAsync();
            await RunAsync("create-db", "create-db.sh", ["fleetprofiler"], new Dictionary<string, string>
            {
                ["PGHOST"] = "127.0.0.1",
                ["PGPORT"] = pg._port.ToString(CultureInfo.InvariantCulture),
                ["PGUSER"] = "postgres",
            });
        }
        catch
        {
            await pg.DisposeAsync();
            throw;
        }
        return pg;
    }

    /// <summary>Stops the server (pg_ctl stop -m fast: open connections are cut).</summary>
    public async Task StopAsync()
    {
        await RunAsync("pg-stop", "local-postgres.sh", ["stop", _dir.Path]);
        _running = false;
    }

    /// <summary>Starts the stopped server again, on the same port with the same data.</summary>
    public Task RestartAsync() => StartServerAsync();

    private async Task StartServerAsync()
    {
        string[] args = _port == 0 ? ["start", _dir.Path] : ["start", _dir.Path, _port.ToString(CultureInfo.InvariantCulture)];
        await RunAsync("pg-start", "local-postgres.sh", args);
        _port = int.Parse(await File.ReadAllTextAsync(Path.Combine(_dir.Path, "port")), CultureInfo.InvariantCulture);
        _running = true;
    }

    private static async Task RunAsync(string name, string script, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        await using var process = ChildProcess.Start(name, "bash", [Repo.File("deploy", "scripts", script), .. args], environment);
        var code = await process.WaitForExitAsync(ScriptDeadline);
        if (code != 0) throw new InvalidOperationException($"{script} {string.Join(' ', args)} exited {code}:\n{process.Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_running)
        {
            try { await StopAsync(); }
            catch (InvalidOperationException) { } // already gone
        }
        _dir.Dispose();
    }
}
