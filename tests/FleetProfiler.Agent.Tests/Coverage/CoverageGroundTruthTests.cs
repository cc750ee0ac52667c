namespace FleetProfiler.Agent.Tests.Coverage;

/// <summary>
/// Coverage runs of the dead-code targets by the real agent, against ground truth: the known dead code
/// (tests/FleetProfiler.DeadCodeService/Work.cs, the shared library, the never-loaded assembly) and the call sites the
/// targets report as executed.
/// </summary>
[Collection(DeadCodeCollection.Name)]
public sealed class CoverageGroundTruthTests(DeadCodeFixture targets)
{
    private const string ServiceModule = "FleetProfiler.DeadCodeService";
    private const string SharedModule = "FleetProfiler.DeadCodeShared";
    private const string NeverLoadedModule = "FleetProfiler.DeadCodeNeverLoaded";
    private static readonly string WorkFile = DeadCodeTargets.RepoPath(ServiceModule, "Work.cs");
    private static readonly string SharedFile = DeadCodeTargets.RepoPath(SharedModule, "SharedCode.cs");
    private static readonly string NeverLoadedFile = DeadCodeTargets.RepoPath(NeverLoadedModule, "NeverLoadedFeature.cs");

    [Fact]
    public async Task The_run_names_exactly_the_known_dead_code_certain_and_the_small_unused_code_probable()
    {
        var run = await CoverageOnce.RunAsync(targets.Service.Pid);

        Assert.False(run.Run.Canary);
        Assert.Equal("", run.Run.UncertainReason);
        Assert.NotNull(run.Run.ProcessStart);
        Assert.Equal([NeverLoadedModule, ServiceModule, SharedModule], run.Run.Modules.Select(m => m.Name).Order());
        Assert.All(run.Run.Modules, m => Assert.Equal("", m.Skipped));
        Assert.True(run.Module(ServiceModule).Loaded);
        Assert.Matches("^[0-9a-f-]{36}$", run.Module(ServiceModule).Mvid);

        // Certain: never called and could not have been inlined (> 1024 IL bytes, NoInlining, never-loaded assembly).
        Assert.Equal(
            [
                "FleetProfiler.DeadCodeNeverLoaded.NeverLoadedFeature.Describe",
                "FleetProfiler.DeadCodeNeverLoaded.NeverLoadedFeature.Large",
                "FleetProfiler.DeadCodeNeverLoaded.NeverLoadedFeature.Small",
                "FleetProfiler.DeadCodeService.UnrequestedEndpoint.Handle",
                "FleetProfiler.DeadCodeService.Work.NeverCalledLarge",
                "FleetProfiler.DeadCodeShared.SharedHalfB.LargeB",
                "FleetProfiler.DeadCodeShared.SharedNeverCalled.LargeNever",
                "FleetProfiler.DeadCodeShared.SharedNeverCalled.NoInlineNever",
            ],
            run.Certain);
        // Probable: never called, small enough to have run inlined.
        Assert.Superset(new SortedSet<string>
        {
            "FleetProfiler.DeadCodeService.NeverUsedClass..ctor",
            "FleetProfiler.DeadCodeService.NeverUsedClass.Compute",
            "FleetProfiler.DeadCodeService.NeverUsedClass.Feature",
            "FleetProfiler.DeadCodeService.Work.NeverCalledSmall",
            "FleetProfiler.DeadCodeShared.SharedHalfB.SmallB",
        }, run.Probable);
        // What ran is not dead; a large AggressiveInlining method is never certain (it may have run inlined).
        string[] live = ["Work.Run", "Work.LargeCalled", "Work.NoInlineCalled", "SharedHalfA.LargeA"];
        Assert.DoesNotContain(run.Dead, m => live.Any(l => m.Name.EndsWith(l, StringComparison.Ordinal)));
        Assert.DoesNotContain("FleetProfiler.DeadCodeService.Work.AggressiveLarge", run.Certain);
        var large = Assert.Single(run.Dead, m => m.Name.EndsWith(".NeverCalledLarge", StringComparison.Ordinal));
        Assert.Equal(WorkFile, large.File);
        Assert.Equal(DeadCodeTargets.BodyLines(WorkFile, "long NeverCalledLarge(")[0], (int)large.Line);

        // Lines: missed-certain are exactly the bodies of the certain methods; the small dead ones are missed-probable.
        Assert.Equal(
            DeadCodeTargets.BodyLines(WorkFile, "long NeverCalledLarge(").Concat(DeadCodeTargets.BodyLines(WorkFile, "string Handle()")).Order(),
            run.MissedCertain(WorkFile));
        Assert.Superset(
            new SortedSet<int>(DeadCodeTargets.BodyLines(WorkFile, "long NeverCalledSmall(")
                .Concat(DeadCodeTargets.BodyLines(WorkFile, "long Compute()"))
                .Concat(DeadCodeTargets.BodyLines(WorkFile, "string Feature()"))),
            run.MissedProbable(WorkFile));
        Assert.Superset(new SortedSet<int>(DeadCodeTargets.BodyLines(WorkFile, "long LargeCalled(")), run.Executable(WorkFile));
        Assert.Empty(run.MissedCertain(WorkFile).Intersect(DeadCodeTargets.BodyLines(WorkFile, "long LargeCalled(")));

        // The assembly the service references but never loads: all of it, certain.
        var neverLoaded = run.Module(NeverLoadedModule);
        Assert.False(neverLoaded.Loaded);
        Assert.Equal(neverLoaded.Methods, neverLoaded.MethodsDeadCertain);
        Assert.Equal(run.Executable(NeverLoadedFile), run.MissedCertain(NeverLoadedFile));
        Assert.Empty(run.MissedProbable(NeverLoadedFile));

        // Counts add up and the files are repository-relative, with the build path beside them.
        Assert.All(run.Run.Modules, m => Assert.Equal(m.Methods, m.MethodsLive + m.MethodsDeadCertain + m.MethodsDeadProbable));
        Assert.All(run.Run.Files, f => Assert.StartsWith("tests/FleetProfiler.DeadCode", f.Path));
        Assert.All(run.Run.Files, f => Assert.Equal(Path.Combine(Repo.Root, f.Path), f.OriginalPath));
    }

    [Fact]
    public async Task No_method_or_line_that_ran_is_reported_dead_certain_in_either_service()
    {
        foreach (var target in new[] { targets.Service, targets.Worker })
        {
            var run = await CoverageOnce.RunAsync(target.Pid);
            var executed = await DeadCodeTargets.ExecutedAsync(target);
            Assert.True(executed.Count >= 3, $"{target.Service} reported {executed.Count} executed sites");
            Assert.Empty(run.Violations(executed));
            // Executed sites are lines the run knows: the check above looked at them.
            Assert.All(executed, s => Assert.Contains(s.Line, run.Executable(s.File)));
        }
    }

    [Fact]
    public async Task Shared_code_missed_in_both_services_is_exactly_the_part_neither_calls()
    {
        var service = await CoverageOnce.RunAsync(targets.Service.Pid);
        var worker = await CoverageOnce.RunAsync(targets.Worker.Pid);

        var halfA = DeadCodeTargets.BodyLines(SharedFile, "long LargeA(").Concat(DeadCodeTargets.BodyLines(SharedFile, "long SmallA(")).ToList();
        var halfB = DeadCodeTargets.BodyLines(SharedFile, "long LargeB(").Concat(DeadCodeTargets.BodyLines(SharedFile, "long SmallB(")).ToList();
        var neither = DeadCodeTargets.BodyLines(SharedFile, "long LargeNever(").Concat(DeadCodeTargets.BodyLines(SharedFile, "long NoInlineNever(")).Order().ToList();
        SortedSet<int> Missed(CoverageRunView run) => [.. run.MissedCertain(SharedFile), .. run.MissedProbable(SharedFile)];

        // Each service misses the other's half …
        Assert.Superset(new SortedSet<int>(halfB), Missed(service));
        Assert.Empty(Missed(service).Intersect(halfA));
        Assert.Superset(new SortedSet<int>(halfA), Missed(worker));
        Assert.Empty(Missed(worker).Intersect(halfB));
        // … so the lines missed in both runs are what neither calls, certain in both.
        Assert.Equal(neither, Missed(service).Intersect(Missed(worker)).Order());
        Assert.Equal(neither, service.MissedCertain(SharedFile).Intersect(worker.MissedCertain(SharedFile)).Order());
        Assert.Equal("", worker.Run.UncertainReason);
        Assert.Equal([SharedModule], worker.Run.Modules.Select(m => m.Name).Where(n => n != "FleetProfiler.DeadCodeWorker"));
    }
}
