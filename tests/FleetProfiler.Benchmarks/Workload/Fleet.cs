using System.Diagnostics;
using System.Net.Http;
using System.Security.Cryptography;
using FleetProfiler.Benchmarks.Infrastructure;
using Grpc.Net.Client;

namespace FleetProfiler.Benchmarks.Workload;

/// <summary>The simulated fleet: credentials, one HTTP/2 connection per agent (by default), the streams.</summary>
public sealed class Fleet : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];

    public IReadOnlyList<AgentSim> Agents { get; }

    private Fleet(List<AgentSim> agents, List<GrpcChannel> channels)
    {
        Agents = agents;
        _channels = channels;
    }

    /// <summary>Agent i is "a{i}" on host "h{i:D5}" with its own random token.</summary>
    public static IReadOnlyList<AgentCredential> Credentials(int count) =>
        Enumerable.Range(0, count).Select(i => new AgentCredential($"a{i}", $"h{i:D5}", Convert.ToHexString(RandomNumberGenerator.GetBytes(8)))).ToList();

    /// <summary>A channel carrying the kit's operator key (queries); agent streams set their own key.</summary>
    public static GrpcChannel Channel(string address) => TestKeys.Channel(address, TestKeys.Operator, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        },
        MaxReceiveMessageSize = 256 * 1024 * 1024,
        MaxSendMessageSize = null,
    });

    /// <summary>Opens every agent's stream (hello → welcome), <paramref name="parallel"/> at a time.</summary>
    public static async Task<Fleet> ConnectAsync(string address, IReadOnlyList<AgentCredential> credentials, Func<int, string> serviceOf,
        int agentsPerConnection = 1, int parallel = 32)
    {
        var channels = new List<GrpcChannel>();
        var agents = new List<AgentSim>(credentials.Count);
        for (var i = 0; i < credentials.Count; i++)
        {
            if (i % agentsPerConnection == 0) channels.Add(Channel(address));
            agents.Add(new AgentSim(credentials[i], serviceOf(i), channels[^1]));
        }
        var fleet = new Fleet(agents, channels);
        var sw = Stopwatch.StartNew();
        var done = 0;
        await Parallel.ForEachAsync(agents, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (a, _) =>
        {
            await a.ConnectAsync();
            var n = Interlocked.Increment(ref done);
            if (n % 500 == 0 || n == agents.Count) Log.Info($"connected {n}/{agents.Count} agents ({sw.Elapsed.TotalSeconds:F1} s)");
        });
        Log.Info($"{agents.Count} agents connected over {channels.Count} HTTP/2 channel(s) in {sw.Elapsed.TotalSeconds:F1} s ({agents.Count / sw.Elapsed.TotalSeconds:F0} hellos/s)");
        return fleet;
    }

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(Agents.Select(a => a.DisposeAsync().AsTask()));
        foreach (var c in _channels) c.Dispose();
    }
}
