namespace FleetProfiler.Cli.Tests.Output;

public sealed class ProgressTests
{
    [Fact]
    public async Task A_terminal_sees_a_spinner_that_is_erased_when_the_call_ends()
    {
        var error = new StringWriter();
        var console = new ToolConsole(TextWriter.Null, error) { IsErrorTerminal = true };
        var call = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var shown = Progress.WhileRunning(console, "exporting", call.Task);
        call.SetResult(7);

        Assert.Equal(7, await shown);
        var text = error.ToString();
        Assert.StartsWith("\r| exporting 0.", text);
        Assert.EndsWith("\r", text);
        Assert.Matches(@"\r +\r$", text);
    }

    [Fact]
    public async Task A_redirected_stderr_gets_nothing()
    {
        var error = new StringWriter();
        var call = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var shown = Progress.WhileRunning(new ToolConsole(TextWriter.Null, error), "exporting", call.Task);
        call.SetResult(1);

        Assert.Equal(1, await shown);
        Assert.Empty(error.ToString());
    }
}
