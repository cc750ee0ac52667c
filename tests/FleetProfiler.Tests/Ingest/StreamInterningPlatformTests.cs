using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace FleetProfiler.Tests.Ingest;

/// <summary>Interned streams into the real platform process: the store sees what self-contained batches give it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class StreamInterningPlatformTests(PlatformFixture platform)
{
    [Fact]
    public async Task Interned_windows_are_much_smaller_on_the_wire_and_stored_like_self_contained_ones()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (plain, interned) = ("plain-" + suffix, "interned-" + suffix);
        var first = (ulong)Random.Shared.NextInt64(1, long.MaxValue / 4);
        var (agent, welcome) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, plain, interned);
        await using var _ = agent;
        Assert.Equal(BatchLimitDefaults.MaxDictionaryBytes, welcome.Limits.MaxDictionaryBytes);
        var encoder = new StreamInterner(welcome.Limits.MaxDictionaryBytes);

        var sizes = new List<(int Plain, int Interned)>();
        for (var k = 0; k < 3; k++)
        {
            var window = StreamInterningTests.Window(first + (ulong)k, plain, k);
            await agent.SendAckedAsync(window);
            var wire = encoder.Encode(StreamInterningTests.Window(first + 10 + (ulong)k, interned, k));
            Assert.NotNull(wire.Interning);
            await agent.SendAckedAsync(wire);
            sizes.Add((window.CalculateSize(), wire.CalculateSize()));
        }

        // The first window carries its whole dictionary; the later ones their few new entries and the samples.
        Assert.InRange(sizes[0].Interned, sizes[0].Plain * 9 / 10, sizes[0].Plain * 11 / 10);
        foreach (var (full, sent) in sizes.Skip(1)) Assert.True(sent * 3 < full, $"interned {sent} bytes, self-contained {full}");
        Assert.Equal(await FoldedWithLocationsAsync(platform, plain), await FoldedWithLocationsAsync(platform, interned));
    }

    /// <summary>The service's cpu profile as folded text with every frame's file and line.</summary>
    internal static async Task<string> FoldedWithLocationsAsync(PlatformFixture platform, string service)
    {
        var reply = await new FleetProfiler.Protocol.V1.Query.QueryClient(platform.Channel).GetProfileAsync(new GetProfileRequest
        {
            Selector = new Selector { Service = service },
            From = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddDays(-1)),
            To = Timestamp.FromDateTimeOffset(TestBatches.Epoch.AddDays(1)),
            Kind = "cpu",
            Format = "folded",
        });
        var text = reply.Data.ToStringUtf8();
        Assert.NotEmpty(text);
        return text;
    }
}

/// <summary>The platform restarts under an interned stream: the dictionary goes with the stream, the windows are stored once.</summary>
public sealed class StreamInterningRestartTests
{
    [Fact]
    public async Task After_a_gateway_restart_a_new_stream_starts_a_new_dictionary_and_every_window_is_stored_once()
    {
        // Batch 3 is stored but its ack never sent: the platform is killed in between, deterministically.
        await using var platform = await PlatformFixture.StartAsync(new Dictionary<string, string> { ["Ingest:WithholdAckOfSequence"] = "3" });
        const string service = "interned", control = "control";
        var windows = Enumerable.Range(1, 5).Select(k => StreamInterningTests.Window((ulong)k, service, k)).ToArray();

        var (agent, welcome) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service, control);
        var encoder = new StreamInterner(welcome.Limits.MaxDictionaryBytes);
        for (var i = 0; i < 2; i++) await agent.SendAckedAsync(encoder.Encode(windows[i]));
        var third = encoder.Encode(windows[2]);
        Assert.NotEqual(0u, third.Interning.StringsBase);
        await agent.SendAsync(third.Message());
        await platform.Silo.Process.WaitForLineAsync("Batch 3 of agent agent-a is stored; its ack is withheld", TestTimeouts.Step);
        await platform.KillAsync();
        await agent.DisposeAsync();

        platform.Overrides.Clear();
        await platform.RestartAsync();

        // The agent's spool still holds 3, 4 and 5 self-contained; the new stream interns them afresh.
        var (again, welcomeAgain) = await AgentStream.ConnectAsync(platform.Channel, "agent-a", "host-a", PlatformFixture.TokenA, service, control);
        await using var _ = again;
        var fresh = new StreamInterner(welcomeAgain.Limits.MaxDictionaryBytes);
        var replies = new List<BatchAck>();
        var bases = new List<Interning>();
        foreach (var window in windows[2..])
        {
            var wire = fresh.Encode(window);
            bases.Add(wire.Interning);
            replies.Add((await again.SendBatchAsync(wire)).Ack);
        }
        Assert.Equal(new Interning(), bases[0]);
        Assert.All(bases.Skip(1), b => Assert.NotEqual(0u, b.StringsBase));
        Assert.Equal([true, false, false], replies.Select(r => r.Duplicate));

        // The same windows sent self-contained to another service are the reference.
        foreach (var window in windows)
        {
            var copy = window.Clone();
            copy.Service = control;
            copy.Sequence += 100;
            await again.SendAckedAsync(copy);
        }
        Assert.Equal(await StreamInterningPlatformTests.FoldedWithLocationsAsync(platform, control),
            await StreamInterningPlatformTests.FoldedWithLocationsAsync(platform, service));
    }
}
