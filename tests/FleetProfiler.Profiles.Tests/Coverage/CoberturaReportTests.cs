using FleetProfiler.Profiles.Coverage;

namespace FleetProfiler.Profiles.Tests.Coverage;

public sealed class CoberturaReportTests
{
    private const string Report = """
        <?xml version="1.0" encoding="utf-8"?>
        <coverage line-rate="0.5" lines-covered="3" lines-valid="5" version="1.9">
          <sources><source>/home/ci/repo/src/Orders/</source></sources>
          <packages><package name="Orders"><classes>
            <class name="Orders.Handler" filename="Handler.cs">
              <methods><method name="Get" signature="()"><lines><line number="3" hits="2" branch="False" /></lines></method></methods>
              <lines><line number="3" hits="2" branch="False" /><line number="4" hits="0" branch="True" condition-coverage="50% (1/2)"><conditions><condition number="0" type="jump" coverage="50%" /></conditions></line></lines>
            </class>
            <class name="Orders.Handler/&lt;&gt;c" filename="Handler.cs">
              <lines><line number="4" hits="1" /><line number="9" hits="0" /></lines>
            </class>
            <class name="Orders.Money" filename="Money.cs"><lines><line number="1" hits="1" /><line number="2" hits="0" /></lines></class>
          </classes></package></packages>
        </coverage>
        """;

    [Fact]
    public void Lines_listed_twice_are_one_line_covered_when_any_entry_hit_it_and_paths_become_repository_relative()
    {
        var report = CoberturaReport.Parse(Report, root: "/home/ci/repo");

        Assert.Equal(["src/Orders/Handler.cs", "src/Orders/Money.cs"], report.Files.Select(f => f.Path));
        var handler = report.Files[0];
        Assert.Equal(("3-4,9", "3-4"), (handler.Executable.ToString(), handler.Covered.ToString()));
        Assert.Equal((5, 3), (report.LinesValid, report.LinesCovered));
        Assert.Equal((5L, 3L), (report.ReportedLinesValid, report.ReportedLinesCovered));
    }

    [Fact]
    public void Without_a_root_paths_stay_relative_to_the_source_and_a_deterministic_prefix_is_removed()
    {
        Assert.Equal("Handler.cs", CoberturaReport.Parse(Report).Files[0].Path);
        var deterministic = Report.Replace("<source>/home/ci/repo/src/Orders/</source>", "<source>/_/src/Orders/</source>");
        Assert.Equal("src/Orders/Handler.cs", CoberturaReport.Parse(deterministic).Files[0].Path);
    }

    [Theory]
    [InlineData("<coverage><packages><package><classes><class filename=\"/_/a.cs\"><lines><line number=\"1\" hits=\"1\" /></lines><nonsense /></class></classes></package></packages></coverage>", "line 1: unknown element <nonsense>")]
    [InlineData("<coverage><packages><package><classes><class filename=\"/_/a.cs\"><lines><line number=\"2000000\" hits=\"1\" /></lines></class></classes></package></packages></coverage>", "line number 2000000 is outside 1..1000000")]
    [InlineData("<coverage><packages><package><classes><class filename=\"/_/a.cs\"><lines><line number=\"x\" hits=\"1\" /></lines></class></classes></package></packages></coverage>", "number=\"x\" is not a non-negative whole number")]
    [InlineData("<coverage><packages><package><classes><class filename=\"/_/../a.cs\"><lines><line number=\"1\" hits=\"1\" /></lines></class></classes></package></packages></coverage>", "does not give a repository-relative path")]
    [InlineData("<!DOCTYPE coverage [<!ENTITY x \"y\">]><coverage/>", "not well-formed XML")]
    [InlineData("<coverage><sources><source>/a/</source><source>/b/</source></sources><packages><package><classes><class filename=\"a.cs\"><lines><line number=\"1\" hits=\"1\" /></lines></class></classes></package></packages></coverage>", "relative but the report has 2 <source> elements")]
    public void A_bad_report_is_refused_whole_naming_the_problem(string xml, string expected)
    {
        var e = Assert.Throws<ProfileDataException>(() => CoberturaReport.Parse(xml));
        Assert.Contains(expected, e.Message);
    }
}
