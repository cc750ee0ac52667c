namespace FleetProfiler.Agent.Tests.Coverage;

/// <summary>Runs whose certainty depends on the target: a JitNoInline canary, a JIT inlining override, bad PDBs.</summary>
public sealed class CoverageConditionsTests : IDisposable
{
    private static readonly string WorkFile = DeadCodeTargets.RepoPath("FleetProfiler.DeadCodeService", "Work.cs");
    private readonly TempDirectory _dir = new("coverage");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_JitNoInline_canary_makes_every_unseen_method_certain_and_stays_sound()
    {
        await using var service = await DeadCodeTargets.StartServiceAsync(new Dictionary<string, string> { ["DOTNET_JitNoInline"] = "1" });
        var run = await CoverageOnce.RunAsync(service.Pid);

        Assert.True(run.Run.Canary);
        Assert.Equal("", run.Run.UncertainReason);
        Assert.Empty(run.Probable);
        Assert.Contains("FleetProfiler.DeadCodeService.Work.NeverCalledSmall", run.Certain);
        Assert.Contains("FleetProfiler.DeadCodeService.NeverUsedClass.Compute", run.Certain);
        // The never-requested endpoint's handler itself, not only the method it calls.
        Assert.Contains(run.Certain, n => n.StartsWith("Program+<>c.", StringComparison.Ordinal));
        Assert.Superset(new SortedSet<int>(DeadCodeTargets.BodyLines(WorkFile, "long NeverCalledSmall(")), run.MissedCertain(WorkFile));
        Assert.Empty(run.Violations(await DeadCodeTargets.ExecutedAsync(service)));
    }

    [Fact]
    public async Task A_JIT_inlining_override_in_the_targets_environment_makes_nothing_certain_and_says_why()
    {
        await using var service = await DeadCodeTargets.StartServiceAsync(new Dictionary<string, string> { ["DOTNET_JitExtDefaultPolicyMaxIL"] = "0x1000" });
        var run = await CoverageOnce.RunAsync(service.Pid);

        Assert.Contains("DOTNET_JitExtDefaultPolicyMaxIL=0x1000", run.Run.UncertainReason);
        Assert.False(run.Run.Canary);
        Assert.Empty(run.Certain);
        Assert.All(run.Run.Files, f => Assert.Empty(f.MissedCertain));
        Assert.All(run.Run.Modules, m => Assert.Equal(0, m.MethodsDeadCertain));
        // Still reported, as probable.
        Assert.Contains("FleetProfiler.DeadCodeService.Work.NeverCalledLarge", run.Probable);
    }

    [Fact]
    public async Task A_missing_or_mismatched_PDB_leaves_out_that_modules_lines_with_the_reason_and_the_rest_is_sent()
    {
        var copy = _dir.StageForOtherUsers(DeadCodeTargets.ServiceDirectory, "service");
        File.Delete(Path.Combine(copy, "FleetProfiler.DeadCodeNeverLoaded.pdb"));
        // Another build's PDB under the shared library's name: its id does not match.
        File.Copy(Path.Combine(DeadCodeTargets.ServiceDirectory, "FleetProfiler.DeadCodeNeverLoaded.pdb"), Path.Combine(copy, "FleetProfiler.DeadCodeShared.pdb"), overwrite: true);
        await using var service = await DeadCodeTargets.StartServiceAsync(directory: copy);

        var run = await CoverageOnce.RunAsync(service.Pid);

        Assert.Equal("no PDB", run.Module("FleetProfiler.DeadCodeNeverLoaded").Skipped);
        Assert.Equal("PDB id does not match the assembly", run.Module("FleetProfiler.DeadCodeShared").Skipped);
        Assert.DoesNotContain(run.Run.Files, f => f.Module != "FleetProfiler.DeadCodeService");
        // Their methods are still classified and listed, without a file.
        Assert.Contains("FleetProfiler.DeadCodeShared.SharedNeverCalled.LargeNever", run.Certain);
        Assert.All(run.Dead.Where(m => !m.Name.StartsWith("FleetProfiler.DeadCodeService", StringComparison.Ordinal) && !m.Name.StartsWith("Program", StringComparison.Ordinal)),
            m => Assert.Equal(("", 0u), (m.File, m.Line)));
        // The service's own module is whole.
        Assert.Equal("", run.Module("FleetProfiler.DeadCodeService").Skipped);
        Assert.Equal(
            DeadCodeTargets.BodyLines(WorkFile, "long NeverCalledLarge(").Concat(DeadCodeTargets.BodyLines(WorkFile, "string Handle()")).Order(),
            run.MissedCertain(WorkFile));
    }
}
