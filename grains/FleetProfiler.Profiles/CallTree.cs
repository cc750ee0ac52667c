namespace FleetProfiler.Profiles;

/// <summary>Receives one stack (frame ids, root first) and the self values of its leaf node.</summary>
public delegate void StackVisitor(ReadOnlySpan<int> framesRootFirst, SampleValues self);

/// <summary>
/// A merged call tree: root → children keyed by frame id, with self <see cref="SampleValues"/> per node
/// (totals are derived, see <see cref="ComputeTotals()"/>).
/// </summary>
/// <remarks>
/// Storage is struct-of-arrays: node i has one packed key (parent &lt;&lt; 32 | frame id) and one
/// <see cref="SampleValues"/>; one open-addressing hash over the keys finds a child in about one probe.
/// Parents always have smaller node ids than their children, so merges, totals and codecs are single
/// linear passes without recursion. Node 0 is the root and has no frame.
/// Node ids are stable until a structural operation (<see cref="Subtract"/>, <see cref="Prune"/>,
/// <see cref="CompactFrames"/>); frame ids are stable until <see cref="Frames"/> is replaced by
/// <see cref="CompactFrames"/> (which <see cref="Prune"/> calls by default). Not thread-safe.
/// </remarks>
public sealed partial class CallTree
{
    /// <summary>Node id of the root.</summary>
    public const int Root = 0;

    private const long RootKey = -1;
    private const ulong HashMultiplier = 0x9E3779B97F4A7C15UL;

    private FrameTable _frames;
    private long[] _keys;
    private SampleValues[] _self;
    private int _count;
    private int[] _buckets;   // node id + 1; 0 = empty. Power-of-two length, load factor <= 1/2.
    private int _shift;       // 64 - log2(_buckets.Length)
    private SampleValues _total;

    /// <summary>An empty tree (root only) with its own <see cref="FrameTable"/>.</summary>
    public CallTree() : this(new FrameTable()) { }

    /// <summary>An empty tree whose frame ids come from <paramref name="frames"/> (which may be shared).</summary>
    public CallTree(FrameTable frames, int capacity = 16)
    {
        ArgumentNullException.ThrowIfNull(frames);
        capacity = Math.Max(capacity, 4);
        _frames = frames;
        _keys = new long[capacity];
        _self = new SampleValues[capacity];
        _keys[0] = RootKey;
        _count = 1;
        _buckets = NewBuckets(capacity, out _shift);
    }

    private CallTree(FrameTable frames, long[] keys, SampleValues[] self, int count, int[] buckets, int shift, SampleValues total)
    {
        _frames = frames;
        _keys = keys;
        _self = self;
        _count = count;
        _buckets = buckets;
        _shift = shift;
        _total = total;
    }

    /// <summary>The table the frame ids of this tree refer to.</summary>
    public FrameTable Frames => _frames;

    /// <summary>Number of nodes, root included.</summary>
    public int NodeCount => _count;

    /// <summary>Sum of the self values of all nodes (the root's total).</summary>
    public SampleValues Total => _total;

    /// <summary>Parent of <paramref name="node"/>; -1 for the root.</summary>
    public int ParentOf(int node) { CheckNode(node); return (int)(_keys[node] >> 32); }

    /// <summary>Frame id of <paramref name="node"/>; -1 for the root.</summary>
    public int FrameIdOf(int node) { CheckNode(node); return (int)_keys[node]; }

    /// <summary>Frame of <paramref name="node"/> (not the root).</summary>
    public Frame FrameOf(int node)
    {
        int f = FrameIdOf(node);
        if (f < 0) throw new ArgumentException("The root has no frame.", nameof(node));
        return _frames[f];
    }

    /// <summary>Self values of <paramref name="node"/>.</summary>
    public SampleValues SelfOf(int node) { CheckNode(node); return _self[node]; }

    /// <summary>Adds <paramref name="values"/> to the stack given as frame ids of <see cref="Frames"/>, root first.</summary>
    public void Add(ReadOnlySpan<int> stackRootFirst, SampleValues values)
    {
        int node = GetOrAddNode(stackRootFirst);
        _self[node] += values;
        _total += values;
    }

    /// <summary>Adds <paramref name="values"/> to a stack given leaf first (the order runtimes report).</summary>
    public void AddLeafFirst(ReadOnlySpan<int> stackLeafFirst, SampleValues values)
    {
        CheckFrames(stackLeafFirst);
        int node = Root;
        for (int i = stackLeafFirst.Length - 1; i >= 0; i--) node = GetOrAddChild(node, stackLeafFirst[i]);
        _self[node] += values;
        _total += values;
    }

    /// <summary>Adds <paramref name="values"/> to a stack of frames (root first), interning them in <see cref="Frames"/>.</summary>
    public void Add(ReadOnlySpan<Frame> stackRootFirst, SampleValues values)
    {
        int node = Root;
        foreach (ref readonly Frame frame in stackRootFirst) node = GetOrAddChild(node, _frames.Intern(frame));
        _self[node] += values;
        _total += values;
    }

    /// <summary>
    /// Node of a stack (root first), created when missing. With <see cref="AddToNode"/> this lets an ingest
    /// path resolve each distinct stack once and then add samples by node id.
    /// </summary>
    public int GetOrAddNode(ReadOnlySpan<int> stackRootFirst)
    {
        CheckFrames(stackRootFirst);   // all first, so a bad id leaves the tree unchanged
        int node = Root;
        foreach (int f in stackRootFirst) node = GetOrAddChild(node, f);
        return node;
    }

    /// <summary>Adds <paramref name="values"/> to the self values of <paramref name="node"/>.</summary>
    public void AddToNode(int node, SampleValues values)
    {
        CheckNode(node);
        _self[node] += values;
        _total += values;
    }

    /// <summary>Finds the node of a stack (root first) without creating it.</summary>
    public bool TryFindNode(ReadOnlySpan<int> stackRootFirst, out int node)
    {
        node = Root;
        foreach (int f in stackRootFirst)
            if (!TryGetChild(node, f, out node)) { node = -1; return false; }
        return true;
    }

    /// <summary>Finds the child of <paramref name="parent"/> with frame <paramref name="frameId"/>.</summary>
    public bool TryGetChild(int parent, int frameId, out int child)
    {
        long key = ((long)parent << 32) | (uint)frameId;
        int mask = _buckets.Length - 1;
        int i = Slot(key);
        while (true)
        {
            int b = _buckets[i];
            if (b == 0) { child = -1; return false; }
            if (_keys[b - 1] == key) { child = b - 1; return true; }
            i = (i + 1) & mask;
        }
    }

    /// <summary>Adds every stack of <paramref name="other"/> to this tree; other frame tables are remapped.</summary>
    public void MergeFrom(CallTree other) => MergeFrom(other, GaugeMerge.Sum);

    /// <summary>
    /// Adds <paramref name="other"/>'s values; with <see cref="GaugeMerge.Peak"/> the in-use gauges of each node keep
    /// the larger of the two instead (windows over time, see <see cref="ValueAggregation.Gauge"/>).
    /// </summary>
    public void MergeFrom(CallTree other, GaugeMerge gauges)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this))
        {
            for (int i = 0; i < _count; i++) _self[i] = Combine(_self[i], _self[i], gauges);
            _total = Combine(_total, _total, gauges);
            return;
        }
        int[] nodeMap = ArrayPool<int>.Shared.Rent(other._count);
        try { MergeStructure(other, nodeMap, addValues: true, gauges); }
        finally { ArrayPool<int>.Shared.Return(nodeMap); }
    }

    private static SampleValues Combine(in SampleValues a, in SampleValues b, GaugeMerge gauges) =>
        gauges == GaugeMerge.Sum ? a + b : SampleValues.CombineGauges(a, b);

    /// <summary>
    /// A copy with only the in-use gauges (every counter zero) and without the nodes that have none: what a rollup
    /// peak-merges into a bucket whose counters came from the same windows (<see cref="GaugeLevel"/>).
    /// </summary>
    public CallTree GaugesOnly()
    {
        var copy = Clone();
        for (int i = 0; i < copy._count; i++) copy._self[i] = SampleValues.GaugesOf(copy._self[i]);
        copy._total = SampleValues.GaugesOf(copy._total);
        copy.RemoveZeroSubtrees();
        return copy;
    }

    /// <summary>
    /// Removes the values of <paramref name="other"/> (typically an expired window previously merged in).
    /// A path of <paramref name="other"/> that this tree no longer has, because <see cref="Prune"/> folded it,
    /// is taken out of the <c>[other]</c> child of its deepest existing ancestor, so totals stay exact at every level.
    /// Subtrees whose values all become zero are removed. Values are not clamped: subtracting what was never
    /// added leaves negative values.
    /// </summary>
    public void Subtract(CallTree other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (ReferenceEquals(other, this)) { Clear(); return; }
        int n = other._count;
        int[] nodeMap = ArrayPool<int>.Shared.Rent(n);
        bool[] exact = ArrayPool<bool>.Shared.Rent(n);
        using var frameMap = new FrameMap(_frames, other._frames, lookupOnly: true);
        try
        {
            nodeMap[0] = Root;
            exact[0] = true;
            _self[0] -= other._self[0];
            long[] keys = other._keys;
            for (int i = 1; i < n; i++)
            {
                int p = (int)(keys[i] >> 32);
                int target;
                bool isExact = false;
                if (exact[p])
                {
                    int f = frameMap.Map((int)keys[i]);
                    if (f >= 0 && TryGetChild(nodeMap[p], f, out target)) isExact = true;
                    else target = GetOrAddChild(nodeMap[p], _frames.OtherId);
                }
                else
                {
                    target = nodeMap[p];   // below a folded node: the same [other] absorbs the whole subtree
                }
                nodeMap[i] = target;
                exact[i] = isExact;
                _self[target] -= other._self[i];
            }
            _total -= other._total;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(nodeMap);
            ArrayPool<bool>.Shared.Return(exact);
        }
        RemoveZeroSubtrees();
    }

    /// <summary>Removes all nodes but the root and zeroes the values. Keeps <see cref="Frames"/>.</summary>
    public void Clear()
    {
        Array.Clear(_buckets);
        Array.Clear(_self, 0, _count);
        _count = 1;
        _total = default;
    }

    /// <summary>
    /// A copy, made with a few array copies. The copy shares the append-only <see cref="Frames"/>:
    /// use both on one thread, or call <see cref="CompactFrames"/> on one of them first.
    /// </summary>
    public CallTree Clone()
    {
        int cap = Math.Max(_count, 4);
        var keys = new long[cap];
        var self = new SampleValues[cap];
        Array.Copy(_keys, keys, _count);
        Array.Copy(_self, self, _count);
        return new CallTree(_frames, keys, self, _count, (int[])_buckets.Clone(), _shift, _total);
    }

    /// <summary>Replaces <see cref="Frames"/> with a new table holding only the frames this tree uses.</summary>
    public void CompactFrames()
    {
        var table = new FrameTable();
        int[] map = ArrayPool<int>.Shared.Rent(Math.Max(_frames.Count, 1));
        try
        {
            Array.Fill(map, -1, 0, _frames.Count);
            for (int i = 1; i < _count; i++)
            {
                long k = _keys[i];
                int f = (int)k;
                int m = map[f];
                if (m < 0) m = map[f] = table.InternFrom(_frames, f);
                _keys[i] = (k & ~0xFFFF_FFFFL) | (uint)m;
            }
        }
        finally { ArrayPool<int>.Shared.Return(map); }
        _frames = table;
        Rehash(_buckets.Length);
    }

    /// <summary>
    /// A new tree (with its own frame table) whose frames are <paramref name="map"/>(frame); stacks that map to
    /// the same frames merge. E.g. drop lines to get a function-level view.
    /// </summary>
    public CallTree MapFrames(Func<Frame, Frame> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        var result = new CallTree(new FrameTable(), Math.Max(16, _count / 2));
        int[] frameMap = new int[_frames.Count];
        Array.Fill(frameMap, -1);
        return CopyInto(result, (parent, f) =>
        {
            int m = frameMap[f];
            if (m < 0) m = frameMap[f] = result._frames.Intern(map(_frames[f]));
            return result.GetOrAddChild(parent, m);
        });
    }

    /// <summary>
    /// Copies this tree's values into <paramref name="result"/> (empty), node by node in id order (parents first):
    /// <paramref name="nodeFor"/>(parent in result, frame id here) names the result node a node's self value goes to.
    /// </summary>
    private CallTree CopyInto(CallTree result, Func<int, int, int> nodeFor)
    {
        int[] nodeMap = ArrayPool<int>.Shared.Rent(_count);
        try
        {
            nodeMap[0] = Root;
            result._self[0] = _self[0];
            for (int i = 1; i < _count; i++)
            {
                long k = _keys[i];
                int node = nodeFor(nodeMap[(int)(k >> 32)], (int)k);
                nodeMap[i] = node;
                result._self[node] += _self[i];
            }
        }
        finally { ArrayPool<int>.Shared.Return(nodeMap); }
        result._total = _total;
        return result;
    }

    /// <summary>
    /// Merges the paths of <paramref name="other"/> in; <paramref name="nodeMap"/>[i] receives this tree's node
    /// for other's node i. With <paramref name="addValues"/> false only the structure is merged.
    /// </summary>
    internal void MergeStructure(CallTree other, Span<int> nodeMap, bool addValues, GaugeMerge gauges = GaugeMerge.Sum)
    {
        using var frameMap = new FrameMap(_frames, other._frames, lookupOnly: false);
        nodeMap[0] = Root;
        var peak = gauges == GaugeMerge.Peak;
        if (addValues) MergeSelf(Root, other._self[0]);
        long[] keys = other._keys;
        SampleValues[] values = other._self;
        for (int i = 1; i < other._count; i++)
        {
            long k = keys[i];
            int node = GetOrAddChild(nodeMap[(int)(k >> 32)], frameMap.Map((int)k));
            nodeMap[i] = node;
            if (addValues) MergeSelf(node, values[i]);
        }
        if (addValues && !peak) _total += other._total;

        void MergeSelf(int node, in SampleValues v)
        {
            if (!peak) { _self[node] += v; return; }
            // The total is the sum of selves: move it by what this node's self changed by.
            var before = _self[node];
            _self[node] = SampleValues.CombineGauges(before, v);
            _total += _self[node] - before;
        }
    }
}
