namespace FleetProfiler.Profiles;

/// <summary>Lazily maps frame ids of a source table to a target table (identity when they are the same table).</summary>
internal readonly struct FrameMap : IDisposable
{
    private const int Unmapped = -2;
    private readonly FrameTable _target;
    private readonly FrameTable _source;
    private readonly int[]? _map;
    private readonly bool _lookupOnly;

    // lookupOnly: frames missing from the target map to -1 instead of being interned.
    public FrameMap(FrameTable target, FrameTable source, bool lookupOnly)
    {
        _target = target;
        _source = source;
        _lookupOnly = lookupOnly;
        if (!ReferenceEquals(target, source))
        {
            _map = ArrayPool<int>.Shared.Rent(Math.Max(source.Count, 1));
            Array.Fill(_map, Unmapped, 0, source.Count);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Map(int sourceId)
    {
        if (_map is null) return sourceId;
        int m = _map[sourceId];
        return m != Unmapped ? m : MapSlow(sourceId);
    }

    private int MapSlow(int sourceId)
    {
        int m = _lookupOnly
            ? (_target.TryGetIdFrom(_source, sourceId, out int id) ? id : -1)
            : _target.InternFrom(_source, sourceId);
        return _map![sourceId] = m;
    }

    public void Dispose()
    {
        if (_map is not null) ArrayPool<int>.Shared.Return(_map);
    }
}
