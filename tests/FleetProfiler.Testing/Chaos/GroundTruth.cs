namespace FleetProfiler.Testing.Chaos;

/// <summary>What the simulated agents offered: per service, windows and CPU samples per UTC minute and per UTC hour.</summary>
public sealed class GroundTruth
{
    private readonly Dictionary<(string Service, DateTimeOffset Minute), (int Windows, long Cpu)> _minutes = [];
    private long _acked;

    public long AckedTotal => Interlocked.Read(ref _acked);

    public void Offer(string service, DateTimeOffset start, long cpu)
    {
        var minute = new DateTimeOffset(start.UtcTicks - start.UtcTicks % TimeSpan.TicksPerMinute, TimeSpan.Zero);
        lock (_minutes)
        {
            _minutes.TryGetValue((service, minute), out var t);
            _minutes[(service, minute)] = (t.Windows + 1, t.Cpu + cpu);
        }
    }

    public void Acked() => Interlocked.Increment(ref _acked);

    public IReadOnlyDictionary<(string Service, DateTimeOffset Minute), (int Windows, long Cpu)> Minutes
    {
        get { lock (_minutes) return new Dictionary<(string, DateTimeOffset), (int, long)>(_minutes); }
    }

    public IReadOnlyDictionary<(string Service, DateTimeOffset Hour), (int Windows, long Cpu)> Hours =>
        Minutes.GroupBy(m => (m.Key.Service, Hour: new DateTimeOffset(m.Key.Minute.UtcTicks - m.Key.Minute.UtcTicks % TimeSpan.TicksPerHour, TimeSpan.Zero)))
            .ToDictionary(g => g.Key, g => (g.Sum(m => m.Value.Windows), g.Sum(m => m.Value.Cpu)));
}
