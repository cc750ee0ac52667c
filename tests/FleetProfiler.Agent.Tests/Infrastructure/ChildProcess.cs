using System.Text;

namespace FleetProfiler.Agent.Tests.Infrastructure;

/// <summary>
/// A real process started by a test, with its output captured line by line so the test can wait for what it
/// prints (a log line, an exit) instead of sleeping. Stopped with SIGTERM (then SIGKILL) on dispose.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<IDisposable> _owned = [];

    public string Name { get; }
    public int Pid { get; }

    private ChildProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(_stdout, e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(_stderr, e.Data);
        process.Exited += (_, _) => _exited.TrySetResult(process.ExitCode);
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name} did not start");
        }
        Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>Starts <c>dotnet &lt;dll&gt; args…</c> (or <paramref name="fileName"/> directly when given).</summary>
    public static ChildProcess Start(string name, string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }
        return new ChildProcess(name, new Process { StartInfo = psi, EnableRaisingEvents = true });
    }

    public static ChildProcess StartDotnet(string name, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        Start(name, "dotnet", [dll, .. args], environment);

    /// <summary>Disposes <paramref name="owned"/> (say, the directory the process runs from) once the process is gone.</summary>
    public void DisposeWith(IDisposable owned) => _owned.Add(owned);

    public IReadOnlyList<string> StdoutLines { get { lock (_stdout) return _stdout.ToList(); } }

    public IReadOnlyList<string> StderrLines { get { lock (_stdout) return _stderr.ToList(); } }

    public string Output
    {
        get
        {
            lock (_stdout)
            {
                return $"--- {Name} (pid {Pid}) stderr ---\n{string.Join('\n', _stderr)}\n--- stdout ---\n{string.Join('\n', _stdout.Take(200))}";
            }
        }
    }

    public bool HasExited => _exited.Task.IsCompleted;

    private void OnLine(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }
        List<TaskCompletionSource<string>> found = [];
        lock (_stdout)
        {
            lines.Add(line);
            foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
            {
                _waiters.Remove(waiter);
                found.Add(waiter.Found);
            }
        }
        found.ForEach(f => f.TrySetResult(line));
    }

    /// <summary>The first output line (stdout or stderr, past or future) that matches; fails with the output on timeout or exit.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, string what, TimeSpan? deadline = null)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_stdout)
        {
            var seen = _stderr.Concat(_stdout).FirstOrDefault(match);
            if (seen is not null)
            {
                return seen;
            }
            _waiters.Add((match, found));
        }
        var first = await Task.WhenAny(found.Task, _exited.Task, Task.Delay(deadline ?? TimeSpan.FromSeconds(60)));
        if (first == found.Task)
        {
            return await found.Task;
        }
        // The line may have been printed just before the exit.
        await Task.Delay(0);
        lock (_stdout)
        {
            var late = _stderr.Concat(_stdout).FirstOrDefault(match);
            if (late is not null)
            {
                return late;
            }
        }
        var why = first == _exited.Task ? $"exited with {_exited.Task.Result}" : "timed out";
        throw new TimeoutException($"{Name} {why} before printing {what}.\n{Output}");
    }

    public Task<string> WaitForLineAsync(string contains, TimeSpan? deadline = null) =>
        WaitForLineAsync(l => l.Contains(contains, StringComparison.Ordinal), $"'{contains}'", deadline);

    /// <summary>Lines matching, in order (stderr: the agent's log).</summary>
    public IReadOnlyList<string> Lines(string contains) => StderrLines.Concat(StdoutLines).Where(l => l.Contains(contains, StringComparison.Ordinal)).ToList();

    public async Task<int> WaitForExitAsync(TimeSpan? deadline = null)
    {
        var first = await Task.WhenAny(_exited.Task, Task.Delay(deadline ?? TimeSpan.FromSeconds(60)));
        if (first != _exited.Task)
        {
            throw new TimeoutException($"{Name} did not exit.\n{Output}");
        }
        _process.WaitForExit(); // drains the output readers
        return _exited.Task.Result;
    }

    /// <summary>SIGTERM: a graceful stop (the agent finishes its current windows).</summary>
    public void Terminate() => Signals.Send(Pid, Signals.SigTerm);

    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        await _exited.Task;
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                Terminate();
                if (await Task.WhenAny(_exited.Task, Task.Delay(TimeSpan.FromSeconds(10))) != _exited.Task)
                {
                    await KillAsync();
                }
            }
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        _owned.ForEach(o => o.Dispose());
    }
}
