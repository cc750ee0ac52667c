using FleetProfiler.Grains.Storage;
using FleetProfiler.Profiles;
using Microsoft.Extensions.Logging;

namespace FleetProfiler.Tests.Storage;

public sealed class ServiceFramesTests
{
    [Fact]
    public void A_full_dictionary_takes_no_more_frames_and_its_fallbacks_are_counted_and_logged_once_per_service()
    {
        var log = new ListLogger<ServiceFrames>();
        var frames = new ServiceFrames(maxPerService: 10, maxCachedFrames: 1000, log);
        Assert.True(frames.Fits(6, 4));
        Assert.False(frames.Fits(6, 5));
        frames.CountFallback("a", 9, 3);
        frames.CountFallback("a", 9, 1);
        frames.CountFallback("b", 10, 2);
        Assert.Equal(3, frames.Fallbacks);
        var warnings = log.At(LogLevel.Warning).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains("service a is full (9 frames, cap 10", warnings[0]);
        Assert.Contains("service b", warnings[1]);
        Assert.False(new ServiceFrames(maxPerService: 0).Fits(0, 1));   // 0 turns the dictionary off
    }

    [Fact]
    public void The_cache_starts_over_past_its_bound_and_a_dictionary_in_hand_stays_whole()
    {
        var frames = new ServiceFrames(maxPerService: 1000, maxCachedFrames: 5);
        var a = frames.Of("a");
        frames.Append(a, 0, [new Frame("a0"), new Frame("a1"), new Frame("a2")]);
        Assert.Same(a, frames.Of("a"));
        var b = frames.Of("b");
        frames.Append(b, 0, [new Frame("b0"), new Frame("b1"), new Frame("b2")]);   // 6 cached > 5: starts over
        Assert.NotSame(a, frames.Of("a"));
        Assert.Equal(0, frames.Of("a").Count);
        Assert.Equal(3, a.Count);
        Assert.Equal(new Frame("b2"), b[2]);
    }
}
