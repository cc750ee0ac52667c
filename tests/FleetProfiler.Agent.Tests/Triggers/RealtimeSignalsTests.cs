using FleetProfiler.Agent.Triggers;

namespace FleetProfiler.Agent.Tests.Triggers;

public sealed class RealtimeSignalsTests
{
    [Fact]
    public async Task SIGRTMIN_is_the_C_librarys_value_as_the_shell_sees_it()
    {
        // bash's kill builtin resolves SIGRTMIN through the same C library call.
        await using var shell = ChildProcess.Start("bash", "bash", ["-c", "kill -l SIGRTMIN; kill -l SIGRTMAX"]);
        Assert.Equal(0, await shell.WaitForExitAsync());

        Assert.Equal([RealtimeSignals.Min.ToString(), RealtimeSignals.Max.ToString()], shell.StdoutLines.Select(l => l.Trim()));
        Assert.Equal(RealtimeSignals.GlibcSigRtMin, RealtimeSignals.Min); // this machine: glibc on Linux
        Assert.Contains("__libc_current_sigrtmin", RealtimeSignals.Source);
    }

    [Theory]
    [InlineData(1, 34, 35, 36)]
    [InlineData(0, 34, 34, 35)]
    [InlineData(5, 35, 40, 41)] // musl reserves one more
    public void Offset_N_means_SIGRTMIN_plus_N_to_start_and_plus_N_plus_1_to_stop(int offset, int rtMin, int start, int stop) =>
        Assert.Equal((start, stop), RealtimeSignals.ForOffset(offset, rtMin));

    [Theory]
    [InlineData(-1, false)]
    [InlineData(0, true)]
    [InlineData(29, true)]  // 34 + 29 + 1 = 64 = SIGRTMAX
    [InlineData(30, false)]
    public void Both_signals_must_be_real_time_signals(int offset, bool valid) =>
        Assert.Equal(valid, RealtimeSignals.IsValidOffset(offset, 34, 64, out _));

    [Fact]
    public void Signals_are_named_as_kill_accepts_them() =>
        Assert.Equal("SIGRTMIN+1 (35)", RealtimeSignals.Describe(35, 34));
}
