using FleetProfiler.Agent.Upload;

namespace FleetProfiler.Agent.Tests.Upload;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Delays_double_from_the_minimum_to_the_cap_with_half_of_each_random()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(5), new Random(7));

        var delays = Enumerable.Range(0, 12).Select(_ => backoff.Next().TotalSeconds).ToList();

        for (var i = 0; i < delays.Count; i++)
        {
            var ceiling = Math.Min(60, Math.Pow(2, i));
            Assert.InRange(delays[i], ceiling / 2, ceiling);
        }
        // Jitter: two agents that failed together do not retry together.
        var other = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(5), new Random(8));
        Assert.NotEqual(delays, Enumerable.Range(0, 12).Select(_ => other.Next().TotalSeconds));
    }

    [Fact]
    public void A_connected_stream_resets_the_backoff_and_a_refused_token_waits_long()
    {
        var backoff = new ReconnectBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), TimeSpan.FromMinutes(5), new Random(1));
        for (var i = 0; i < 8; i++)
        {
            backoff.Next();
        }

        backoff.Reset();

        Assert.InRange(backoff.Next().TotalSeconds, 0.5, 1);
        Assert.InRange(backoff.NextAfterAuthFailure().TotalSeconds, 240, 360);
    }
}
