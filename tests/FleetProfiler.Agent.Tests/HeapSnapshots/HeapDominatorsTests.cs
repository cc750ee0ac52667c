using FleetProfiler.Agent.HeapSnapshots;

namespace FleetProfiler.Agent.Tests.HeapSnapshots;

/// <summary>Retained sizes on small graphs whose dominator trees are worked out by hand.</summary>
public sealed class HeapDominatorsTests
{
    private const ulong A = 0x10, B = 0x20, C = 0x30, D = 0x40, E = 0x50;
    private const ulong Holder = 1, Node = 2, Payload = 3;

    private static HeapGraph Graph(params (ulong Address, long Size, ulong Type, ulong[] Refs)[] nodes)
    {
        var g = new HeapGraph();
        foreach (var (address, size, type, refs) in nodes)
        {
            g.AddNode(address, size, type, refs.Length);
            foreach (var r in refs) g.AddEdge(r);
        }
        g.NameType(Holder, "Holder");
        g.NameType(Node, "Node");
        g.NameType(Payload, "Payload");
        return g;
    }

    private static Dictionary<string, (long Live, long Retained)> Reduce(HeapGraph g, int maxRetained = 1000)
    {
        var dump = new HeapDump(g, 7, TimeSpan.FromMilliseconds(3), TimeSpan.FromMilliseconds(2), 0, DateTime.UtcNow, DateTime.UtcNow);
        var s = HeapReduction.Reduce(dump, 1000, new HeapSnapshotOptions { MaxRetainedObjects = maxRetained });
        return s.TypeRows.ToDictionary(r => r.Name, r => (r.LiveBytes, r.RetainedBytes));
    }

    [Fact]
    public void An_object_reachable_two_ways_is_retained_by_neither_path_but_by_their_common_dominator()
    {
        // A (root) → B, C; B → D; C → D: D is dominated by A only.
        var g = Graph((A, 10, Holder, [B, C]), (B, 20, Node, [D]), (C, 30, Node, [D]), (D, 100, Payload, []));
        g.AddRoot(A);

        var rows = Reduce(g);

        Assert.Equal((10L, 160L), rows["Holder"]);
        Assert.Equal((50L, 50L), rows["Node"]);
        Assert.Equal((100L, 100L), rows["Payload"]);
    }

    [Fact]
    public void A_chain_of_one_type_counts_its_head_once_not_every_link()
    {
        // A (root) → B → C → D (a list of Nodes), each Node holding nothing else; E is a payload of D.
        var g = Graph((A, 10, Holder, [B]), (B, 20, Node, [C]), (C, 20, Node, [D]), (D, 20, Node, [E]), (E, 500, Payload, []));
        g.AddRoot(A);

        var rows = Reduce(g);

        Assert.Equal((10L, 570L), rows["Holder"]);
        Assert.Equal((60L, 560L), rows["Node"]);
        Assert.Equal((500L, 500L), rows["Payload"]);
    }

    [Fact]
    public void Objects_no_root_reaches_retain_themselves_and_cycles_settle()
    {
        // A (root) → B ⇄ C; D → E with no root (the dump's root events missed it): D still retains E.
        var g = Graph((A, 10, Holder, [B]), (B, 20, Node, [C]), (C, 30, Node, [B]), (D, 40, Holder, [E]), (E, 5, Payload, []));
        g.AddRoot(A);

        var rows = Reduce(g);

        Assert.Equal((50L, 105L), rows["Holder"]); // A: 10 + B 20 + C 30; D: 40 + E 5
        Assert.Equal((50L, 50L), rows["Node"]);
        Assert.Equal((5L, 5L), rows["Payload"]);
    }

    [Fact]
    public void Over_the_object_cap_retained_sizes_are_omitted_and_the_snapshot_says_so()
    {
        var g = Graph((A, 10, Holder, [B]), (B, 20, Node, []));
        g.AddRoot(A);
        var dump = new HeapDump(g, 7, TimeSpan.Zero, TimeSpan.Zero, 0, DateTime.UtcNow, DateTime.UtcNow);

        var s = HeapReduction.Reduce(dump, null, new HeapSnapshotOptions { MaxRetainedObjects = 1 });

        Assert.False(s.RetainedComputed);
        Assert.Equal("retained sizes omitted: 2 objects is over Agent:HeapSnapshot:MaxRetainedObjects (1)", s.RetainedNote);
        Assert.All(s.TypeRows, r => Assert.Equal(0, r.RetainedBytes));
        Assert.Equal((30L, 2L), (s.LiveBytes, s.LiveObjects));
    }

    [Fact]
    public void References_that_do_not_match_the_objects_edge_counts_leave_retained_sizes_out()
    {
        var g = new HeapGraph();
        g.AddNode(A, 10, Holder, 2);
        g.AddEdge(B); // one of two: an edge event was lost
        g.AddNode(B, 20, Node, 0);
        var dump = new HeapDump(g, 7, TimeSpan.Zero, TimeSpan.Zero, 0, DateTime.UtcNow, DateTime.UtcNow);

        var s = HeapReduction.Reduce(dump, null, new HeapSnapshotOptions());

        Assert.False(s.RetainedComputed);
        Assert.Contains("events were lost", s.RetainedNote);
    }

    [Fact]
    public void Types_beyond_the_limit_are_added_up_in_other()
    {
        var g = Graph((A, 10, Holder, []), (B, 20, Node, []), (C, 5, Payload, []));
        var dump = new HeapDump(g, 7, TimeSpan.Zero, TimeSpan.Zero, 0, DateTime.UtcNow, DateTime.UtcNow);

        var s = HeapReduction.Reduce(dump, null, new HeapSnapshotOptions { MaxTypes = 1 });

        Assert.Equal("Node", Assert.Single(s.TypeRows).Name);
        Assert.Equal((2, 15L, 2L), (s.OtherTypes, s.OtherBytes, s.OtherObjects));
    }
}
