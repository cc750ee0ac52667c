using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using FleetProfiler.Protocol;

namespace FleetProfiler.Benchmarks.Infrastructure;

/// <summary>
/// A real FleetProfiler.Silo process (single-node: co-hosted gateway, SQLite) on free loopback ports with a temporary
/// data directory. Agent credentials go in through environment variables (FleetProfiler__Ingest__Agents__i__…): the silo
/// reads appsettings.json beside its binary, environment variables and the command line, and has no extra-file option.
/// Stopped by its PID (SIGTERM, then SIGKILL after a grace period). Output goes to a log file in its work directory.
/// </summary>
public sealed partial class SiloHost : IAsyncDisposable
{
    /// <summary>Linux limit on argv + environment at exec (stack limit / 4 with the default 8 MiB stack).</summary>
    private const int EnvironmentBudgetBytes = 1_900_000;

    /// <summary>A silo under load needs a while to stop gracefully.</summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(20);

    private readonly SiloProcess _silo;
    private readonly StreamWriter _log;
    private readonly Lock _gate = new();
    private bool _disposed;

    public int Pid => _silo.Pid;
    public int GrpcPort { get; }
    public string DataDirectory { get; }
    public string LogPath { get; }
    public string WorkDirectory { get; }

    private SiloHost(SiloProcess silo, int grpcPort, string work, string data, string logPath, StreamWriter log)
    {
        _silo = silo;
        GrpcPort = grpcPort;
        WorkDirectory = work;
        DataDirectory = data;
        LogPath = logPath;
        _log = log;
        silo.Process.Line += line =>
        {
            lock (_gate)
            {
                if (!_disposed)
                {
                    _log.WriteLine(line);
                }
            }
        };
    }

    public string GrpcAddress => $"http://127.0.0.1:{GrpcPort}";

    /// <summary>
    /// Configuration index of the first agent key: above the kit's own keys (<see cref="TestKeys.OperatorIndex"/>,
    /// <see cref="TestKeys.ReaderIndex"/>), so that agent 900 does not overwrite the operator key.
    /// </summary>
    private const int FirstAgentKeyIndex = 1000;

    public static async Task<SiloHost> StartAsync(IReadOnlyList<AgentCredential> agents, IReadOnlyDictionary<string, string>? settings = null, string? siloDll = null)
    {
        var work = Directory.CreateTempSubdirectory("fleetprofiler-bench-").FullName;
        var data = Path.Combine(work, "data");
        var ports = FreePorts.Take(4);
        var args = new Dictionary<string, string>
        {
            ["Silo:SiloPort"] = ports[0].ToString(CultureInfo.InvariantCulture),
            ["Silo:GatewayPort"] = ports[1].ToString(CultureInfo.InvariantCulture),
            ["Gateway:GrpcPort"] = ports[2].ToString(CultureInfo.InvariantCulture),
            ["Gateway:HttpPort"] = ports[3].ToString(CultureInfo.InvariantCulture),
            ["DataDirectory"] = data,
            ["ClusterId"] = "bench",
            ["ServiceId"] = "bench",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) args[k] = v;
        // Rollups and retention log at Information; the benchmarks count those lines.
        var environment = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Information" };
        long envBytes = Environment.GetEnvironmentVariables().Count * 64L;
        for (var i = 0; i < agents.Count; i++)
        {
            // Agent keys by hash (docs/security.md), each for its own agent id and host, any service.
            var prefix = $"FleetProfiler__Auth__Keys__{FirstAgentKeyIndex + i}__";
            environment[prefix + "Name"] = agents[i].AgentId;
            environment[prefix + "Role"] = ApiKeys.Agent;
            environment[prefix + "Sha256"] = ApiKeys.Hash(agents[i].Token);
            environment[prefix + "Host"] = agents[i].Host;
            environment[prefix + "Services__0"] = "*";
            envBytes += 5 * (prefix.Length + 12) + agents[i].AgentId.Length + agents[i].Host.Length + 64 + 5 + 1 + 5;
        }
        if (envBytes > EnvironmentBudgetBytes)
            throw new InvalidOperationException($"{agents.Count} agent credentials need ~{envBytes:N0} bytes of environment, over the exec limit (~2 MiB); use fewer --agents");

        var logPath = Path.Combine(work, "silo.log");
        var sw = Stopwatch.StartNew();
        var silo = new SiloHost(SiloProcess.Start(work, args, environment, siloDll), ports[2], work, data, logPath, new StreamWriter(logPath) { AutoFlush = true });
        Log.Info($"silo pid {silo.Pid} starting ({agents.Count} agent credentials, gRPC {silo.GrpcAddress}, data {data}, log {silo.LogPath})");
        try
        {
            await silo._silo.WaitReadyAsync(TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException e)
        {
            await silo.DisposeAsync();
            throw new InvalidOperationException($"silo did not start; see {silo.LogPath}:\n{e.Message}");
        }
        Log.Info($"silo up in {sw.Elapsed.TotalSeconds:F1} s");
        return silo;
    }

    public bool HasExited => _silo.HasExited;

    /// <summary>VmRSS and VmHWM in MiB from /proc/&lt;pid&gt;/status.</summary>
    public (double RssMiB, double HwmMiB) Memory()
    {
        double rss = 0, hwm = 0;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line) / 1024.0;
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal)) hwm = Kb(line) / 1024.0;
        }
        return (rss, hwm);
        static long Kb(string line) => long.Parse(NumberRegex().Match(line).Value, CultureInfo.InvariantCulture);
    }

    /// <summary>User + system CPU time of the silo process so far.</summary>
    public TimeSpan CpuTime() => ProcCpu.Of(Pid);

    public async ValueTask DisposeAsync()
    {
        lock (_gate) { if (_disposed) return; }
        await _silo.Process.StopAsync(StopGrace); // SIGTERM: a graceful stop of this PID only, then SIGKILL
        await _silo.DisposeAsync();
        lock (_gate) { _disposed = true; _log.Dispose(); }
        Log.Info($"silo stopped; log kept at {LogPath}");
    }

    /// <summary>Removes the temporary data directory (keeps the log).</summary>
    public void DeleteData()
    {
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [GeneratedRegex(@"\d+")]
    private static partial Regex NumberRegex();
}
/// <summary>CPU time of a process from /proc/&lt;pid&gt;/stat (utime + stime, clock ticks of 10 ms).</summary>
public static class ProcCpu
{
    public static TimeSpan Of(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // fields[0] is state (field 3); utime is field 14, stime field 15.
            var ticks = long.Parse(fields[11]) + long.Parse(fields[12]);
            return TimeSpan.FromMilliseconds(ticks * 10);
        }
        catch (IOException) { return TimeSpan.Zero; }
    }
}
