using System.Diagnostics;
using System.Text;

namespace FleetProfiler.Cli.Tests.Infrastructure;

/// <summary>A real FleetProfiler.Silo process (single node, gateway co-hosted), started with settings on its command line.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    public const string ReadyLine = "FleetProfiler silo is up";

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Pid => _process.Id;
    public string Output { get { lock (_output) return _output.ToString(); } }

    private SiloProcess(Process process) => _process = process;

    /// <summary>Starts the silo in <paramref name="workingDirectory"/>; <paramref name="settings"/> are keys under <c>FleetProfiler:</c>.</summary>
    public static SiloProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> settings)
    {
        if (!File.Exists(Repo.SiloDll)) throw new InvalidOperationException($"{Repo.SiloDll} is missing: build silo/FleetProfiler.Silo ({Repo.Configuration}) first");
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Repo.SiloDll);
        foreach (var (key, value) in settings) psi.ArgumentList.Add($"--FleetProfiler:{key}={value}");
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var silo = new SiloProcess(process);
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

    /// <summary>Completes when the silo prints its banner; fails with the process output if it exits first or the deadline passes.</summary>
    public async Task WaitReadyAsync(TimeSpan deadline)
    {
        var first = await Task.WhenAny(_ready.Task, _exited.Task, Task.Delay(deadline));
        if (first == _ready.Task) return;
        var why = first == _exited.Task ? $"exited with {_exited.Task.Result}" : $"printed no '{ReadyLine}' within {deadline}";
        throw new InvalidOperationException($"Silo {why}. Output:\n{Output}");
    }

    /// <summary>Stops this process (by its PID, with its children) and waits for it to be gone.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _exited.Task.WaitAsync(TimeSpan.FromSeconds(30));
            _process.WaitForExit();
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
