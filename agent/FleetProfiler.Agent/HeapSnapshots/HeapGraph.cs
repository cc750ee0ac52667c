namespace FleetProfiler.Agent.HeapSnapshots;

/// <summary>
/// The object graph of one GC heap dump, as compact arrays: every object (address, size, type) in the order the
/// GCBulkNode events list them, its references in the order GCBulkEdge events list them (node i owns the next
/// <c>EdgeCount</c> edges), and the root addresses (GCBulkRootEdge and friends). Types are the runtime's type ids,
/// named by GCBulkType events. Addresses become indices only in <see cref="Resolve"/>, once every node is known.
/// </summary>
public sealed class HeapGraph
{
    private ulong[] _addresses = new ulong[1024];
    private long[] _sizes = new long[1024];
    private ulong[] _typeIds = new ulong[1024];
    private int[] _edgeCounts = new int[1024];
    private ulong[] _edges = new ulong[4096];
    private readonly List<ulong> _roots = [];
    private readonly Dictionary<ulong, string> _typeNames = [];

    public int Count { get; private set; }
    public long EdgeCount { get; private set; }
    public long DeclaredEdges { get; private set; }

    /// <summary>True when a bound stopped the graph before every object was read.</summary>
    public bool Truncated { get; private set; }

    public int MaxObjects { get; init; } = int.MaxValue;

    public IReadOnlyDictionary<ulong, string> TypeNames => _typeNames;

    public void AddNode(ulong address, long size, ulong typeId, int edgeCount)
    {
        if (Count >= MaxObjects)
        {
            Truncated = true;
            return;
        }
        if (Count == _addresses.Length)
        {
            var n = _addresses.Length * 2;
            Array.Resize(ref _addresses, n);
            Array.Resize(ref _sizes, n);
            Array.Resize(ref _typeIds, n);
            Array.Resize(ref _edgeCounts, n);
        }
        _addresses[Count] = address;
        _sizes[Count] = size;
        _typeIds[Count] = typeId;
        _edgeCounts[Count] = edgeCount;
        Count++;
        DeclaredEdges += edgeCount;
    }

    public void AddEdge(ulong target)
    {
        if (EdgeCount == _edges.LongLength)
        {
            if (_edges.LongLength >= Array.MaxLength / 2)
            {
                Truncated = true;
                return;
            }
            Array.Resize(ref _edges, _edges.Length * 2);
        }
        _edges[EdgeCount++] = target;
    }

    public void AddRoot(ulong address)
    {
        if (address != 0) _roots.Add(address);
    }

    public void NameType(ulong typeId, string name) => _typeNames[typeId] = name;

    public string TypeName(ulong typeId) => _typeNames.TryGetValue(typeId, out var name) && name.Length > 0 ? name : $"Type(0x{typeId:x})";

    /// <summary>Bytes and objects per type id over every object.</summary>
    public Dictionary<ulong, (long Bytes, long Objects)> ByType()
    {
        var byType = new Dictionary<ulong, (long Bytes, long Objects)>();
        for (var i = 0; i < Count; i++)
        {
            var current = byType.GetValueOrDefault(_typeIds[i]);
            byType[_typeIds[i]] = (current.Bytes + _sizes[i], current.Objects + 1);
        }
        return byType;
    }

    public long Size(int node) => _sizes[node];

    public ulong TypeId(int node) => _typeIds[node];

    /// <summary>
    /// The graph by node index: successors in CSR form (references to addresses that are not objects of the dump are
    /// dropped) and the indices of root objects. Null when the edges do not match the nodes' edge counts (the dump
    /// lost events): retained sizes would be wrong, so they are not computed.
    /// </summary>
    public ResolvedGraph? Resolve()
    {
        if (Truncated || EdgeCount != DeclaredEdges) return null;
        var index = new Dictionary<ulong, int>(Count);
        for (var i = 0; i < Count; i++) index.TryAdd(_addresses[i], i);
        var starts = new int[Count + 1];
        var targets = new List<int>((int)Math.Min(EdgeCount, int.MaxValue / 2));
        long e = 0;
        for (var i = 0; i < Count; i++)
        {
            starts[i] = targets.Count;
            for (var k = 0; k < _edgeCounts[i]; k++, e++)
            {
                if (index.TryGetValue(_edges[e], out var t) && t != i) targets.Add(t);
            }
        }
        starts[Count] = targets.Count;
        var roots = _roots.Select(r => index.TryGetValue(r, out var i) ? i : -1).Where(i => i >= 0).Distinct().ToArray();
        return new ResolvedGraph(Count, starts, targets.ToArray(), roots);
    }
}

/// <summary>A heap graph by node index: successors of node i are <c>Targets[Starts[i]..Starts[i+1]]</c>.</summary>
public sealed record ResolvedGraph(int Count, int[] Starts, int[] Targets, int[] Roots);
