using System.Diagnostics;
using FleetProfiler.Agent.Benchmarks.Infrastructure;

namespace FleetProfiler.Agent.Benchmarks.Targets;

/// <summary>
/// A closed-loop HTTP load generator: <c>clients</c> loops, each sends the next GET as soon as the previous response
/// has been read. Runs only between <see cref="MeasureAsync"/>'s resume and pause, so agent start-up and symbolization
/// (outside the measured interval) do not compete with it.
/// </summary>
public sealed class ClosedLoopLoad : IAsyncDisposable
{
    private readonly HttpClient _client;
    private readonly Uri _url;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private readonly object _gateLock = new();
    private TaskCompletionSource _gate = NewGate();
    private long _completed;
    private long _failed;
    private int _inFlight;

    public ClosedLoopLoad(Uri url, int clients)
    {
        _url = url;
        Clients = clients;
        _client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            UseProxy = false,
        })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        _loops = Enumerable.Range(0, clients).Select(_ => Task.Run(LoopAsync)).ToArray();
    }

    public int Clients { get; }

    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>How <see cref="MeasureAsync"/> reads a process's CPU seconds (default: /proc utime + stime, 10 ms ticks).</summary>
    public Func<int, double> CpuClock { get; init; } = ProcFs.CpuSeconds;

    /// <summary>Runs the load for <paramref name="warmup"/>, then counts completed requests for <paramref name="duration"/>.</summary>
    /// <param name="cpuOf">Processes whose CPU use (cores) over the measured interval is reported, besides this one's.</param>
    public async Task<Measurement> MeasureAsync(TimeSpan warmup, TimeSpan duration, params int[] cpuOf)
    {
        Resume();
        try
        {
            await Task.Delay(warmup);
            var self = Environment.ProcessId;
            var cpu0 = cpuOf.Append(self).Select(CpuClock).ToArray();
            var machine0 = ProcFs.MachineBusySeconds();
            var count0 = Interlocked.Read(ref _completed);
            var clock = Stopwatch.StartNew();
            await Task.Delay(duration);
            var count1 = Interlocked.Read(ref _completed);
            var seconds = clock.Elapsed.TotalSeconds;
            var cpu1 = cpuOf.Append(self).Select(CpuClock).ToArray();
            var machine = (ProcFs.MachineBusySeconds() - machine0) / seconds;
            var cores = cpu0.Zip(cpu1, (a, b) => (b - a) / seconds).ToArray();
            return new Measurement((count1 - count0) / seconds, count1 - count0, seconds, cores[..^1], cores[^1], machine - cores.Sum());
        }
        finally
        {
            await PauseAsync();
        }
    }

    private void Resume()
    {
        lock (_gateLock)
        {
            _gate.TrySetResult();
        }
    }

    /// <summary>Stops sending and waits for the requests in flight.</summary>
    private async Task PauseAsync()
    {
        lock (_gateLock)
        {
            if (_gate.Task.IsCompleted)
            {
                _gate = NewGate();
            }
        }
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref _inFlight) > 0 && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(5);
        }
    }

    private async Task LoopAsync()
    {
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            Task gate;
            lock (_gateLock)
            {
                gate = _gate.Task;
            }
            try
            {
                await gate.WaitAsync(ct);
                Interlocked.Increment(ref _inFlight);
                try
                {
                    using var response = await _client.GetAsync(_url, HttpCompletionOption.ResponseContentRead, ct);
                    response.EnsureSuccessStatusCode();
                    Interlocked.Increment(ref _completed);
                }
                finally
                {
                    Interlocked.Decrement(ref _inFlight);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                if (Interlocked.Increment(ref _failed) <= 3)
                {
                    Log.Info($"load request failed: {e.Message}");
                }
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        Resume();
        await Task.WhenAll(_loops);
        _client.Dispose();
        _stop.Dispose();
    }
}

/// <param name="Cores">CPU use of the processes passed to <see cref="ClosedLoopLoad.MeasureAsync"/>, in cores, same order.</param>
/// <param name="LoadGeneratorCores">This process's CPU use (the load generator and the benchmark's bookkeeping).</param>
/// <param name="OtherCores">CPU use of everything else on the machine (other people's builds and tests on a shared host).</param>
public sealed record Measurement(double RequestsPerSecond, long Requests, double Seconds, double[] Cores, double LoadGeneratorCores, double OtherCores)
{
    /// <summary>
    /// Requests per CPU-second of the measured processes (the target, plus the profiler when one runs): what profiling
    /// costs in CPU, less sensitive than throughput to the CPU other processes take from a shared host.
    /// </summary>
    public double RequestsPerCpuSecond => RequestsPerSecond / Cores.Sum();
}
