using System.Globalization;
using System.Text.RegularExpressions;
using FleetProfiler.Agent.Triggers;

namespace FleetProfiler.Agent.Tests.Processes;

/// <summary>
/// The agent daemon as host <see cref="PlatformFixture.AgentA"/> of a real platform, profiling one memory target, and
/// what the platform tests wait for: a spooled batch acked by the gateway.
/// </summary>
internal static partial class PlatformAgent
{
    public static readonly TimeSpan Deadline = TestTimeouts.Convergence;

    public static AgentCredential Credential => PlatformFixture.AgentA;

    /// <summary>Starts the daemon (targeting only <paramref name="target"/>, with <paramref name="settings"/> on top) and waits until it is connected.</summary>
    public static Task<ChildProcess> StartAsync(PlatformFixture platform, string spool, MemoryTargetProcess target, IReadOnlyDictionary<string, string>? settings = null) =>
        StartAsync(platform, spool, target.Pid, settings);

    /// <summary>Starts the daemon (targeting only <paramref name="pid"/>, with <paramref name="settings"/> on top) and waits until it is connected.</summary>
    public static async Task<ChildProcess> StartAsync(PlatformFixture platform, string spool, int pid, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            ["AgentId"] = Credential.AgentId,
            ["Host"] = Credential.Host,
            ["Token"] = Credential.Token,
            ["Pids:0"] = pid.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>()) all[key] = value;
        var agent = await AgentDaemon.StartAsync(spool, platform.GrpcUrl, all);
        try
        {
            await agent.WaitForLineAsync("Connected to gateway", Deadline);
            return agent;
        }
        catch
        {
            await agent.DisposeAsync();
            throw;
        }
    }

    /// <summary>What the agent logs when it spools a heap snapshot of <paramref name="target"/>.</summary>
    public static string HeapSpooled(MemoryTargetProcess target) => $"spooled the heap snapshot of {target.Service}";

    /// <summary>What the agent logs when it spools a profile window of <paramref name="target"/>.</summary>
    public static string WindowSpooled(MemoryTargetProcess target) => $"Spooled window of {target.Service}";

    /// <summary>Waits for the <paramref name="count"/>-th log line containing <paramref name="spooled"/>, then for the gateway's ack of its batch.</summary>
    public static async Task WaitAckedAsync(ChildProcess agent, string spooled, int count = 1)
    {
        await agent.WaitForLineAsync(_ => agent.Lines(spooled).Count >= count, $"'{spooled}' #{count}", Deadline);
        var line = agent.Lines(spooled)[count - 1];
        var batch = Batch().Match(line);
        Assert.True(batch.Success, line);
        await agent.WaitForLineAsync($"Gateway acked batch {batch.Groups[1].Value}", Deadline);
    }

    /// <summary>
    /// A heap snapshot by the agent's heap signal, acked: its batch is also what attaches the agent to the target's
    /// host grain, so that Query/Trigger finds the host afterwards.
    /// </summary>
    public static Task SnapshotBySignalAsync(ChildProcess agent, MemoryTargetProcess target, int count = 1)
    {
        Signals.Send(agent.Pid, RealtimeSignals.Min + 4);
        return WaitAckedAsync(agent, HeapSpooled(target), count);
    }

    [GeneratedRegex(@"as batch (\d+)")]
    private static partial Regex Batch();
}
