namespace FleetProfiler.Profiles;

/// <summary>
/// The children of every node of a <see cref="CallTree"/> in one flat array (compressed sparse rows).
/// A snapshot: rebuild it after the tree changes.
/// </summary>
public sealed class ChildIndex
{
    private readonly int[] _start;
    private readonly int[] _children;

    internal ChildIndex(CallTree tree, Comparison<int>? compareNodes)
    {
        ReadOnlySpan<long> keys = tree.Keys;
        int n = keys.Length;
        _start = new int[n + 1];
        _children = new int[Math.Max(n - 1, 0)];
        for (int i = 1; i < n; i++) _start[(int)(keys[i] >> 32) + 1]++;
        for (int i = 0; i < n; i++) _start[i + 1] += _start[i];
        int[] fill = ArrayPool<int>.Shared.Rent(n);
        Array.Copy(_start, fill, n);
        for (int i = 1; i < n; i++) _children[fill[(int)(keys[i] >> 32)]++] = i;
        ArrayPool<int>.Shared.Return(fill);
        if (compareNodes is null) return;
        for (int i = 0; i < n; i++)
        {
            int len = _start[i + 1] - _start[i];
            if (len > 1) _children.AsSpan(_start[i], len).Sort(compareNodes);
        }
    }

    /// <summary>Children of <paramref name="node"/>.</summary>
    public ReadOnlySpan<int> ChildrenOf(int node) => _children.AsSpan(_start[node], _start[node + 1] - _start[node]);

    /// <summary>Number of children of <paramref name="node"/>.</summary>
    public int CountOf(int node) => _start[node + 1] - _start[node];
}
