using System.Text.Json;

namespace FleetProfiler.Cli.Tests.EndToEnd;

/// <summary><c>versions</c> and <c>diff --a-version/--b-version</c> against the real platform, on windows seeded with service versions.</summary>
[Collection(PlatformCollection.Name)]
public sealed class VersionCommandsTests(SeededPlatform platform)
{
    private const string Service = SeededPlatform.VersionedService;

    private Task<CliResult> RunAsync(params string[] args) => Tool.RunAsync([.. args, "--gateway", platform.GatewayUrl]);

    [Fact]
    public async Task Versions_lists_them_newest_first_with_first_and_last_seen()
    {
        var r = await RunAsync("versions", "--service", Service);

        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("VERSION", lines[0]);
        Assert.StartsWith("2.0 ", lines[1]);
        Assert.Contains(SeededPlatform.Iso(platform.RecentStart).Replace("T", " "), lines[1]);
        Assert.StartsWith("1.0 ", lines[2]);
        Assert.Contains(SeededPlatform.Iso(platform.OlderStart).Replace("T", " "), lines[2]);
        Assert.Equal(3, lines.Length);
    }

    [Fact]
    public async Task Diff_of_two_versions_over_the_default_range_shows_what_moved()
    {
        var r = await RunAsync("diff", "--service", Service, "--a-version", "1.0", "--b-version", "2.0", "--format", "tree");

        Assert.True(r.ExitCode == 0, r.ToString());
        using var doc = JsonDocument.Parse(r.Out);
        var main = Child(doc.RootElement, "app!Program.Main");
        Assert.Equal((0.6, 0.0), Shares(Child(main, "app!Price.Old")));
        Assert.Equal((0.0, 0.6), Shares(Child(main, "app!Price.New")));
        Assert.Equal((0.4, 0.4), Shares(Child(main, "app!Price.Shared")));
        Assert.Contains("version 1.0", r.Error);
        Assert.Contains("version 2.0", r.Error);
    }

    [Fact]
    public async Task An_unknown_version_fails_with_the_server_s_reason()
    {
        var r = await RunAsync("diff", "--service", Service, "--a-version", "1.0", "--b-version", "9.9");

        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("no window of version '9.9'", r.Error);
        Assert.Contains("'2.0', '1.0'", r.Error);
    }

    private static (double, double) Shares(JsonElement node) => (Math.Round(node.GetProperty("before").GetDouble(), 9), Math.Round(node.GetProperty("after").GetDouble(), 9));

    private static JsonElement Child(JsonElement node, string name) =>
        node.GetProperty("children").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}
