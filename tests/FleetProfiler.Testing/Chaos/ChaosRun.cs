using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;

namespace FleetProfiler.Testing.Chaos;

/// <summary>
/// How hard a chaos run pushes. <see cref="KillEvery"/> null: each fault waits for <see cref="ProgressPerFault"/> more
/// acked windows before the next (the test: fast and independent of load); set: a fault every period (the benchmark).
/// </summary>
public sealed record ChaosOptions
{
    public int Agents { get; init; } = 20;
    public int Services { get; init; } = 4;
    public int Seed { get; init; } = 20261129;
    public int SiloKills { get; init; } = 3;
    public int GatewayKills { get; init; } = 1;
    /// <summary>How long PostgreSQL stays stopped in the middle of the run (zero: not stopped).</summary>
    public TimeSpan PostgresOutage { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How often each agent offers a window (its 10 s window, compressed).</summary>
    public TimeSpan WindowInterval { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan? KillEvery { get; init; }
    public int ProgressPerFault { get; init; } = 40;
    /// <summary>Failure bound for each wait of the run (progress after a fault, delivery at the end, compaction).</summary>
    public TimeSpan StepDeadline { get; init; } = TimeSpan.FromMinutes(3);
    public Action<string> Log { get; init; } = _ => { };
}

/// <summary>What a chaos run did and found. Lost and double-counted are windows; both must be 0.</summary>
public sealed record ChaosReport(IReadOnlyList<string> Faults, long Offered, long Acked, long AckedAsDuplicate, long Rejected, long Resends,
    long Reconnects, int SelfExits, long Lost, long DoubleCounted, IReadOnlyList<string> Mismatches, long QuarantinedRows, TimeSpan Elapsed,
    IReadOnlyList<string> ErrorLines)
{
    public string Summary =>
        $"{Faults.Count} fault(s) injected ({string.Join(", ", Faults)}); {Offered:N0} window(s) offered, {Acked:N0} acked ({AckedAsDuplicate:N0} as duplicates of a stored resend), " +
        $"{Rejected:N0} rejected, {Resends:N0} resent, {Reconnects:N0} reconnect(s), {SelfExits} process(es) exited by themselves; " +
        $"rows lost {Lost}, double-counted {DoubleCounted}, quarantined {QuarantinedRows}; {Elapsed.TotalSeconds:F0} s";
}

/// <summary>
/// Three silos on a PostgreSQL of their own plus the gateway, simulated agents sending windows with known totals, and a
/// fault script: silos and the gateway killed with SIGKILL and restarted, PostgreSQL stopped and started. At the end every
/// service's per-minute and per-hour totals, read through the gateway's query API after compaction, are compared with
/// what the agents offered.
/// </summary>
public static class ChaosRun
{
    public static async Task<ChaosReport> RunAsync(ChaosOptions o)
    {
        var clock = Stopwatch.StartNew();
        var random = new Random(o.Seed);
        var credentials = Enumerable.Range(0, o.Agents).Select(i => new AgentCredential($"chaos-agent-{i}", $"chaos-host-{i}", $"chaos-token-{i:D4}-0123456789abcdef")).ToList();
        // Windows start 10 min before an hour boundary, so minutes and hours both have several buckets; all in the past.
        var perAgent = o.KillEvery is { } every
            ? (int)((every * (o.SiloKills + o.GatewayKills + 2) + o.PostgresOutage) / o.WindowInterval) + 100
            : 2000;
        var now = DateTimeOffset.UtcNow;
        var span = TimeSpan.FromSeconds(10 * perAgent);
        var firstWindow = new DateTimeOffset((now - span - TimeSpan.FromHours(1)).UtcTicks / TimeSpan.TicksPerHour * TimeSpan.TicksPerHour, TimeSpan.Zero).AddMinutes(50);
        var truth = new GroundTruth();
        var agents = credentials.Select((c, i) => new ChaosAgent(c, $"chaos-svc-{i % o.Services}", i, firstWindow, truth)).ToList();
        var faults = new List<string>();

        await using var pg = await LocalPostgres.StartAsync();
        o.Log($"PostgreSQL up ({clock.Elapsed.TotalSeconds:F0} s)");
        await using var cluster = await ChaosCluster.StartAsync(pg.ConnectionString, credentials);
        o.Log($"3 silos and the gateway up ({clock.Elapsed.TotalSeconds:F0} s); {o.Agents} agents start");
        using var agentChannel = TestKeys.Channel(cluster.GrpcUrl, key: null);
        using var produce = new CancellationTokenSource();
        using var abandon = new CancellationTokenSource();
        var running = agents.Select(a => Task.Run(() => a.RunAsync(agentChannel, o.WindowInterval, produce.Token, abandon.Token))).ToList();
        var selfExits = 0;
        try
        {
            foreach (var fault in Script(o))
            {
                await PaceAsync(o, truth, running);
                switch (fault)
                {
                    case "silo":
                        var i = random.Next(cluster.SiloCount);
                        var pid = await cluster.KillSiloAsync(i);
                        faults.Add($"kill -9 silo {i} (pid {pid})");
                        o.Log($"{faults[^1]} at {clock.Elapsed.TotalSeconds:F0} s, {truth.AckedTotal} acked");
                        if (o.KillEvery is null) await ProgressAsync(o, truth, running, "with a silo down");
                        selfExits += await cluster.EnsureAllRunningAsync();
                        break;
                    case "gateway":
                        var gpid = await cluster.KillGatewayAsync();
                        faults.Add($"kill -9 gateway (pid {gpid})");
                        o.Log($"{faults[^1]} at {clock.Elapsed.TotalSeconds:F0} s, {truth.AckedTotal} acked");
                        selfExits += await cluster.EnsureAllRunningAsync();
                        break;
                    case "postgres":
                        await pg.StopAsync();
                        faults.Add($"PostgreSQL stopped {o.PostgresOutage.TotalSeconds:F0} s");
                        o.Log($"{faults[^1]} at {clock.Elapsed.TotalSeconds:F0} s, {truth.AckedTotal} acked");
                        await Task.Delay(o.PostgresOutage); // the outage itself: a fault's length, not a wait for anything
                        await pg.RestartAsync();
                        selfExits += await cluster.EnsureAllRunningAsync();
                        break;
                }
            }
            await PaceAsync(o, truth, running);
            produce.Cancel();
            o.Log($"faults done at {clock.Elapsed.TotalSeconds:F0} s; delivering what is left");
            abandon.CancelAfter(o.StepDeadline);
            try { await Task.WhenAll(running); }
            catch (OperationCanceledException) when (abandon.IsCancellationRequested)
            {
                throw new TimeoutException($"the agents did not deliver every window within {o.StepDeadline} after the faults ({truth.AckedTotal:N0} acked)");
            }
        }
        finally
        {
            produce.Cancel();
            abandon.Cancel();
            await Task.WhenAll(running).ContinueWith(_ => { }, CancellationToken.None);
        }
        selfExits += await cluster.EnsureAllRunningAsync();

        using var channel = TestKeys.Channel(cluster.GrpcUrl);
        var quarantined = await CompactAsync(channel, o);
        o.Log($"compacted at {clock.Elapsed.TotalSeconds:F0} s; comparing totals");
        var (lost, doubled, mismatches) = await CompareAsync(channel, truth);
        return new ChaosReport(faults, agents.Sum(a => a.Offered), agents.Sum(a => a.Acked), agents.Sum(a => a.AckedAsDuplicate),
            agents.Sum(a => a.Rejected), agents.Sum(a => a.Resends), agents.Sum(a => a.Reconnects), selfExits, lost, doubled,
            [.. mismatches, .. agents.Where(a => a.LastRejection is not null).Select(a => "rejected: " + a.LastRejection)], quarantined, clock.Elapsed,
            cluster.ErrorLines());
    }

    /// <summary>The faults in order: gateway kills spread over the silo kills, the PostgreSQL outage in the middle.</summary>
    private static List<string> Script(ChaosOptions o)
    {
        var script = Enumerable.Repeat("silo", o.SiloKills).ToList();
        for (var g = 0; g < o.GatewayKills; g++) script.Insert(Math.Min(script.Count, (g + 1) * script.Count / (o.GatewayKills + 1) + g), "gateway");
        if (o.PostgresOutage > TimeSpan.Zero) script.Insert(script.Count / 2, "postgres");
        return script;
    }

    private static async Task PaceAsync(ChaosOptions o, GroundTruth truth, List<Task> running)
    {
        if (o.KillEvery is { } every)
        {
            await Task.Delay(every); // the benchmark's fault rate
            return;
        }
        await ProgressAsync(o, truth, running, "between faults");
    }

    /// <summary>Waits until the agents got <see cref="ChaosOptions.ProgressPerFault"/> more acks: the platform works again.</summary>
    private static async Task ProgressAsync(ChaosOptions o, GroundTruth truth, List<Task> running, string when)
    {
        var target = truth.AckedTotal + o.ProgressPerFault;
        await Eventually.Until(() => Task.FromResult(truth.AckedTotal), acked =>
        {
            if (running.FirstOrDefault(t => t.IsFaulted) is { } failed) throw new InvalidOperationException("a simulated agent failed", failed.Exception);
            return acked >= target;
        }, o.StepDeadline, $"{o.ProgressPerFault} more windows acked {when}");
    }

    /// <summary>Runs the rollup until it finds nothing left (each acked window was queued when it was stored); returns the rows in quarantine.</summary>
    private static async Task<long> CompactAsync(GrpcChannel channel, ChaosOptions o)
    {
        var status = new Status.StatusClient(channel);
        await Rollups.CompactAllAsync(channel, o.StepDeadline);
        var reply = await Eventually.Until(() => status.GetStatusAsync(new GetStatusRequest()).ResponseAsync, s => s.Rollup is not null, o.StepDeadline, "the rollup's status");
        return reply.Rollup.QuarantinedRows;
    }

    /// <summary>Reads every service's minutes and hours through the query API and compares them with the truth.</summary>
    private static async Task<(long Lost, long Doubled, List<string> Mismatches)> CompareAsync(GrpcChannel channel, GroundTruth truth)
    {
        var query = new Query.QueryClient(channel);
        long lost = 0, doubled = 0;
        var mismatches = new List<string>();
        async Task CheckAsync(string level, string service, DateTimeOffset from, TimeSpan length, (int Windows, long Cpu) expected)
        {
            var reply = await query.GetProfileAsync(new GetProfileRequest
            {
                Selector = new Selector { Service = service },
                From = Timestamp.FromDateTimeOffset(from),
                To = Timestamp.FromDateTimeOffset(from + length),
                Kind = "cpu",
                Format = "folded",
            }, deadline: DateTime.UtcNow.AddSeconds(60));
            var windows = reply.Windows; // the windows merged into the buckets read
            if (windows == expected.Windows && reply.Total == expected.Cpu) return;
            if (level == "minute")
            {
                // Counted at minute level only: an hour holds the same windows again.
                lost += Math.Max(0, expected.Windows - windows);
                doubled += Math.Max(0, windows - expected.Windows);
            }
            mismatches.Add($"{service} {level} {from:u}: {windows} window(s) and {reply.Total} cpu samples, expected {expected.Windows} and {expected.Cpu}");
        }
        foreach (var ((service, minute), expected) in truth.Minutes.OrderBy(m => m.Key.Service).ThenBy(m => m.Key.Minute))
            await CheckAsync("minute", service, minute, TimeSpan.FromMinutes(1), expected);
        foreach (var ((service, hour), expected) in truth.Hours.OrderBy(m => m.Key.Service).ThenBy(m => m.Key.Hour))
            await CheckAsync("hour", service, hour, TimeSpan.FromHours(1), expected);
        return (lost, doubled, mismatches);
    }
}
