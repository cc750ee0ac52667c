using System.Diagnostics;
using System.Text;

namespace FleetProfiler.Tests.Infrastructure;

/// <summary>A real FleetProfiler.Silo process, started with settings on its command line.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    public const string ReadyLine = "FleetProfiler silo is up";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int SiloPort { get; }
    public int GatewayPort { get; }
    public int Pid => _process.Id;
    public string Output { get { lock (_output) return _output.ToString(); } }

    private SiloProcess(Process process, int siloPort, int gatewayPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    /// <summary>Starts a silo; <paramref name="settings"/> are configuration keys under <c>FleetProfiler:</c>.</summary>
    public static SiloProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> settings, int siloPort, int gatewayPort)
    {
        Directory.CreateDirectory(workingDirectory);
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Repo.SiloDll);
        var all = new Dictionary<string, string>(settings)
        {
            ["Silo:SiloPort"] = siloPort.ToString(),
            ["Silo:GatewayPort"] = gatewayPort.ToString(),
        };
        foreach (var (k, v) in all) psi.ArgumentList.Add($"--FleetProfiler:{k}={v}");
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var silo = new SiloProcess(process, siloPort, gatewayPort);
        process.OutputDataReceived += (_, e) => silo.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => silo.OnLine(e.Data);
        process.Exited += (_, _) => silo._exited.TrySetResult(process.ExitCode);
        if (!process.Start()) throw new InvalidOperationException("dotnet did not start");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        if (line.Contains(ReadyLine, StringComparison.Ordinal)) _ready.TrySetResult();
    }

    /// <summary>Completes when the silo prints its banner; fails with the process output if it exits first.</summary>
    public async Task WaitReadyAsync(TimeSpan? deadline = null)
    {
        var first = await Task.WhenAny(_ready.Task, _exited.Task, Task.Delay(deadline ?? TimeSpan.FromSeconds(90)));
        if (first == _ready.Task) return;
        var why = first == _exited.Task ? $"exited with {_exited.Task.Result}" : "did not become ready";
        throw new InvalidOperationException($"Silo {why}. Output:\n{Output}");
    }

    /// <summary>Exit code of a silo expected to stop by itself (e.g. on a bad setting).</summary>
    public async Task<int> WaitExitAsync(TimeSpan? deadline = null)
    {
        var first = await Task.WhenAny(_exited.Task, Task.Delay(deadline ?? TimeSpan.FromSeconds(60)));
        if (first != _exited.Task) throw new InvalidOperationException($"Silo did not exit. Output:\n{Output}");
        _process.WaitForExit(); // drains the output readers
        return _exited.Task.Result;
    }

    /// <summary>SIGKILL: a crash, not a graceful stop.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _exited.Task;
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        try { await KillAsync(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
