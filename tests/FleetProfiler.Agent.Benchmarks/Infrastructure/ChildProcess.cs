using System.Collections.Concurrent;
using System.Diagnostics;

namespace FleetProfiler.Agent.Benchmarks.Infrastructure;

/// <summary>
/// A process this benchmark started: output captured line by line, stopped by its PID (SIGTERM, then kill) — never by name.
/// Every live child is also stopped when the benchmark is interrupted or exits.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    /// <summary>Inherited variables that would change what is measured; removed from every child's environment.</summary>
    private static readonly string[] Scrubbed = ["DOTNET_EventPipeThreadSamplingRate", "DEMO_LOAD", "DEMO_LOAD_SECONDS"];

    private static readonly ConcurrentDictionary<int, ChildProcess> Live = new();
    private const int MaxLines = 5000;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly bool _keepStdout;

    static ChildProcess()
    {
        Console.CancelKeyPress += (_, _) => StopAllNow();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => StopAllNow();
    }

    private ChildProcess(string name, Process process, bool keepStdout)
    {
        Name = name;
        _process = process;
        _keepStdout = keepStdout;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public DateTime StartedUtc { get; private set; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public IReadOnlyCollection<string> StderrLines => _stderr;

    public IReadOnlyCollection<string> StdoutLines => _stdout;

    /// <summary>Called for every stderr line (on a thread-pool thread).</summary>
    public event Action<string>? StderrLine;

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null, bool keepStdout = false)
    {
        var info = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        foreach (var key in Scrubbed)
        {
            info.Environment.Remove(key);
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var child = new ChildProcess(name, process, keepStdout);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            Keep(child._stderr, e.Data);
            child.StderrLine?.Invoke(e.Data);
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null && child._keepStdout) Keep(child._stdout, e.Data);
        };
        if (!process.Start())
        {
            throw new InvalidOperationException($"could not start {fileName}");
        }
        child.StartedUtc = DateTime.UtcNow;
        Live[process.Id] = child;
        process.StandardInput.Close(); // EOF: nothing here waits for a key press
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return child;
    }

    /// <summary>Waits for the exit (and the end of its output); <see cref="TimeoutException"/> past <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            using var cts = new CancellationTokenSource(timeout);
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} (pid {Pid}) did not exit within {timeout.TotalSeconds:F0} s");
        }
        Live.TryRemove(Pid, out _);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, up to <paramref name="grace"/> to exit, then SIGKILL. Only this process (by its PID).</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (!_process.HasExited)
        {
            Libc.SendSignal(Pid, Libc.SIGTERM);
            try
            {
                using var cts = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                Log.Info($"{Name} (pid {Pid}) ignored SIGTERM; killing it");
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        Live.TryRemove(Pid, out _);
    }

    /// <summary>The last lines of stderr, for error messages.</summary>
    public string StderrTail(int lines = 8) => string.Join("\n", _stderr.TakeLast(lines));

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    private static void Keep(ConcurrentQueue<string> queue, string line)
    {
        queue.Enqueue(line);
        while (queue.Count > MaxLines && queue.TryDequeue(out _))
        {
        }
    }

    private static void StopAllNow()
    {
        foreach (var child in Live.Values)
        {
            try
            {
                if (!child._process.HasExited)
                {
                    child._process.Kill();
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }
}
