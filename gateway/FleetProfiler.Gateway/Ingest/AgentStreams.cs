namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// The agent streams this gateway serves: at most <see cref="IngestOptions.MaxStreams"/> in total and
/// <see cref="IngestOptions.MaxStreamsPerAgent"/> per agent id, so a leaked key or a reconnect loop cannot hold
/// every connection (each stream may buffer a message of up to 16 MB).
/// </summary>
public sealed class AgentStreams(IngestOptions options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _perAgent = new(StringComparer.Ordinal);
    private int _total;

    /// <summary>Streams open now.</summary>
    public int Count
    {
        get { lock (_gate) return _total; }
    }

    /// <summary>A slot for a new stream, or RESOURCE_EXHAUSTED when the gateway serves its most streams.</summary>
    public Slot EnterTotal()
    {
        lock (_gate)
        {
            if (_total >= options.MaxStreams)
                throw Exhausted($"the gateway serves its most agent streams ({options.MaxStreams}, {IngestOptions.Section}:MaxStreams); retry later");
            _total++;
        }
        return new Slot(this, null);
    }

    /// <summary>A slot for <paramref name="agentId"/>'s stream, or RESOURCE_EXHAUSTED when that agent holds its most streams.</summary>
    public Slot EnterAgent(string agentId)
    {
        lock (_gate)
        {
            _perAgent.TryGetValue(agentId, out var open);
            if (open >= options.MaxStreamsPerAgent)
                throw Exhausted($"agent '{agentId}' already holds {open} streams ({IngestOptions.Section}:MaxStreamsPerAgent = {options.MaxStreamsPerAgent})");
            _perAgent[agentId] = open + 1;
        }
        return new Slot(this, agentId);
    }

    private void Leave(string? agentId)
    {
        lock (_gate)
        {
            if (agentId is null)
            {
                _total--;
                return;
            }
            if (--_perAgent[agentId] == 0) _perAgent.Remove(agentId);
        }
    }

    private static RpcException Exhausted(string message) => new(new Grpc.Core.Status(StatusCode.ResourceExhausted, message));

    /// <summary>A held place; disposing it gives the place back (once).</summary>
    public sealed class Slot(AgentStreams owner, string? agentId) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) owner.Leave(agentId);
        }
    }
}
