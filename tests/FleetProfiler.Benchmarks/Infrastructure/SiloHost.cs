using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace FleetProfiler.Benchmarks.Infrastructure;

/// <summary>Agent credential handed to the silo's configuration (FleetProfiler:Ingest:Agents).</summary>
public sealed record AgentCredential(string AgentId, string Host, string Token);

/// <summary>
/// A real FleetProfiler.Silo process (single-node: co-hosted gateway, SQLite) on free loopback ports with a temporary
/// data directory. Agent credentials go in through environment variables (FleetProfiler__Ingest__Agents__i__…): the silo
/// reads appsettings.json beside its binary, environment variables and the command line, and has no extra-file option.
/// Stopped by its PID (SIGTERM, then SIGKILL after a grace period).
/// </summary>
public sealed partial class SiloHost : IAsyncDisposable
{
    public const string ReadyLine = "FleetProfiler silo is up";
    /// <summary>Linux limit on argv + environment at exec (stack limit / 4 with the default 8 MiB stack).</summary>
    private const int EnvironmentBudgetBytes = 1_900_000;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _gate = new();
    private bool _disposed;

    public int Pid => _process.Id;
    public int GrpcPort { get; }
    public string DataDirectory { get; }
    public string LogPath { get; }
    public string WorkDirectory { get; }

    private SiloHost(Process process, int grpcPort, string work, string data, string logPath)
    {
        _process = process;
        GrpcPort = grpcPort;
        WorkDirectory = work;
        DataDirectory = data;
        LogPath = logPath;
        _log = new StreamWriter(logPath) { AutoFlush = true };
    }

    public string GrpcAddress => $"http://127.0.0.1:{GrpcPort}";

    public static async Task<SiloHost> StartAsync(IReadOnlyList<AgentCredential> agents, IReadOnlyDictionary<string, string>? settings = null)
    {
        var dll = Repo.SiloDll;
        if (!File.Exists(dll)) throw new InvalidOperationException($"silo build output not found: {dll} (build tests/FleetProfiler.Benchmarks first)");
        var work = Directory.CreateTempSubdirectory("fleetprofiler-bench-").FullName;
        var data = Path.Combine(work, "data");
        var ports = FreePorts(4);
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = work, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        var args = new Dictionary<string, string>
        {
            ["Silo:SiloPort"] = ports[0].ToString(),
            ["Silo:GatewayPort"] = ports[1].ToString(),
            ["Gateway:GrpcPort"] = ports[2].ToString(),
            ["Gateway:HttpPort"] = ports[3].ToString(),
            ["DataDirectory"] = data,
            ["ClusterId"] = "bench",
            ["ServiceId"] = "bench",
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) args[k] = v;
        foreach (var (k, v) in args) psi.ArgumentList.Add($"--FleetProfiler:{k}={v}");
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("FleetProfiler", StringComparison.OrdinalIgnoreCase)).ToList())
            psi.Environment.Remove(key);
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        long envBytes = psi.Environment.Sum(kv => kv.Key.Length + (kv.Value?.Length ?? 0) + 10);
        for (var i = 0; i < agents.Count; i++)
        {
            var prefix = $"FleetProfiler__Ingest__Agents__{i}__";
            psi.Environment[prefix + "AgentId"] = agents[i].AgentId;
            psi.Environment[prefix + "Host"] = agents[i].Host;
            psi.Environment[prefix + "Token"] = agents[i].Token;
            envBytes += 3 * (prefix.Length + 8 + 10) + agents[i].AgentId.Length + agents[i].Host.Length + agents[i].Token.Length + 7;
        }
        if (envBytes > EnvironmentBudgetBytes)
            throw new InvalidOperationException($"{agents.Count} agent credentials need ~{envBytes:N0} bytes of environment, over the exec limit (~2 MiB); use fewer --agents");

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var silo = new SiloHost(process, ports[2], work, data, Path.Combine(work, "silo.log"));
        process.OutputDataReceived += (_, e) => silo.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => silo.OnLine(e.Data);
        process.Exited += (_, _) => silo._exited.TrySetResult(SafeExitCode(process));
        var sw = Stopwatch.StartNew();
        if (!process.Start()) throw new InvalidOperationException("dotnet did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Log.Info($"silo pid {silo.Pid} starting ({agents.Count} agent credentials, gRPC {silo.GrpcAddress}, data {data}, log {silo.LogPath})");
        var first = await Task.WhenAny(silo._ready.Task, silo._exited.Task, Task.Delay(TimeSpan.FromSeconds(120)));
        if (first != silo._ready.Task)
        {
            var why = first == silo._exited.Task ? $"exited with {silo._exited.Task.Result}" : "did not print its ready line in 120 s";
            await silo.DisposeAsync();
            throw new InvalidOperationException($"silo {why}; see {silo.LogPath}:\n{string.Join('\n', File.ReadLines(silo.LogPath).TakeLast(30))}");
        }
        Log.Info($"silo up in {sw.Elapsed.TotalSeconds:F1} s");
        return silo;
    }

    private static int SafeExitCode(Process p) { try { return p.ExitCode; } catch (InvalidOperationException) { return -1; } }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            if (!_disposed) _log.WriteLine(line);
        }
        if (line.Contains(ReadyLine, StringComparison.Ordinal)) _ready.TrySetResult();
    }

    public bool HasExited => _exited.Task.IsCompleted;

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
        static long Kb(string line) => long.Parse(NumberRegex().Match(line).Value);
    }

    /// <summary>User + system CPU time of the silo process so far.</summary>
    public TimeSpan CpuTime() => ProcCpu.Of(Pid);

    public async ValueTask DisposeAsync()
    {
        lock (_gate) { if (_disposed) return; }
        if (!HasExited)
        {
            _ = Kill(Pid, 15); // SIGTERM: graceful stop of this PID only
            if (await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(20))) != _exited.Task)
            {
                Log.Info($"silo pid {Pid} did not stop on SIGTERM in 20 s: SIGKILL");
                try { _process.Kill(); } catch (InvalidOperationException) { }
                await _exited.Task;
            }
        }
        _process.WaitForExit();
        lock (_gate) { _disposed = true; _log.Dispose(); }
        _process.Dispose();
        Log.Info($"silo stopped; log kept at {LogPath}");
    }

    /// <summary>Removes the temporary data directory (keeps the log).</summary>
    public void DeleteData()
    {
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => { var l = new TcpListener(IPAddress.Loopback, 0); l.Start(); return l; }).ToList();
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var l in listeners) l.Stop();
        return ports;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

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
