using System.Collections.Concurrent;
using FleetProfiler.Abstractions.Hosts;

namespace FleetProfiler.Tests.Schedules;

/// <summary>
/// Hosts of a service in the test cluster with an agent connection of the test's own: registered as the gateway
/// registers a real agent, and attached as a grain observer that records the commands it is sent.
/// </summary>
public sealed class FakeAgents(ClusterFixture cluster, string service)
{
    private readonly ConcurrentDictionary<string, RecordingConnection> _connections = new(StringComparer.Ordinal);
    private readonly List<IAgentConnection> _references = [];

    public string Service { get; } = service;

    /// <summary>A host that reported once and whose agent is not connected now.</summary>
    public Task AddDisconnectedAsync(string host) =>
        cluster.Grains.GetGrain<IHostGrain>(HostKey.Of(Service, host)).RegisterAgentAsync(new AgentRegistration("agent-" + host, "1.0"));

    /// <summary>A host whose agent is connected; <paramref name="broken"/>: its gateway is gone (sending fails).</summary>
    public async Task AddConnectedAsync(string host, bool broken = false)
    {
        await AddDisconnectedAsync(host);
        var connection = _connections[host] = new RecordingConnection(broken);
        var reference = cluster.Client.CreateObjectReference<IAgentConnection>(connection);
        _references.Add(reference);
        await cluster.Grains.GetGrain<IHostGrain>(HostKey.Of(Service, host)).AttachAgentAsync(reference);
    }

    /// <summary>The commands the agent of <paramref name="host"/> received, in order.</summary>
    public IReadOnlyList<AgentCommand> CommandsOf(string host) => _connections.TryGetValue(host, out var c) ? [.. c.Commands] : [];

    public IEnumerable<string> HostsThatReceivedCommands => _connections.Where(c => !c.Value.Commands.IsEmpty).Select(c => c.Key);

    private sealed class RecordingConnection(bool broken) : IAgentConnection
    {
        public ConcurrentQueue<AgentCommand> Commands { get; } = new();

        public Task SendAsync(AgentCommand command)
        {
            if (broken) throw new InvalidOperationException("The agent's stream is closed or backed up.");
            Commands.Enqueue(command);
            return Task.CompletedTask;
        }
    }
}
