using System.Globalization;
using FleetProfiler.Protocol.V1;
using Grpc.Core;
using static FleetProfiler.Testing.CoverageFileSpec;
using DeadCodeClient = FleetProfiler.Protocol.V1.DeadCode.DeadCodeClient;

namespace FleetProfiler.Tests.DeadCode;

/// <summary>
/// Test-rig line coverage imported from Cobertura. testdata/coverlet-profiles.cobertura.xml is a real report written
/// by coverlet.collector 10.0.1 (a small xunit project exercising grains/FleetProfiler.Profiles; see testdata/README.md).
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class CoberturaImportTests(PlatformFixture platform)
{
    private static string Report => File.ReadAllText(Repo.File("tests", "FleetProfiler.Tests", "testdata", "coverlet-profiles.cobertura.xml"));

    // The report was written in a checkout at this root; its <source> is under it.
    private const string ReportRoot = "/build/fleetprofiler";

    [Fact]
    public async Task A_coverlet_report_imports_with_coverlets_own_line_counts_and_once_only()
    {
        var client = new DeadCodeClient(platform.Channel);
        var request = new ImportCoberturaRequest { Source = "integration-rig", Day = "2026-11-10", Xml = Report, Root = ReportRoot };

        var reply = await client.ImportCoberturaAsync(request);

        Assert.Equal((1494L, 218L), (reply.ReportedLinesValid, reply.ReportedLinesCovered));   // coverlet's own counts
        Assert.Equal((1494, 218), (reply.LinesValid, reply.LinesCovered));
        Assert.False(reply.Duplicate);
        var again = await client.ImportCoberturaAsync(request);
        Assert.True(again.Duplicate);
        Assert.Equal(reply.RunId, again.RunId);

        var annotated = await client.AnnotateFileAsync(new AnnotateFileRequest { Path = "grains/FleetProfiler.Profiles/ByteCoding.cs", FromDay = "2026-11-10", ToDay = "2026-11-10" });
        Assert.Equal(["integration-rig"], annotated.RigSources);
        var rigRuns = annotated.Lines.Count(l => l.RigStatus[0] == "run");
        var rigMissed = annotated.Lines.Count(l => l.RigStatus[0] == "missed");
        Assert.True(rigRuns > 0 && rigMissed > 0, $"run {rigRuns}, missed {rigMissed}");
        Assert.Single(annotated.Runs);   // imported twice, one run
    }

    [Fact]
    public async Task A_coverlet_report_of_the_dead_code_test_service_imports_with_coverlets_own_line_counts()
    {
        // Written by coverlet.msbuild 10.0.1 line instrumentation of the service's own assemblies while the coverlet
        // benchmark drove GET / and /work (testdata/README.md has the command); its <source> is under /build/fleetprofiler.
        var xml = File.ReadAllText(Repo.File("tests", "FleetProfiler.Tests", "testdata", "coverlet-deadcodeservice.cobertura.xml"));
        var coverage = System.Xml.Linq.XDocument.Parse(xml).Root!;
        var own = (long.Parse(coverage.Attribute("lines-valid")!.Value, CultureInfo.InvariantCulture), long.Parse(coverage.Attribute("lines-covered")!.Value, CultureInfo.InvariantCulture));
        var client = new DeadCodeClient(platform.Channel);

        var reply = await client.ImportCoberturaAsync(new ImportCoberturaRequest { Source = "coverlet-rig", Day = "2026-11-13", Xml = xml, Root = "/build/fleetprofiler" });

        Assert.Equal((699L, 310L), own);
        Assert.Equal(own, (reply.ReportedLinesValid, reply.ReportedLinesCovered));
        Assert.Equal(own, ((long)reply.LinesValid, (long)reply.LinesCovered));
        // Ground truth of the service: the never-loaded assembly's file ran nowhere; Work.Run (the /work handler) ran.
        var neverLoaded = await client.AnnotateFileAsync(new AnnotateFileRequest { Path = "tests/FleetProfiler.DeadCodeNeverLoaded/NeverLoadedFeature.cs", FromDay = "2026-11-13", ToDay = "2026-11-13" });
        Assert.Contains(neverLoaded.Lines, l => l.RigStatus[0] == "missed");
        Assert.DoesNotContain(neverLoaded.Lines, l => l.RigStatus[0] == "run");
        var work = await client.AnnotateFileAsync(new AnnotateFileRequest { Path = "tests/FleetProfiler.DeadCodeService/Work.cs", FromDay = "2026-11-13", ToDay = "2026-11-13" });
        Assert.Equal("run", work.Lines.Single(l => l.Number == LineOf("tests/FleetProfiler.DeadCodeService/Work.cs", "acc += SmallHot(i);")).RigStatus[0]);
    }

    private static int LineOf(string path, string text) =>
        Array.FindIndex(File.ReadAllLines(Repo.File(path.Split('/'))), l => l.Contains(text, StringComparison.Ordinal)) + 1;

    [Fact]
    public async Task Lines_run_by_the_rig_but_never_in_production_and_the_reverse_are_counted()
    {
        var path = "grains/FleetProfiler.Profiles/ByteCoding.cs";
        var service = "rigcmp-" + Guid.NewGuid().ToString("N")[..8];
        var client = new DeadCodeClient(platform.Channel);
        await client.ImportCoberturaAsync(new ImportCoberturaRequest { Source = "integration-rig", Day = "2026-11-11", Xml = Report, Root = ReportRoot });
        var rig = await client.AnnotateFileAsync(new AnnotateFileRequest { Path = path, FromDay = "2026-11-11", ToDay = "2026-11-11" });
        var rigRun = rig.Lines.Where(l => l.RigStatus[0] == "run").Select(l => l.Number).ToArray();
        var rigMissed = rig.Lines.Where(l => l.RigStatus[0] == "missed").Select(l => l.Number).ToArray();

        // Production ran exactly what the rig missed, and missed what the rig ran.
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service);
        await using var _ = agent;
        await agent.SendAckedAsync(CoverageBatches.Run((ulong)Random.Shared.NextInt64(1, long.MaxValue / 2), service, "host-a", new DateTimeOffset(2026, 11, 11, 9, 0, 0, TimeSpan.Zero),
            [new(path, [.. rigRun, .. rigMissed], rigRun, [])]));

        var list = await client.ListDeadFilesAsync(new ListDeadFilesRequest { FromDay = "2026-11-11", ToDay = "2026-11-11", Service = service });
        var file = Assert.Single(list.Files);
        Assert.Equal((rigRun.Length, rigMissed.Length), (file.RunByRigOnlyLines, file.RunInProductionOnlyLines));
        Assert.Equal(rigRun.Length, file.DeadCertainLines);
    }

    [Theory]
    [InlineData("<coverage><packages><package><classes><class filename=\"/_/src/A.cs\"><lines><line number=\"1\" hits=\"1\"/></lines><extra/></class></classes></package></packages></coverage>", "unknown element <extra>")]
    [InlineData("<coverage><packages><package><classes><class filename=\"/_/src/A.cs\"><lines><line number=\"99999999\" hits=\"1\"/></lines></class></classes></package></packages></coverage>", "line number 99999999 is outside")]
    [InlineData("<coverage><packages><package><classes><class filename=\"/_/src/A.cs\"><lines><line number=\"3\" hits=\"-1\"/></lines></class></classes></package></packages></coverage>", "hits=\"-1\"")]
    [InlineData("<coverage><packages><package><classes><class filename=\"/elsewhere/A.cs\"><lines><line number=\"3\" hits=\"1\"/></lines></class></classes></package></packages></coverage>", "not under the root")]
    [InlineData("<coverage><packages>", "not well-formed XML")]
    [InlineData("<report/>", "unknown element <report>")]
    public async Task A_bad_report_is_refused_naming_the_problem_and_nothing_is_stored(string xml, string expected)
    {
        var client = new DeadCodeClient(platform.Channel);
        // A bad report that starts with a good file stores not even that file.
        var bad = xml.Replace("<classes>", "<classes><class filename=\"/_/src/Good.cs\"><lines><line number=\"1\" hits=\"1\"/></lines></class>", StringComparison.Ordinal);

        var e = await Assert.ThrowsAsync<RpcException>(() => client.ImportCoberturaAsync(new ImportCoberturaRequest { Source = "bad-rig", Day = "2026-11-12", Xml = bad }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Contains(expected, e.Status.Detail);
        Assert.StartsWith("xml: ", e.Status.Detail);
        var missing = await Assert.ThrowsAsync<RpcException>(() => client.AnnotateFileAsync(new AnnotateFileRequest { Path = "src/Good.cs", FromDay = "2026-11-12", ToDay = "2026-11-12" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }
}
