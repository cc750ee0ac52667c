using System.Reflection;
using FleetProfiler.Agent.Coverage;
using FleetProfiler.Agent.Symbolization;
using CoverageBatches = FleetProfiler.Agent.Coverage.CoverageBatches;

namespace FleetProfiler.Agent.Tests.Coverage;

/// <summary>The coverage domain on its own: classification rule, JIT settings, line packing, deps.json, batch fitting.</summary>
public sealed class CoverageRulesTests
{
    private static readonly ModuleFacts Normal = new(Sound: true, Loaded: true, NoInlining: false);

    [Theory]
    [InlineData(true, MethodImplAttributes.IL, 5000, MethodState.Live)]
    [InlineData(false, MethodImplAttributes.IL, 1025, MethodState.DeadCertain)]
    [InlineData(false, MethodImplAttributes.IL, 1024, MethodState.DeadProbable)]
    [InlineData(false, MethodImplAttributes.NoInlining, 10, MethodState.DeadCertain)]
    [InlineData(false, MethodImplAttributes.AggressiveInlining, 5000, MethodState.DeadProbable)]
    public void An_unseen_method_is_certain_only_when_it_cannot_have_been_inlined(bool seen, MethodImplAttributes impl, int ilBytes, MethodState expected) =>
        Assert.Equal(expected, MethodClassifier.Classify(seen, Normal, impl, ilBytes));

    [Fact]
    public void Never_loaded_and_canary_modules_make_unseen_methods_certain_unless_the_run_is_unsound()
    {
        Assert.Equal(MethodState.DeadCertain, MethodClassifier.Classify(false, Normal with { Loaded = false }, MethodImplAttributes.AggressiveInlining, 1));
        Assert.Equal(MethodState.DeadCertain, MethodClassifier.Classify(false, Normal with { NoInlining = true }, MethodImplAttributes.IL, 1));
        Assert.Equal(MethodState.DeadProbable, MethodClassifier.Classify(false, new ModuleFacts(false, false, true), MethodImplAttributes.NoInlining, 5000));
        Assert.Equal(MethodState.Live, MethodClassifier.Classify(true, new ModuleFacts(false, true, false), MethodImplAttributes.IL, 1));
    }

    [Fact]
    public void JIT_settings_read_canaries_and_overrides_as_the_runtime_does()
    {
        Assert.Equal(new JitSettings(false, "", false, ""), JitSettings.From(new Dictionary<string, string> { ["DOTNET_gcServer"] = "1", ["PATH"] = "/bin" }));
        Assert.True(JitSettings.From(new Dictionary<string, string> { ["DOTNET_JitNoInline"] = "1" }).Canary);
        Assert.True(JitSettings.From(new Dictionary<string, string> { ["COMPlus_JitNoInline"] = "0x1" }).Canary);
        Assert.Equal(new JitSettings(false, "", false, ""), JitSettings.From(new Dictionary<string, string> { ["DOTNET_JitNoInline"] = "0" }));
        Assert.Equal("COMPlus_JitMaxInlineSize=0x200", JitSettings.From(new Dictionary<string, string> { ["COMPlus_JitMaxInlineSize"] = "0x200" }).Override);
        Assert.Equal("DOTNET_JitStdOutFile=/tmp/x", JitSettings.From(new Dictionary<string, string> { ["DOTNET_JitStdOutFile"] = "/tmp/x" }).Override);
        Assert.True(JitSettings.From(new Dictionary<string, string> { ["DOTNET_ReadyToRun"] = "0" }).ReadyToRunDisabled);
        Assert.False(JitSettings.From(new Dictionary<string, string> { ["DOTNET_ReadyToRun"] = "1" }).ReadyToRunDisabled);
    }

    private static readonly JitSettings NoJitSettings = new(false, "", false, "");

    private static ExecutedMethods Rundown(int eventsLost = 0, bool complete = true, string[]? collectible = null, string[]? unloaded = null) =>
        new(new Dictionary<string, HashSet<int>>(), complete, eventsLost, collectible ?? [], unloaded ?? []);

    [Theory]
    [InlineData(3, true, "", "", "3 event(s) lost in the coverage session")]
    [InlineData(0, false, "", "", "the rundown did not complete (no end marker)")]
    [InlineData(0, true, "", "Plugin.dll", "modules unloaded during the session (Plugin.dll)")]
    [InlineData(0, true, "Plugin,Scripts", "", "collectible AssemblyLoadContexts hold assemblies (Plugin, Scripts): code may have been unloaded before the run")]
    public void A_rundown_with_lost_events_unloaded_or_collectible_code_makes_nothing_certain_and_says_why(
        int eventsLost, bool complete, string collectible, string unloaded, string reason)
    {
        var rundown = Rundown(eventsLost, complete, collectible.Split(',', StringSplitOptions.RemoveEmptyEntries), unloaded.Split(',', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(reason, rundown.Unsoundness);
        Assert.Equal(reason, CoverageCollector.UncertainReason(NoJitSettings, rundown));

        // The shared test library as a service assembly, loaded, nothing of it run: sound, its large and NoInlining
        // methods are certain; with this reason, none is, for a loaded and for a never-loaded assembly alike.
        var dll = Path.Combine(DeadCodeTargets.ServiceDirectory, "FleetProfiler.DeadCodeShared.dll");
        var assembly = new ServiceAssembly("FleetProfiler.DeadCodeShared", dll, dll);
        var paths = new SourcePathRules([Repo.Root]);
        var (sound, _) = ModuleCoverage.Analyze(assembly, [], sound: CoverageCollector.UncertainReason(NoJitSettings, Rundown()).Length == 0, NoJitSettings, paths, new RunLimits());
        Assert.True(sound.MethodsDeadCertain >= 4, $"{sound.MethodsDeadCertain} certain");
        foreach (var seen in new HashSet<int>?[] { [], null })
        {
            var (module, documents) = ModuleCoverage.Analyze(assembly, seen, sound: CoverageCollector.UncertainReason(NoJitSettings, rundown).Length == 0, NoJitSettings, paths, new RunLimits());
            Assert.Equal((0, sound.Methods), (module.MethodsDeadCertain, module.MethodsDeadProbable));
            Assert.All(module.DeadMethods, m => Assert.Equal(DeadConfidence.DeadProbable, m.Confidence));
            // Lines: every line of the file missed, none of them certain.
            var lines = Assert.Single(documents, d => d.Path.Path.EndsWith("SharedCode.cs", StringComparison.Ordinal)).Lines;
            Assert.NotEmpty(lines);
            Assert.All(lines.Values, flags => Assert.Equal(ModuleCoverage.ProbableLine, flags));
        }
    }

    [Fact]
    public void The_uncertain_reason_names_an_unreadable_environment_before_a_JIT_override_before_the_rundown_and_is_bounded()
    {
        var lost = Rundown(eventsLost: 1);
        Assert.Equal("", CoverageCollector.UncertainReason(NoJitSettings, Rundown()));
        Assert.Equal("", CoverageCollector.UncertainReason(NoJitSettings with { Canary = true }, Rundown()));
        Assert.Equal("/proc/1/environ: denied", CoverageCollector.UncertainReason(JitSettings.Unknown("/proc/1/environ: denied") with { Override = "DOTNET_JitMaxIL=0x16" }, lost));
        Assert.Equal("JIT setting DOTNET_JitMaxIL=0x16 in the target's environment may change inlining",
            CoverageCollector.UncertainReason(NoJitSettings with { Override = "DOTNET_JitMaxIL=0x16" }, lost));
        var long_ = CoverageCollector.UncertainReason(NoJitSettings with { Override = "DOTNET_JitStdOutFile=" + new string('x', 1000) }, Rundown());
        Assert.Equal(512, long_.Length);
        Assert.EndsWith("x…", long_);
    }

    [Fact]
    public void Lines_pack_into_inclusive_ranges_and_unpack_to_the_same_set()
    {
        Assert.Equal([3u, 5u, 9u, 9u, 11u, 12u], LineRanges.Pack([12, 3, 4, 5, 9, 11, 4, 0]));
        Assert.Empty(LineRanges.Pack([]));
        Assert.Equal([3, 4, 5, 9, 11, 12], LineRanges.Unpack([3, 5, 9, 9, 11, 12]));
        Assert.Throws<FormatException>(() => LineRanges.Unpack([3, 5, 9]).ToList());
        Assert.Throws<FormatException>(() => LineRanges.Unpack([5, 3]).ToList());
    }

    [Fact]
    public void The_services_own_assemblies_are_the_project_libraries_of_its_deps_json()
    {
        var deps = File.ReadAllBytes(Path.Combine(DeadCodeTargets.ServiceDirectory, "FleetProfiler.DeadCodeService.deps.json"));
        Assert.Equal(
            ["FleetProfiler.DeadCodeNeverLoaded.dll", "FleetProfiler.DeadCodeService.dll", "FleetProfiler.DeadCodeShared.dll"],
            ServiceAssemblies.ProjectFiles(deps).Order());
    }

    [Fact]
    public void A_run_over_the_batch_size_leaves_out_the_largest_modules_lines_first_and_says_so()
    {
        var run = new CoverageRun();
        run.Modules.Add(new CoverageModule { Name = "big", Methods = 1 });
        run.Modules.Add(new CoverageModule { Name = "small", Methods = 1 });
        run.Files.Add(new CoverageFile { Path = "a.cs", Module = "big", Executable = { Enumerable.Range(1, 4000).Select(i => (uint)i * 3) } });
        run.Files.Add(new CoverageFile { Path = "b.cs", Module = "small", Executable = { 1, 2 } });
        var batch = new Batch { Kinds = { CoverageBatches.Kind }, Coverage = run };

        CoverageBatches.FitInto(batch, 1024);

        Assert.True(batch.CalculateSize() <= 1024);
        Assert.Equal(["b.cs"], batch.Coverage.Files.Select(f => f.Path));
        Assert.StartsWith("lines left out", batch.Coverage.Modules.Single(m => m.Name == "big").Skipped);
        Assert.Equal("", batch.Coverage.Modules.Single(m => m.Name == "small").Skipped);
        Assert.Equal(1, batch.Coverage.Modules.Single(m => m.Name == "big").Methods);
    }

    [Fact]
    public void Run_files_merge_a_path_shared_by_two_modules_and_leave_out_paths_that_are_not_repository_relative()
    {
        var run = new CoverageRun();
        run.Modules.Add(new CoverageModule { Name = "A", DeadMethods = { new CoverageMethod { Name = "A.X.Gone", File = "/build/a/Gone.cs", Line = 3 } } });
        run.Modules.Add(new CoverageModule { Name = "B" });
        byte live = ModuleCoverage.LiveLine, probable = ModuleCoverage.ProbableLine;
        DocumentLines Doc(string path, string module, params (int Line, byte Flags)[] lines) =>
            new(new SourcePath(path, "/_/" + path), module, lines.ToDictionary(l => l.Line, l => l.Flags));

        RunFiles.Fill(run,
        [
            Doc("src/Shared.cs", "A", (1, 0), (2, 0), (3, probable), (4, live)),
            Doc("src/Shared.cs", "B", (2, live), (3, 0), (5, 0)),
            Doc("/build/a/Gone.cs", "A", (3, 0)),
            Doc("src/../x.cs", "B", (1, 0)),
        ], new RunLimits());

        var shared = Assert.Single(run.Files);
        Assert.Equal(("src/Shared.cs", "A", "/_/src/Shared.cs"), (shared.Path, shared.Module, shared.OriginalPath));
        Assert.Equal([1, 2, 3, 4, 5], LineRanges.Unpack(shared.Executable));
        Assert.Equal([1, 5], LineRanges.Unpack(shared.MissedCertain)); // 2 ran in B; 4 ran in A
        Assert.Equal([3], LineRanges.Unpack(shared.MissedProbable)); // the weakest of its owners
        Assert.All(run.Modules, m => Assert.StartsWith("lines of 1 source file(s) left out", m.Skipped));
        Assert.Equal(("", 0u), (run.Modules[0].DeadMethods[0].File, run.Modules[0].DeadMethods[0].Line));
    }

    [Fact]
    public void A_garbage_PDB_beside_an_assembly_is_reported_unreadable()
    {
        using var dir = new TempDirectory("pdb");
        var dll = dir.Combine("FleetProfiler.DeadCodeShared.dll");
        File.Copy(Path.Combine(DeadCodeTargets.ServiceDirectory, "FleetProfiler.DeadCodeShared.dll"), dll);
        File.WriteAllBytes(dir.Combine("FleetProfiler.DeadCodeShared.pdb"), Enumerable.Range(0, 4096).Select(i => (byte)(i * 7)).ToArray());
        using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(dll));

        var (pdb, problem) = PdbLocator.Open(pe, dll);

        Assert.Null(pdb);
        Assert.StartsWith(PdbLocator.Unreadable, problem);
        File.Delete(dir.Combine("FleetProfiler.DeadCodeShared.pdb"));
        Assert.Equal(PdbLocator.NoPdb, PdbLocator.Open(pe, dll).Problem);
    }
}
