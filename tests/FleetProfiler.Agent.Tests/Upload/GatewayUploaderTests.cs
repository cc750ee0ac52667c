using System.Globalization;
using System.Text.RegularExpressions;
using FleetProfiler.Agent.Spool;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using static FleetProfiler.Agent.Tests.Infrastructure.TestWindows;

namespace FleetProfiler.Agent.Tests.Upload;

/// <summary>
/// The real agent daemon against a scripted in-process gateway: what it sends, in which order, what it keeps.
/// The spool is filled beforehand (as a previous run of the agent would have left it); no target is profiled here.
/// </summary>
public sealed class GatewayUploaderTests : IDisposable
{
    private static readonly TimeSpan Deadline = TestTimeouts.Convergence;
    private readonly TempDirectory _dir = new();

    private string SpoolPath => _dir.Combine("spool");

    public void Dispose() => _dir.Dispose();

    private IReadOnlyList<Batch> FillSpool(int count)
    {
        var spool = new WindowSpool(SpoolPath, 64 << 20, 1000, NullLogger.Instance);
        return Enumerable.Range(0, count).Select(i =>
        {
            var batch = Batch(i + 2);
            spool.Add(batch);
            return batch;
        }).ToList();
    }

    private WindowSpool Reopen() => new(SpoolPath, 64 << 20, 1000, NullLogger.Instance);

    /// <summary>Sequences in the spool directory, read without touching it (the agent owns it while it runs).</summary>
    private IReadOnlyList<ulong> Spooled() =>
        Directory.EnumerateFiles(SpoolPath, "*" + WindowSpool.BatchExtension)
            .Select(f => ulong.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture)).Order().ToList();

    [Fact]
    public async Task Spooled_batches_go_out_in_sequence_order_and_leave_the_spool_only_when_acked_or_rejected()
    {
        var spooled = FillSpool(4);
        await using var gateway = await FakeGateway.StartAsync();
        gateway.OnBatch = (b, _) => b.Sequence switch
        {
            2 => FakeGateway.Ack(2, duplicate: true),
            3 => null, // never answered: must stay
            4 => FakeGateway.Reject(4, "strings[3] is longer than max_string_length (4096)"),
            _ => FakeGateway.Ack(b.Sequence),
        };
        await using var agent = await AgentDaemon.StartAsync(SpoolPath, gateway.Url, new Dictionary<string, string> { ["Signals"] = "false" });

        await agent.WaitForLineAsync("Gateway rejected batch 4", Deadline);
        await agent.WaitForLineAsync(l => l.Contains("Gateway acked batch 2 (a duplicate"), "duplicate ack of 2", Deadline);

        Assert.Equal([1ul, 2ul, 3ul, 4ul], gateway.Batches.Select(b => b.Sequence));
        Assert.Equal(spooled, gateway.Batches);
        Assert.Contains("strings[3] is longer than max_string_length (4096); dropped it from the spool", agent.Lines("Gateway rejected batch 4").Single());
        var hello = Assert.Single(gateway.Hellos);
        Assert.Equal((AgentDaemon.AgentId, AgentDaemon.Host), (hello.AgentId, hello.Host));
        // The key travels as bearer metadata, where the gateway authenticates it, and nowhere else.
        Assert.Equal("Bearer " + AgentDaemon.Token, Assert.Single(gateway.Authorizations));
        Assert.Equal("", hello.Token);
        Assert.False(string.IsNullOrEmpty(hello.AgentVersion));
        await agent.DisposeAsync();
        Assert.Equal([3ul], Reopen().PendingSequences);
    }

    [Fact]
    public async Task A_gateway_that_is_down_or_breaks_the_stream_gets_every_unacked_batch_again_in_order()
    {
        FillSpool(3);
        var port = FreePorts.Take(1)[0];
        await using var agent = await AgentDaemon.StartAsync(SpoolPath, $"http://127.0.0.1:{port}", new Dictionary<string, string> { ["Signals"] = "false" });
        await agent.WaitForLineAsync("unavailable", Deadline);

        // The gateway comes up, takes three batches without acking, and crashes the stream.
        await using var gateway = await FakeGateway.StartAsync(port);
        gateway.OnBatch = (b, index) => index < 3 ? null : FakeGateway.Ack(b.Sequence);
        gateway.BreakAfterBatches = 3;

        await Eventually.Until(() => Spooled().Count == 0 && gateway.Batches.Count == 6, Deadline, "all batches acked after the reconnect");
        Assert.Equal([1ul, 2ul, 3ul, 1ul, 2ul, 3ul], gateway.Batches.Select(b => b.Sequence));
        Assert.Equal(2, gateway.Connections);
        Assert.Contains(agent.Lines("unavailable"), l => l.Contains("reconnecting in"));
        // The log is written asynchronously: wait for the line rather than race it.
        await agent.WaitForLineAsync(_ => agent.Lines("Connected to gateway").Count == 2, "the second 'Connected to gateway'", Deadline);
    }

    [Theory]
    [InlineData(StatusCode.Unauthenticated)]
    [InlineData(StatusCode.PermissionDenied)]
    public async Task A_refused_token_is_one_clear_line_and_the_retry_waits_minutes_not_seconds(StatusCode refusal)
    {
        FillSpool(1);
        await using var gateway = await FakeGateway.StartAsync();
        gateway.OnHello = _ => refusal;
        await using var agent = await AgentDaemon.StartAsync(SpoolPath, gateway.Url, new Dictionary<string, string> { ["Signals"] = "false" });

        var line = await agent.WaitForLineAsync("refused this agent", Deadline);

        Assert.Contains(refusal.ToString(), line);
        Assert.Contains("Agent:Token", line);
        var retry = double.Parse(Regex.Match(line, @"retrying in (\d+) s").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(retry, 240, 360); // Agent:AuthFailureRetrySeconds 300 ± 20 %
        Assert.Single(agent.Lines("refused this agent"));
        Assert.Equal([1ul], Spooled());
    }

    [Fact]
    public async Task A_batch_over_the_announced_limit_is_split_and_every_part_fits()
    {
        var spool = new WindowSpool(SpoolPath, 64 << 20, 1000, NullLogger.Instance);
        var big = BatchBuilder.FromWindow(Large(300), "test-host", BatchLimits.ProtocolDefaults);
        spool.Add(big);
        var expected = Decode(big).OrderBy(s => s.Stack).ToList();
        await using var gateway = await FakeGateway.StartAsync();
        gateway.Limits.MaxBatchBytes = 16 * 1024;
        await using var agent = await AgentDaemon.StartAsync(SpoolPath, gateway.Url, new Dictionary<string, string> { ["Signals"] = "false" });

        await Eventually.Until(() => Spooled().Count == 0 && gateway.Batches.Count > 1, Deadline, "split parts acked");

        var line = await agent.WaitForLineAsync("over the gateway's limits", Deadline);
        Assert.Contains("Batch 1 is over the gateway's limits", line);
        Assert.Single(agent.Lines("over the gateway's limits"));
        Assert.DoesNotContain(gateway.Batches, b => b.Sequence == 1);
        Assert.All(gateway.Batches, b => Assert.True(b.CalculateSize() <= 16 * 1024, $"batch {b.Sequence}: {b.CalculateSize()} bytes"));
        Assert.Equal(expected, gateway.Batches.SelectMany(Decode).OrderBy(s => s.Stack));
    }
}
