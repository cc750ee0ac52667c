namespace FleetProfiler.Profiles;

// Node storage: packed keys, self values and the open-addressing child index.
public sealed partial class CallTree
{
    internal ReadOnlySpan<long> Keys => _keys.AsSpan(0, _count);

    internal ReadOnlySpan<SampleValues> Self => _self.AsSpan(0, _count);

    /// <summary>Child of <paramref name="parent"/> with <paramref name="frameId"/>, created when missing. Hot path: no checks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int GetOrAddChild(int parent, int frameId)
    {
        long key = ((long)parent << 32) | (uint)frameId;
        int mask = _buckets.Length - 1;
        int i = Slot(key);
        while (true)
        {
            int b = _buckets[i];
            if (b == 0) return AddNode(key, i);
            if (_keys[b - 1] == key) return b - 1;
            i = (i + 1) & mask;
        }
    }

    internal void AddSelf(int node, in SampleValues values)
    {
        _self[node] += values;
        _total += values;
    }

    /// <summary>Takes over the storage of <paramref name="built"/> (a tree built as this tree's replacement).</summary>
    private void Adopt(CallTree built)
    {
        _frames = built._frames;
        _keys = built._keys;
        _self = built._self;
        _count = built._count;
        _buckets = built._buckets;
        _shift = built._shift;
        _total = built._total;
    }

    private void RemoveZeroSubtrees()
    {
        bool[] keep = ArrayPool<bool>.Shared.Rent(_count);
        try
        {
            for (int i = 0; i < _count; i++) keep[i] = !_self[i].IsZero;
            for (int i = _count - 1; i > 0; i--) if (keep[i]) keep[(int)(_keys[i] >> 32)] = true;
            keep[Root] = true;
            int kept = 0;
            for (int i = 0; i < _count; i++) if (keep[i]) kept++;
            if (kept == _count) return;

            int[] newIndex = ArrayPool<int>.Shared.Rent(_count);
            newIndex[0] = 0;
            var keys = new long[Math.Max(kept, 4)];
            var self = new SampleValues[keys.Length];
            keys[0] = RootKey;
            self[0] = _self[0];
            int j = 1;
            for (int i = 1; i < _count; i++)
            {
                if (!keep[i]) continue;
                long k = _keys[i];
                keys[j] = ((long)newIndex[(int)(k >> 32)] << 32) | (uint)(int)k;
                self[j] = _self[i];
                newIndex[i] = j++;
            }
            ArrayPool<int>.Shared.Return(newIndex);
            _keys = keys;
            _self = self;
            _count = j;
            Rehash(BucketLengthFor(j));
        }
        finally { ArrayPool<bool>.Shared.Return(keep); }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int AddNode(long key, int slot)
    {
        if (_count == _keys.Length)
        {
            int cap = _count * 2;
            Array.Resize(ref _keys, cap);
            Array.Resize(ref _self, cap);
        }
        int node = _count++;
        _keys[node] = key;
        _self[node] = default;
        _buckets[slot] = node + 1;
        if (_count * 2 > _buckets.Length) Rehash(_buckets.Length * 2);
        return node;
    }

    private void Rehash(int bucketLength)
    {
        _buckets = NewBuckets(bucketLength / 2, out _shift);
        int mask = _buckets.Length - 1;
        for (int n = 1; n < _count; n++)
        {
            int i = Slot(_keys[n]);
            while (_buckets[i] != 0) i = (i + 1) & mask;
            _buckets[i] = n + 1;
        }
    }

    private static int BucketLengthFor(int nodes) => (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(nodes, 4) * 2);

    private static int[] NewBuckets(int nodes, out int shift)
    {
        int length = BucketLengthFor(nodes);
        shift = 64 - BitOperations.Log2((uint)length);
        return new int[length];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(long key) => (int)(((ulong)key * HashMultiplier) >> _shift);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckNode(int node)
    {
        if ((uint)node >= (uint)_count) throw new ArgumentOutOfRangeException(nameof(node), node, "Unknown node id.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CheckFrames(ReadOnlySpan<int> frameIds)
    {
        uint frameCount = (uint)_frames.Count;
        foreach (int f in frameIds)
            if ((uint)f >= frameCount) ThrowUnknownFrame(f);
    }

    [DoesNotReturn]
    private void ThrowUnknownFrame(int f) =>
        throw new ArgumentOutOfRangeException("stackRootFirst", f, $"Frame id {f} is not in the tree's frame table ({_frames.Count} frames).");
}
