namespace FleetProfiler.Profiles.Tests;

public class InuseGrowthTests
{
    private static CallTree Snapshot(long leak, long cache, long churn)
    {
        var tree = new CallTree();
        tree.Add("app!Main;app!Orders.Remember;[alloc] System.Byte[]", SampleValues.Inuse(leak, leak / 1000));
        tree.Add("app!Main;app!Cache.Fill;[alloc] System.Byte[]", SampleValues.Inuse(cache, cache / 1000));
        tree.Add("app!Main;app!Parse;[alloc] System.String", SampleValues.Inuse(churn, churn / 100));
        return tree;
    }

    [Fact]
    public void Sites_rank_by_growth_from_a_to_b_and_shrinking_ones_come_last()
    {
        var growth = InuseGrowth.Compute(Snapshot(10_000, 50_000, 3_000), Snapshot(90_000, 50_000, 1_000), GrowthBy.Site, 10);

        Assert.Equal(["app!Orders.Remember", "app!Cache.Fill", "app!Parse"], growth.Select(g => g.Name));
        Assert.Equal((10_000L, 90_000L, 80_000L, 80L), (growth[0].BytesA, growth[0].BytesB, growth[0].Growth, growth[0].CountGrowth));
        Assert.Equal(-2_000, growth[2].Growth);
    }

    [Fact]
    public void Types_group_every_site_of_a_type_and_the_limit_bounds_the_list()
    {
        var growth = InuseGrowth.Compute(Snapshot(10_000, 50_000, 3_000), Snapshot(90_000, 50_000, 1_000), GrowthBy.Type, 1);

        var top = Assert.Single(growth);
        Assert.Equal(("System.Byte[]", 60_000L, 140_000L), (top.Name, top.BytesA, top.BytesB));
    }

    [Fact]
    public void A_site_only_in_b_grows_by_all_of_it_and_limits_outside_1_to_1000_are_refused()
    {
        var b = Snapshot(1, 1, 1);
        b.Add("app!Main;app!New;[alloc] System.Object", SampleValues.Inuse(5_000, 50));
        Assert.Equal(("app!New", 5_000L), InuseGrowth.Compute(Snapshot(1, 1, 1), b, GrowthBy.Site, 1).Select(g => (g.Name, g.Growth)).Single());
        Assert.Throws<ArgumentOutOfRangeException>(() => InuseGrowth.Compute(b, b, GrowthBy.Site, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => InuseGrowth.Compute(b, b, GrowthBy.Site, 1001));
    }
}
