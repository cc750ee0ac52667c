using FleetProfiler.Agent.Discovery;
using FleetProfiler.Agent.Sessions;

namespace FleetProfiler.Agent.Tests.Sessions;

/// <summary>Issue 10 item 4: the sessions' buffers in one target are counted against a per-target limit.</summary>
public sealed class TargetBuffersTests
{
    // Process ids no real target has here: the table is process-wide, so these tests keep to their own keys.
    private const int Target = -4242;
    private const int Other = -4343;

    [Fact]
    public void Sessions_beyond_the_per_target_limit_are_refused_with_the_reason_and_admitted_once_one_ends()
    {
        var limit = TargetBuffers.LimitMB;
        using var window = TargetBuffers.Reserve(Target, limit - 16, "window");
        var metrics = TargetBuffers.Reserve(Target, 16, "request metrics");

        var refused = Assert.Throws<TargetUnavailableException>(() => TargetBuffers.Reserve(Target, 32, "window"));
        Assert.Equal(Target, refused.ProcessId);
        Assert.Contains("MaxSessionBufferMBPerTarget", refused.Message);
        Assert.Contains($"already holds {limit} MB", refused.Message);
        using (TargetBuffers.Reserve(Other, 32, "window")) Assert.Equal(32, TargetBuffers.HeldMB(Other)); // another target has its own budget

        metrics.Dispose();
        metrics.Dispose(); // given back once
        Assert.Equal(limit - 16, TargetBuffers.HeldMB(Target));
        using var next = TargetBuffers.Reserve(Target, 16, "attribution");
        Assert.Equal(limit, TargetBuffers.HeldMB(Target));
        Assert.Equal(0, TargetBuffers.HeldMB(Other));
    }
}
