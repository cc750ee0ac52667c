using System.Collections.Concurrent;

namespace FleetProfiler.Testing;

/// <summary>
/// A real process started by a test or benchmark, its output captured line by line so the caller can wait for what it
/// prints (a log line, an exit) instead of sleeping. Stopped by its PID only (SIGTERM, then SIGKILL) on dispose, and
/// killed when the test host exits, so nothing outlives the run.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    /// <summary>Inherited variables that would change what is measured or tested; removed from every child's environment.</summary>
    private static readonly string[] Scrubbed = ["DOTNET_EventPipeThreadSamplingRate", "DEMO_LOAD", "DEMO_LOAD_SECONDS"];

    /// <summary>Lines kept per stream: enough for any assertion, bounded for hour-long benchmark children.</summary>
    private const int MaxLines = 20_000;

    private static readonly ConcurrentDictionary<int, ChildProcess> Live = new();

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IDisposable> _owned = [];
    private bool _disposed;

    static ChildProcess()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAllNow();
        Console.CancelKeyPress += (_, _) => KillAllNow();
    }

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(_stderr, e.Data);
        process.Exited += (_, _) => _exited.TrySetResult(SafeExitCode(process));
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name} did not start");
        }
        Pid = process.Id;
        Live[Pid] = this;
        process.StandardInput.Close(); // EOF: nothing waits for a key press
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid { get; }

    public bool HasExited => _exited.Task.IsCompleted;

    /// <summary>The exit code; only once <see cref="HasExited"/>.</summary>
    public int ExitCode => _exited.Task.IsCompleted ? _exited.Task.Result : throw new InvalidOperationException($"{Name} is still running");

    /// <summary>Every output line (stdout and stderr) as it arrives, on a thread-pool thread.</summary>
    public event Action<string>? Line;

    /// <summary>
    /// Starts <paramref name="fileName"/> with <paramref name="args"/> (passed one by one: paths may hold spaces).
    /// <paramref name="environment"/> adds variables; an empty value removes an inherited one.
    /// </summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        foreach (var key in Scrubbed)
        {
            psi.Environment.Remove(key);
        }
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            if (value.Length == 0)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }
        return new ChildProcess(name, new Process { StartInfo = psi, EnableRaisingEvents = true });
    }

    /// <summary>Starts <c>dotnet &lt;dll&gt; args…</c> with the runtime running this process.</summary>
    public static ChildProcess StartDotnet(string name, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null) =>
        Start(name, Repo.DotnetHost, [Repo.RequireBuilt(dll), .. args], environment, workingDirectory);

    /// <summary>
    /// Starts a build of one of our programs: a .dll through <see cref="StartDotnet"/>, anything else (a Native AOT
    /// executable) as is.
    /// </summary>
    public static ChildProcess StartProgram(string name, string program, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? StartDotnet(name, program, args, environment) : Start(name, program, args, environment);

    /// <summary>Disposes <paramref name="owned"/> (say, the directory the process runs from) once the process is gone.</summary>
    public void DisposeWith(IDisposable owned) => _owned.Add(owned);

    public IReadOnlyList<string> StdoutLines { get { lock (_gate) return _stdout.ToList(); } }

    public IReadOnlyList<string> StderrLines { get { lock (_gate) return _stderr.ToList(); } }

    /// <summary>Both streams, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return $"--- {Name} (pid {Pid}) stderr ---\n{string.Join('\n', _stderr.TakeLast(300))}\n--- stdout ---\n{string.Join('\n', _stdout.TakeLast(300))}";
            }
        }
    }

    /// <summary>The last lines of stderr, for one-line error messages.</summary>
    public string StderrTail(int lines = 8) => string.Join("\n", StderrLines.TakeLast(lines));

    /// <summary>Lines (stderr first: a program's log) that contain <paramref name="contains"/>, in order.</summary>
    public IReadOnlyList<string> Lines(string contains) =>
        StderrLines.Concat(StdoutLines).Where(l => l.Contains(contains, StringComparison.Ordinal)).ToList();

    private void OnLine(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }
        List<TaskCompletionSource<string>> found = [];
        lock (_gate)
        {
            lines.Add(line);
            if (lines.Count > MaxLines)
            {
                lines.RemoveRange(0, lines.Count - MaxLines);
            }
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                _waiters.Remove(waiter);
                found.Add(waiter.Found);
            }
        }
        found.ForEach(f => f.TrySetResult(line));
        Line?.Invoke(line);
    }

    /// <summary>The first output line (stdout or stderr, past or future) that matches; fails with the output on timeout or exit.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan? deadline = null)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_stderr.Concat(_stdout).FirstOrDefault(match) is { } seen)
            {
                return seen;
            }
            _waiters.Add((match, found));
        }
        var limit = deadline ?? TestTimeouts.ProcessStart;
        var first = await Task.WhenAny(found.Task, _exited.Task, Task.Delay(limit));
        if (first == found.Task)
        {
            return await found.Task;
        }
        if (first == _exited.Task)
        {
            // The line may have been printed just before the exit: the readers drain once the process is gone.
            await _process.WaitForExitAsync();
            lock (_gate)
            {
                if (_stderr.Concat(_stdout).FirstOrDefault(match) is { } late)
                {
                    return late;
                }
            }
        }
        var why = first == _exited.Task ? $"exited with {_exited.Task.Result}" : $"timed out after {limit}";
        throw new TimeoutException($"{Name} {why} before printing {what}.\n{Output}");
    }

    public Task<string> WaitForLineAsync(string contains, TimeSpan? deadline = null) =>
        WaitForLineAsync(l => l.Contains(contains, StringComparison.Ordinal), $"'{contains}'", deadline);

    /// <summary>Waits for the exit and the end of its output; <see cref="TimeoutException"/> with the output past the deadline.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? deadline = null)
    {
        var limit = deadline ?? TestTimeouts.ProcessExit;
        if (await Task.WhenAny(_exited.Task, Task.Delay(limit)) != _exited.Task)
        {
            throw new TimeoutException($"{Name} did not exit within {limit}.\n{Output}");
        }
        await _process.WaitForExitAsync(); // drains the output readers
        Live.TryRemove(Pid, out _);
        return _exited.Task.Result;
    }

    /// <summary>SIGTERM: a graceful stop (the agent finishes its windows, the silo leaves the cluster).</summary>
    public void Terminate() => Signals.TrySend(Pid, Signals.SigTerm);

    /// <summary>SIGTERM, up to <paramref name="grace"/> to exit, then SIGKILL. Only this process (by its PID).</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (_disposed && HasExited)
        {
            return;
        }
        if (!HasExited)
        {
            Terminate();
            if (await Task.WhenAny(_exited.Task, Task.Delay(grace ?? TestTimeouts.StopGrace)) != _exited.Task)
            {
                await KillAsync();
            }
        }
        await _process.WaitForExitAsync();
        Live.TryRemove(Pid, out _);
    }

    /// <summary>SIGKILL to the process and its children: a crash, not a graceful stop.</summary>
    public async Task KillAsync()
    {
        if (_disposed && HasExited)
        {
            return;
        }
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
        await _exited.Task;
        await _process.WaitForExitAsync();
        Live.TryRemove(Pid, out _);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        await StopAsync();
        _disposed = true;
        _process.Dispose();
        _owned.ForEach(o => o.Dispose());
    }

    private static int SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }

    private static void KillAllNow()
    {
        foreach (var child in Live.Values)
        {
            try
            {
                if (!child._process.HasExited)
                {
                    child._process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }
}
