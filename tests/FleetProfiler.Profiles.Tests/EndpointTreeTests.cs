namespace FleetProfiler.Profiles.Tests;

/// <summary>
/// Windows keep each sample under a root pseudo-frame "[endpoint] E": the service view folds those roots away, the
/// endpoint view is the subtree under one of them, and a prune keeps every endpoint root.
/// </summary>
public class EndpointTreeTests
{
    private const string Items = "[endpoint] GET /items/{id}";
    private const string Orders = "[endpoint] POST /orders";
    private const string Outside = "[endpoint] [not in a request]";

    private static CallTree Labelled() => TestTrees.Cpu(
        $"{Items};Main;Handler;Parse 5",
        $"{Items};Main;Handler 2",
        $"{Orders};Main;Handler;Save 7",
        $"{Outside};Main;Timer 3",
        "Main;Handler;Parse 11");   // a window without attribution

    [Fact]
    public void Endpoint_frames_are_named_with_their_prefix_and_only_without_file_or_line()
    {
        Assert.Equal(new Frame(Items), Frame.Endpoint("GET /items/{id}"));
        Assert.True(Frame.Endpoint("POST /orders").IsEndpoint);
        Assert.False(new Frame(Items, "a.cs", 1).IsEndpoint);
        Assert.False(new Frame("GET /items").IsEndpoint);
        Assert.Throws<ArgumentException>(() => Frame.Endpoint(""));
    }

    [Fact]
    public void Without_endpoints_merges_every_endpoint_root_into_the_unlabelled_stacks()
    {
        var folded = Labelled().WithoutEndpoints();

        Assert.Equal(TestTrees.Canonical(TestTrees.Cpu(
            "Main;Handler;Parse 16",
            "Main;Handler 2",
            "Main;Handler;Save 7",
            "Main;Timer 3")), TestTrees.Canonical(folded));
        Assert.Equal(28, folded.Total.CpuSamples);
    }

    [Fact]
    public void Without_endpoints_returns_the_tree_itself_when_it_has_no_endpoint_frames()
    {
        var plain = TestTrees.Cpu("Main;Handler 2");
        Assert.Same(plain, plain.WithoutEndpoints());
    }

    [Fact]
    public void Without_endpoints_keeps_an_endpoint_named_frame_that_is_not_a_root_child()
    {
        var tree = TestTrees.Cpu($"Main;{Items};Work 4");
        Assert.Equal(TestTrees.Canonical(tree), TestTrees.Canonical(tree.WithoutEndpoints()));
    }

    [Fact]
    public void An_endpoint_root_with_samples_of_its_own_gives_them_to_the_root()
    {
        var tree = TestTrees.Cpu($"{Items} 4", $"{Items};Work 1");
        var folded = tree.WithoutEndpoints();
        Assert.Equal(4, folded.SelfOf(CallTree.Root).CpuSamples);
        Assert.Equal(5, folded.Total.CpuSamples);
    }

    [Fact]
    public void Endpoint_subtree_is_the_stacks_under_its_root_re_rooted()
    {
        var items = Labelled().EndpointSubtree("GET /items/{id}");

        Assert.Equal(TestTrees.Canonical(TestTrees.Cpu("Main;Handler;Parse 5", "Main;Handler 2")), TestTrees.Canonical(items));
        Assert.Equal(7, items.Total.CpuSamples);
        Assert.Equal(7, items.ComputeTotals()[CallTree.Root].CpuSamples);
    }

    [Fact]
    public void Endpoint_subtree_of_an_unknown_endpoint_is_empty()
    {
        var none = Labelled().EndpointSubtree("DELETE /items/{id}");
        Assert.Equal(1, none.NodeCount);
        Assert.True(none.Total.IsZero);
    }

    [Fact]
    public void Endpoint_totals_list_every_root_by_name_and_leave_the_unlabelled_rest()
    {
        var tree = Labelled();
        tree.Add([Frame.Endpoint("POST /orders"), new Frame("Alloc"), Frame.AllocatedType("Order")], SampleValues.Alloc(4096, 2));

        var totals = tree.EndpointTotals();

        Assert.Equal(
            [
                new EndpointTotal("GET /items/{id}", SampleValues.Cpu(7)),
                new EndpointTotal("POST /orders", new SampleValues(7, 0, 4096, 2)),
                new EndpointTotal("[not in a request]", SampleValues.Cpu(3)),
            ],
            totals);
        var labelled = totals.Aggregate(SampleValues.Zero, (sum, e) => sum + e.Values);
        Assert.Equal(SampleValues.Cpu(11), tree.Total - labelled);
    }

    [Fact]
    public void Endpoint_totals_survive_a_codec_round_trip_and_a_merge()
    {
        var a = Labelled();
        var b = CallTreeCodec.Deserialize(CallTreeCodec.Serialize(Labelled()));
        a.MergeFrom(b);
        Assert.Equal(14, a.EndpointTotals().Single(e => e.Endpoint == "GET /items/{id}").Values.CpuSamples);
    }

    [Fact]
    public void Prune_keeps_every_endpoint_root_however_light()
    {
        var tree = new CallTree();
        // One heavy endpoint with a deep, wide tree and ten light ones.
        for (int i = 0; i < 200; i++) tree.AddCpu($"{Items};Main;F{i};G{i}", 1000);
        for (int i = 0; i < 10; i++) tree.AddCpu($"[endpoint] GET /light/{i};Main;Tiny", 1);

        tree.Prune(100);

        var totals = tree.EndpointTotals();
        Assert.Equal(11, totals.Count);
        Assert.All(totals.Where(t => t.Endpoint.StartsWith("GET /light/", StringComparison.Ordinal)), t => Assert.Equal(1, t.Values.CpuSamples));
        Assert.Equal(200_000, totals.Single(t => t.Endpoint == "GET /items/{id}").Values.CpuSamples);
        Assert.True(tree.NodeCount <= 100);
    }
}
