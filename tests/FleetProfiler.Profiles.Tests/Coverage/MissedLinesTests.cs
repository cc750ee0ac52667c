using FleetProfiler.Profiles.Coverage;

namespace FleetProfiler.Profiles.Tests.Coverage;

public sealed class MissedLinesTests
{
    private static LineSet L(params int[] lines) => LineSet.Of(lines);

    [Fact]
    public void Packed_ranges_must_be_sorted_disjoint_and_inside_one_to_a_million()
    {
        Assert.Equal("1-3,7", LineSet.FromPacked([1, 2, 3, 3, 7, 7]).ToString());   // touching ranges merge
        Assert.Contains("pairs", Assert.Throws<ProfileDataException>(() => LineSet.FromPacked([1, 2, 3])).Message);
        Assert.Contains("line 0", Assert.Throws<ProfileDataException>(() => LineSet.FromPacked([0, 2])).Message);
        Assert.Contains("ends before it starts", Assert.Throws<ProfileDataException>(() => LineSet.FromPacked([5, 2])).Message);
        Assert.Contains("not after the previous range", Assert.Throws<ProfileDataException>(() => LineSet.FromPacked([5, 9, 9, 12])).Message);
        Assert.Contains("over the maximum line", Assert.Throws<ProfileDataException>(() => LineSet.FromPacked([1, 1_000_001])).Message);
    }

    [Fact]
    public void Set_operations_match_the_line_by_line_definition()
    {
        var random = new Random(7);
        for (var round = 0; round < 200; round++)
        {
            var a = Enumerable.Range(0, random.Next(0, 40)).Select(_ => random.Next(1, 60)).ToHashSet();
            var b = Enumerable.Range(0, random.Next(0, 40)).Select(_ => random.Next(1, 60)).ToHashSet();
            var (sa, sb) = (LineSet.Of(a), LineSet.Of(b));
            Assert.Equal(a.Union(b).Order(), sa.Union(sb).Lines);
            Assert.Equal(a.Intersect(b).Order(), sa.Intersect(sb).Lines);
            Assert.Equal(a.Except(b).Order(), sa.Except(sb).Lines);
            Assert.All(Enumerable.Range(0, 62), n => Assert.Equal(a.Contains(n), sa.Contains(n)));
            Assert.Equal(sa, LineSet.FromPacked([.. sa.ToPacked().Select(p => (uint)p)]));
        }
    }

    [Fact]
    public void Intersection_keeps_only_lines_missed_in_every_run_with_the_weakest_confidence()
    {
        var lines = MissedLines.None
            .Apply(L(10, 11, 12, 13, 14), missedCertain: L(12, 13, 14), missedProbable: L(11))
            .Apply(L(10, 11, 12, 13, 14), missedCertain: L(11, 14), missedProbable: L(13))
            .Apply(L(20), missedCertain: L(20), missedProbable: L());   // a line only one run (another build) had

        Assert.Equal(LineStatus.Live, lines.StatusOf(10));
        Assert.Equal(LineStatus.DeadProbable, lines.StatusOf(11));   // probable in one run, certain in the other
        Assert.Equal(LineStatus.Live, lines.StatusOf(12));           // ran in the second run
        Assert.Equal(LineStatus.DeadProbable, lines.StatusOf(13));
        Assert.Equal(LineStatus.DeadCertain, lines.StatusOf(14));
        Assert.Equal(LineStatus.DeadCertain, lines.StatusOf(20));
        Assert.Equal(LineStatus.NotExecutable, lines.StatusOf(15));
    }

    [Fact]
    public void Applying_runs_is_order_independent_and_a_resent_run_changes_nothing()
    {
        var runs = new[]
        {
            (L(1, 2, 3, 4), L(3, 4), L(2)),
            (L(1, 2, 3, 4), L(4), L()),
            (L(3, 4, 5), L(5), L(4)),
        };
        var forward = runs.Aggregate(MissedLines.None, (m, r) => m.Apply(r.Item1, r.Item2, r.Item3));
        var backward = runs.Reverse().Aggregate(MissedLines.None, (m, r) => m.Apply(r.Item1, r.Item2, r.Item3));
        var twice = forward.Apply(runs[0].Item1, runs[0].Item2, runs[0].Item3);
        Assert.Equal((forward.Executable, forward.Executed, forward.Probable), (backward.Executable, backward.Executed, backward.Probable));
        Assert.Equal((forward.Executable, forward.Executed, forward.Probable), (twice.Executable, twice.Executed, twice.Probable));
        Assert.Equal("4", forward.DeadProbable.ToString());
        Assert.Equal("5", forward.DeadCertain.ToString());
    }

    [Fact]
    public void An_uncertain_run_makes_its_certain_misses_probable()
    {
        var lines = MissedLines.None.Apply(L(1, 2), L(2), L(), uncertain: true);
        Assert.Equal(LineStatus.DeadProbable, lines.StatusOf(2));
    }

    [Fact]
    public void Missed_lines_outside_executable_are_refused()
    {
        Assert.Throws<ProfileDataException>(() => MissedLines.None.Apply(L(1, 2), L(3), L()));
    }
}
