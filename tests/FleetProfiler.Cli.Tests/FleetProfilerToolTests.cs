namespace FleetProfiler.Cli.Tests;

/// <summary>The tool's own answers, before any call: help, unknown commands, usage errors, refusals.</summary>
public sealed class FleetProfilerToolTests
{
    [Fact]
    public async Task Help_lists_every_command_and_the_exit_codes()
    {
        var r = await Tool.RunAsync("--help");

        Assert.Equal(0, r.ExitCode);
        foreach (var command in new[] { "profile", "top", "diff", "services", "hosts", "trigger", "status" })
            Assert.Contains($"  {command} ", r.Out);
        Assert.Contains("Exit codes:", r.Out);
        Assert.Contains("4  the gateway is unreachable", r.Out);
        Assert.Contains(" 64  usage error", r.Out);   // the shared table: usage is 64 in every binary
    }

    [Theory]
    [InlineData("profile")]
    [InlineData("top")]
    [InlineData("diff")]
    [InlineData("hosts")]
    [InlineData("trigger")]
    public async Task Each_command_has_help_with_its_options_and_the_exit_codes(string command)
    {
        var r = await Tool.RunAsync(command, "--help");

        Assert.Equal(0, r.ExitCode);
        Assert.StartsWith($"Usage: fleetprofiler {command}", r.Out);
        Assert.Contains("--gateway URL", r.Out);
        Assert.Contains("Exit codes:", r.Out);
    }

    [Fact]
    public async Task No_arguments_print_help_to_stderr_and_exit_1()
    {
        var r = await Tool.RunAsync();

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("Usage: fleetprofiler <command>", r.Error);
    }

    [Fact]
    public async Task An_unknown_command_exits_1_listing_the_commands()
    {
        var r = await Tool.RunAsync("flamegraph");

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.StartsWith("fleetprofiler: unknown command 'flamegraph' (commands: profile, top, diff", r.Error);
    }

    [Theory]
    [InlineData(new[] { "profile", "--since", "1h" }, "--service is required")]
    [InlineData(new[] { "profile", "--service", "a", "--since", "90" }, "--since: '90' is not a duration")]
    [InlineData(new[] { "profile", "--service", "a", "--format", "png" }, "--format: unknown value 'png' (tree, flame, folded, pprof, speedscope, svg)")]
    [InlineData(new[] { "top", "--service", "a", "--kind", "gc" }, "--kind: unknown value 'gc' (cpu, wall, alloc, inuse)")]
    [InlineData(new[] { "top", "--service", "a", "--order", "name" }, "--order: unknown value 'name' (self, total)")]
    [InlineData(new[] { "trigger", "--service", "a", "--host", "h", "--seconds", "601" }, "--seconds: '601' is not a whole number between 1 and 600")]
    [InlineData(new[] { "hosts", "--service", "a", "--timeout", "soon" }, "--timeout: 'soon' is not a duration")]
    [InlineData(new[] { "services", "--gateway", "gw:5150" }, "--gateway: 'gw:5150' is not a gateway URL")]
    public async Task Usage_errors_exit_1_with_one_line_naming_the_option(string[] args, string message)
    {
        var r = await Tool.RunAsync(args);

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.StartsWith("fleetprofiler: " + message, r.Error);
        Assert.Equal(1, r.Error.Count(c => c == '\n'));
        Assert.Contains($"see 'fleetprofiler {args[0]} --help'", r.Error);
    }

    [Fact]
    public async Task Pprof_refuses_a_terminal_stdout_before_calling_the_gateway()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        // The gateway is a closed port: reaching it would exit 4, so exit 1 shows no call was made.
        var console = new ToolConsole(output, error) { IsOutputTerminal = true };

        var code = await FleetProfilerTool.RunAsync(["profile", "--service", "a", "--format", "pprof", "--gateway", "http://127.0.0.1:1"], console);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("fleetprofiler: pprof is binary and stdout is a terminal: write it to a file with -o FILE", error.ToString());
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task An_output_file_in_a_missing_directory_is_refused_before_calling()
    {
        var r = await Tool.RunAsync("profile", "--service", "a", "-o", "/nonexistent-dir-fp/cpu.svg", "--gateway", "http://127.0.0.1:1");

        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.StartsWith("fleetprofiler: -o: directory '/nonexistent-dir-fp' does not exist", r.Error);
    }
}
