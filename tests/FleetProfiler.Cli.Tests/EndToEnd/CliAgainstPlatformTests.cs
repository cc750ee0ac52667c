using System.IO.Compression;
using System.Text.Json;
using System.Xml.Linq;
using FleetProfiler.Protocol.V1;

namespace FleetProfiler.Cli.Tests.EndToEnd;

/// <summary>The tool, run in-process, against a real single-node platform process seeded over the real ingest stream.</summary>
[Collection(PlatformCollection.Name)]
public sealed class CliAgainstPlatformTests(SeededPlatform platform)
{
    private const string Service = SeededPlatform.Service;

    private Task<CliResult> RunAsync(params string[] args) => Tool.RunAsync([.. args, "--gateway", platform.GatewayUrl]);

    [Fact]
    public async Task Profile_folded_prints_the_seeded_stacks()
    {
        var r = await RunAsync(["profile", "--service", Service, .. platform.Recent, "--kind", "cpu", "--format", "folded"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        foreach (var (stack, samples) in SeededPlatform.RecentStacks)
            Assert.Contains($"{stack} {samples}", lines);
        Assert.Equal(SeededPlatform.RecentStacks.Length, lines.Count);
    }

    [Fact]
    public async Task Profile_over_both_windows_adds_them_up()
    {
        var r = await RunAsync(["profile", "--service", Service, "--host", SeededPlatform.Host, .. platform.RecentAndOlder, "--kind", "wall"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("app!Program.Main;app!Cache.Lookup 105\n", r.Out);
        Assert.Contains("app!Program.Main;app!OrderController.Get;app!OrderRepository.Query 70\n", r.Out);
    }

    [Fact]
    public async Task Profile_pprof_to_a_file_writes_gzip_and_says_how_many_bytes()
    {
        var file = platform.Files.Combine("cpu.pb.gz");

        var r = await RunAsync(["profile", "--service", Service, .. platform.RecentAndOlder, "--format", "pprof", "-o", file]);

        Assert.True(r.ExitCode == 0, r.ToString());
        var bytes = await File.ReadAllBytesAsync(file);
        Assert.True(bytes is [0x1f, 0x8b, ..], "not gzip");
        using var gunzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        var decoded = new MemoryStream();
        await gunzip.CopyToAsync(decoded);
        Assert.Contains("OrderRepository.Query", System.Text.Encoding.UTF8.GetString(decoded.ToArray()));
        Assert.Contains($"wrote {bytes.Length} bytes to {file}", r.Error);
        Assert.Empty(r.Out);
    }

    [Fact]
    public async Task Profile_svg_is_an_xml_flamegraph()
    {
        var r = await RunAsync(["profile", "--service", Service, .. platform.RecentAndOlder, "--format", "svg"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        var svg = XDocument.Parse(r.Out);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        Assert.Contains("OrderRepository.Query", r.Out);
    }

    [Theory]
    [InlineData("tree")]
    [InlineData("speedscope")]
    public async Task Profile_json_formats_parse(string format)
    {
        var r = await RunAsync(["profile", "--service", Service, .. platform.RecentAndOlder, "--format", format]);

        Assert.True(r.ExitCode == 0, r.ToString());
        using var json = JsonDocument.Parse(r.Out);
        Assert.Contains("Cache.Lookup", r.Out);
    }

    [Fact]
    public async Task Top_shows_the_hottest_function_first()
    {
        var r = await RunAsync(["top", "--service", Service, .. platform.Recent, "--kind", "cpu"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["SELF", "SELF%", "TOTAL", "TOTAL%", "FUNCTION"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["60", "60.0%", "60", "60.0%", "app!OrderRepository.Query"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("total 100 cpu samples in 1 window,", lines[^1]);
    }

    [Fact]
    public async Task Top_by_total_puts_the_root_first_and_files_rank_source_files()
    {
        var byTotal = await RunAsync(["top", "--service", Service, .. platform.Recent, "--order", "total", "--limit", "2"]);
        var files = await RunAsync(["top", "--service", Service, .. platform.Recent, "--files"]);

        Assert.True(byTotal.ExitCode == 0, byTotal.ToString());
        var rows = byTotal.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.EndsWith("app!Program.Main", rows[1]);
        Assert.Equal(4, rows.Length); // header, 2 rows, footer
        Assert.True(files.ExitCode == 0, files.ToString());
        Assert.Contains("FILE", files.Out);
        Assert.EndsWith("OrderRepository.cs", files.Out.Split('\n')[1]);
    }

    [Fact]
    public async Task Top_alloc_ranks_the_allocating_function_and_file_by_the_bytes_they_allocate_themselves()
    {
        var functions = await RunAsync(["top", "--service", SeededPlatform.AllocService, .. platform.Recent, "--kind", "alloc"]);
        var files = await RunAsync(["top", "--service", SeededPlatform.AllocService, .. platform.Recent, "--kind", "alloc", "--files"]);

        Assert.True(functions.ExitCode == 0, functions.ToString());
        Assert.Equal(["8,000", "72.7%", "8,000", "72.7%", "app!Reports.BuildRows"], Row(functions.Out, 1));
        Assert.DoesNotContain("[alloc]", functions.Out);
        Assert.True(files.ExitCode == 0, files.ToString());
        Assert.Equal(["SELF", "SELF%", "TOTAL", "TOTAL%", "FILE"], Row(files.Out, 0));
        Assert.Equal(["8,000", "72.7%", "8,000", "72.7%", "Reports.cs"], Row(files.Out, 1));
        Assert.StartsWith("total 11,000 bytes allocated in 1 window,", files.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
    }

    [Fact]
    public async Task Top_types_lists_the_allocated_types_with_bytes_and_counts()
    {
        var r = await RunAsync(["top", "--service", SeededPlatform.AllocService, .. platform.Recent, "--types"]);

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(["BYTES", "BYTES%", "COUNT", "TYPE"], Row(r.Out, 0));
        Assert.Equal(["6,000", "54.5%", "40", "System.Double[]"], Row(r.Out, 1));
        Assert.Equal(["3,000", "27.3%", "3", "System.Byte[]"], Row(r.Out, 2));
        Assert.Equal(["2,000", "18.2%", "50", "Demo.DemoRow"], Row(r.Out, 3));
    }

    [Fact]
    public async Task Profile_alloc_ends_at_the_allocation_site_and_types_adds_the_types()
    {
        var sites = await RunAsync(["profile", "--service", SeededPlatform.AllocService, .. platform.Recent, "--kind", "alloc"]);
        var types = await RunAsync(["profile", "--service", SeededPlatform.AllocService, .. platform.Recent, "--kind", "alloc", "--types"]);

        Assert.True(sites.ExitCode == 0, sites.ToString());
        Assert.Equal("app!Program.Main;app!Json.Write 3000\napp!Program.Main;app!Reports.BuildRows 8000\n", sites.Out);
        Assert.True(types.ExitCode == 0, types.ToString());
        Assert.Contains("app!Program.Main;app!Reports.BuildRows;[alloc] System.Double[] 6000\n", types.Out);
    }

    [Theory]
    [InlineData("it needs --kind alloc or inuse, not cpu", "top", "--types", "--kind", "cpu")]
    [InlineData("--files and --types exclude each other", "top", "--types", "--files")]
    [InlineData("--types ranks by bytes", "top", "--types", "--order", "total")]
    [InlineData("--types shows allocated types: it needs --kind alloc", "profile", "--types")]
    public async Task Types_with_a_kind_or_option_it_does_not_fit_is_a_usage_error(string expected, params string[] args)
    {
        var r = await RunAsync([.. args, "--service", SeededPlatform.AllocService]);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains(expected, r.Error);
    }

    private static string[] Row(string output, int index) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[index].Split(' ', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Hosts_lists_the_host_with_its_agent()
    {
        var r = await RunAsync("hosts", "--service", Service);

        Assert.True(r.ExitCode == 0, r.ToString());
        var row = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(SeededPlatform.Host, row[0]);
        Assert.Equal(SeededPlatform.AgentId, row[1]);
        Assert.Equal(TestBatches.AgentVersion, row[2]);
        Assert.Equal("yes", row[^1]);
    }

    [Fact]
    public async Task Services_and_status_list_the_service()
    {
        var services = await RunAsync("services");
        var status = await RunAsync("status");

        Assert.True(services.ExitCode == 0, services.ToString());
        Assert.Contains(services.Out.Split('\n'), l => l.StartsWith(Service + " ", StringComparison.Ordinal) && l.TrimEnd().EndsWith('1'));
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("mode     single-node", status.Out);
        Assert.Contains("Active", status.Out);
        Assert.Contains(status.Out.Split('\n'), l => l.StartsWith(Service + " ", StringComparison.Ordinal) && l.TrimEnd().EndsWith(SeededPlatform.Host));
        Assert.Contains(status.Out.Split('\n'), l => l.StartsWith("ingest   ", StringComparison.Ordinal) && l.Contains(" of 64 batch slot(s) in use", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Diff_of_the_recent_window_against_the_older_one_is_an_svg_of_both_stacks()
    {
        var file = platform.Files.Combine("diff.svg");

        // A = the older window, B = the recent one.
        var r = await RunAsync("diff", "--service", Service,
            "--a-from", SeededPlatform.Iso(platform.OlderStart.AddMinutes(-1)), "--a-to", SeededPlatform.Iso(platform.OlderStart.AddMinutes(1)),
            "--b-from", SeededPlatform.Iso(platform.RecentStart.AddMinutes(-1)), "--b-to", SeededPlatform.Iso(platform.RecentStart.AddMinutes(1)), "-o", file);

        Assert.True(r.ExitCode == 0, r.ToString());
        var svg = XDocument.Load(file);
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        Assert.Contains("OrderRepository.Query", svg.ToString());
        Assert.Contains("Cache.Lookup", svg.ToString());
        Assert.Contains($"bytes to {file}", r.Error);
    }

    [Fact]
    public async Task Trigger_reaches_the_connected_agent_and_prints_the_command_id_and_its_acceptance()
    {
        var run = RunAsync("trigger", "--service", Service, "--host", SeededPlatform.Host, "--kind", "alloc", "--seconds", "30", "--wait", Wait);

        var message = await platform.Agent.ReceiveAsync();
        Assert.Equal(GatewayMessage.BodyOneofCase.Command, message.BodyCase);
        Assert.Equal("alloc", message.Command.Kind);
        Assert.Equal(30, message.Command.Seconds);
        await AnswerAsync(message.Command.Id, accepted: true, "profiling alloc on every target (1) for 30 s");
        var r = await run;

        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(message.Command.Id, r.Out.Trim());
        Assert.Contains($"accepted by the agent of {SeededPlatform.Host}: profiling alloc on every target (1) for 30 s", r.Error);
    }

    [Fact]
    public async Task A_trigger_the_agent_refuses_exits_6_with_the_agents_reason_and_is_listed_as_refused()
    {
        var run = RunAsync("heap", "take", "--service", Service, "--host", SeededPlatform.Host, "--pid", "4242", "--wait", Wait);

        var message = await platform.Agent.ReceiveAsync();
        Assert.Equal(("heap", 4242), (message.Command.Kind, message.Command.Pid));
        await AnswerAsync(message.Command.Id, accepted: false, "process 4242 not found");
        var r = await run;

        Assert.True(r.ExitCode == ExitCodes.Refused, r.ToString());
        Assert.Equal(message.Command.Id, r.Out.Trim());
        Assert.Contains($"fleetprofiler: refused by the agent of {SeededPlatform.Host}: process 4242 not found (heap snapshot of pid 4242 on {SeededPlatform.Host})", r.Error);

        var listed = await RunAsync("commands", "--service", Service, "--host", SeededPlatform.Host);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Equal(["ID", "SENT", "BY", "WHAT", "STATE", "MESSAGE"], Row(listed.Out, 0));
        var row = listed.Out.Split('\n').Single(l => l.StartsWith(message.Command.Id + " ", StringComparison.Ordinal));
        Assert.Contains(" test-operator ", row);
        Assert.Contains(" start heap pid 4242 ", row);
        Assert.Equal("refused", row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^5]);
        Assert.EndsWith("  process 4242 not found", row);
    }

    [Fact]
    public async Task No_wait_prints_sent_at_once_and_the_answer_is_listed_later_by_id()
    {
        var r = await RunAsync("trigger", "--service", Service, "--host", SeededPlatform.Host, "--kind", "cpu", "--seconds", "5", "--no-wait");

        Assert.True(r.ExitCode == 0, r.ToString());
        var id = r.Out.Trim();
        Assert.Contains($"sent: cpu profile of every process of {Service} on {SeededPlatform.Host} for 5 s", r.Error);
        var message = await platform.Agent.ReceiveAsync();
        Assert.Equal(id, message.Command.Id);
        var before = await RunAsync("commands", "--service", Service, "--host", SeededPlatform.Host, "--id", id);
        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.Equal(2, before.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(["sent", "-"], Row(before.Out, 1)[^2..]);

        await AnswerAsync(id, accepted: true, "profiling cpu on every target (1) for 5 s");

        var after = await Eventually.Until(() => RunAsync("commands", "--service", Service, "--host", SeededPlatform.Host, "--id", id),
            r => !r.Out.Contains(" sent "), TestTimeouts.Convergence, "the agent's answer is listed");
        Assert.Equal(["accepted", "profiling", "cpu", "on", "every", "target", "(1)", "for", "5", "s"], Row(after.Out, 1)[^10..]);
    }

    [Fact]
    public async Task An_unknown_command_id_exits_2_and_wait_with_no_wait_is_a_usage_error()
    {
        var unknown = await RunAsync("commands", "--service", Service, "--host", SeededPlatform.Host, "--id", "nosuch");
        var both = await RunAsync("trigger", "--service", Service, "--host", SeededPlatform.Host, "--wait", "3", "--no-wait");

        Assert.True(unknown.ExitCode == ExitCodes.NotFound, unknown.ToString());
        Assert.Contains($"host '{SeededPlatform.Host}' has no command 'nosuch' among its last 50", unknown.Error);
        Assert.True(both.ExitCode == ExitCodes.Usage, both.ToString());
        Assert.Contains("--wait and --no-wait exclude each other", both.Error);
    }

    /// <summary>Long enough for a slow machine; the command returns as soon as the answer arrives.</summary>
    private static readonly string Wait = ((int)TestTimeouts.Convergence.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    private Task AnswerAsync(string id, bool accepted, string message) =>
        platform.Agent.SendAsync(new AgentMessage { CommandResult = new CommandResult { Id = id, Accepted = accepted, Message = message } });

    [Fact]
    public async Task Unknown_service_exits_2_with_a_message_naming_it()
    {
        var profile = await RunAsync("profile", "--service", "nosuch", "--since", "1h");
        var hosts = await RunAsync("hosts", "--service", "nosuch");

        foreach (var r in new[] { profile, hosts })
        {
            Assert.True(r.ExitCode == ExitCodes.NotFound, r.ToString());
            Assert.Equal($"fleetprofiler: unknown service 'nosuch' (gateway {platform.GatewayUrl})", r.Error.Trim());
        }
    }

    [Fact]
    public async Task Unknown_host_and_an_empty_range_exit_2()
    {
        var host = await RunAsync("top", "--service", Service, "--host", "h9", "--since", "1h");
        var empty = await RunAsync("profile", "--service", Service, "--from", "2020-01-01T00:00:00Z", "--to", "2020-01-02T00:00:00Z");

        Assert.True(host.ExitCode == ExitCodes.NotFound, host.ToString());
        Assert.Contains("has no host 'h9'", host.Error);
        Assert.True(empty.ExitCode == ExitCodes.NotFound, empty.ToString());
        Assert.Contains("no profile data for 'checkout'", empty.Error);
    }

    [Fact]
    public async Task Inverted_from_and_to_is_a_usage_error_saying_so()
    {
        var r = await RunAsync("profile", "--service", Service, "--from", "2026-05-02T00:00:00Z", "--to", "2026-05-01T00:00:00Z");

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.StartsWith("fleetprofiler: --from (2026-05-02T00:00:00Z) must be before --to (2026-05-01T00:00:00Z)", r.Error);
        Assert.Empty(r.Out);
    }

    [Fact]
    public async Task An_argument_the_gateway_rejects_exits_3_with_its_reason()
    {
        // The CLI passes service names through; the gateway refuses one with a '/' (host keys are service/host).
        var r = await RunAsync("profile", "--service", "api/extra", "--since", "1h");

        Assert.True(r.ExitCode == ExitCodes.InvalidArgument, r.ToString());
        Assert.StartsWith("fleetprofiler: the gateway rejected the request: selector.service: may not contain '/'", r.Error);
        Assert.Contains(platform.GatewayUrl, r.Error);
    }

    [Fact]
    public async Task Triggering_a_host_that_never_reported_exits_2()
    {
        var r = await RunAsync("trigger", "--service", Service, "--host", "h9");

        Assert.True(r.ExitCode == ExitCodes.NotFound, r.ToString());
        Assert.Contains("no agent ever reported host 'h9'", r.Error);
    }
}
