using FleetProfiler.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Data.Sqlite;

namespace FleetProfiler.Tests.Profiles;

/// <summary>
/// The rollup as it runs in production: a real silo process, its own timer, its own SQLite profile store. The timer
/// tests never call Compact: buckets, watermark and retention must come from the timer-driven runs alone.
/// </summary>
public sealed class RollupThroughSiloTests
{
    private const string Token = "token-rollup-0123456789abcdef";
    private static readonly TimeSpan RollupDeadline = TimeSpan.FromSeconds(60);

    private sealed class Platform(TempDirectory dir, SiloProcess silo, int grpcPort, int httpPort) : IAsyncDisposable
    {
        public SiloProcess Silo => silo;
        public GrpcChannel Channel { get; } = TestKeys.Channel($"http://127.0.0.1:{grpcPort}");
        public int HttpPort => httpPort;
        public string ProfilesDb => Path.Combine(dir.Path, "data", "profiles.db");

        public static async Task<Platform> StartAsync(IReadOnlyDictionary<string, string>? extra = null)
        {
            var ports = FreePorts.Take(4);
            var settings = new Dictionary<string, string>
            {
                ["Mode"] = "single-node",
                ["ClusterId"] = "rollup",
                ["ServiceId"] = "rollup",
                ["DataDirectory"] = "data",
                ["Dashboard:Enabled"] = "false",
                ["Gateway:GrpcPort"] = ports[2].ToString(),
                ["Gateway:HttpPort"] = ports[3].ToString(),
                // A fast timer, so that the test waits seconds; raw windows expire after an hour.
                ["Profiles:RollupPeriod"] = "00:00:01",
                ["Profiles:WindowRetention"] = "01:00:00",
            };
            foreach (var (key, value) in TestKeys.AgentSettings([new AgentCredential("agent-r", "host-r", Token)]).Concat(extra ?? new Dictionary<string, string>()))
            {
                settings[key] = value;
            }
            var dir = new TempDirectory();
            var silo = SiloProcess.Start(dir.Path, settings, ports[0], ports[1]);
            try { await silo.WaitReadyAsync(); }
            catch
            {
                await silo.DisposeAsync();
                dir.Dispose();
                throw;
            }
            return new Platform(dir, silo, ports[2], ports[3]);
        }

        public Task<StatusReply> StatusAsync() => new Status.StatusClient(Channel).GetStatusAsync(new GetStatusRequest()).ResponseAsync;

        public async ValueTask DisposeAsync()
        {
            Channel.Dispose();
            await silo.DisposeAsync();
            dir.Dispose();
        }
    }

    [Fact]
    public async Task The_timer_driven_rollup_fills_every_level_moves_the_watermark_deletes_expired_windows_and_serves_24h_from_buckets()
    {
        await using var platform = await Platform.StartAsync();
        var now = DateTimeOffset.UtcNow;
        var minute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        // Six windows three hours ago (past the one-hour raw retention) and three twenty minutes ago (within it).
        var old = Enumerable.Range(0, 6).Select(i => minute.AddHours(-3).AddSeconds(10 * i)).ToList();
        var recent = Enumerable.Range(0, 3).Select(i => minute.AddMinutes(-20).AddSeconds(10 * i)).ToList();
        var starts = old.Concat(recent).ToList();

        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-r", "host-r", Token, "api");
        await using (agent)
        {
            for (var i = 0; i < starts.Count; i++)
            {
                var reply = await agent.SendBatchAsync(TestBatches.Cpu((ulong)i + 1, "api", "host-r", starts[i], ("main;work", 7), ("main;idle", 3)));
                Assert.Equal(GatewayMessage.BodyOneofCase.Ack, reply.BodyCase);
            }
        }

        var status = await Eventually.Until(platform.StatusAsync,
            s => s.Rollup.Watermark == starts.Count && s.Rollup.ExpiredRowsDeleted >= old.Count, RollupDeadline,
            "the timer-driven rollup compacts every window and deletes the expired ones");
        Assert.True(status.Rollup.Healthy);
        Assert.Equal(0, status.Rollup.ConsecutiveFailures);
        Assert.Equal(starts.Count, status.Rollup.WindowsCompacted);

        await using (var db = new SqliteConnection($"Data Source={platform.ProfilesDb};Mode=ReadOnly"))
        {
            await db.OpenAsync();
            Assert.Equal(starts.Count, await ScalarAsync(db, "SELECT watermark FROM profile_rollup WHERE id = 1"));
            Assert.Equal(0, await ScalarAsync(db, "SELECT count(*) FROM profile_rollup_queue"));
            // Raw rows: only the recent windows are left.
            Assert.Equal(recent.Count, await ScalarAsync(db, "SELECT count(*) FROM profile_window"));
            Assert.Equal(recent.Min().ToUnixTimeMilliseconds(), await ScalarAsync(db, "SELECT min(window_start) FROM profile_window"));
            // Service buckets at each level, one per distinct minute, hour and day of the windows.
            Assert.Equal(Distinct(starts, TimeSpan.FromMinutes(1)), await ScalarAsync(db, "SELECT count(*) FROM profile_bucket WHERE level = 1 AND host = ''"));
            Assert.Equal(Distinct(starts, TimeSpan.FromHours(1)), await ScalarAsync(db, "SELECT count(*) FROM profile_bucket WHERE level = 2 AND host = ''"));
            Assert.Equal(Distinct(starts, TimeSpan.FromDays(1)), await ScalarAsync(db, "SELECT count(*) FROM profile_bucket WHERE level = 3 AND host = ''"));
            Assert.Equal(Distinct(starts, TimeSpan.FromHours(1)), await ScalarAsync(db, "SELECT count(*) FROM profile_bucket WHERE level = 2 AND host = 'host-r'"));
            // Every window is counted once across the hour buckets.
            Assert.Equal(starts.Count, await ScalarAsync(db, "SELECT sum(windows) FROM profile_bucket WHERE level = 2 AND host = ''"));
        }

        // The last 22 h: hour buckets only, the expired windows included, no raw window read. (Not 24 h: when the
        // whole-hour range starts at midnight it holds a whole day, which the plan reads from its one day bucket, and
        // the bucket count would depend on the time of day the test runs; QueryPlanTests pins that case.)
        var profile = await new FleetProfiler.Protocol.V1.Query.QueryClient(platform.Channel).GetProfileAsync(new GetProfileRequest
        {
            Selector = new Selector { Service = "api" },
            From = Timestamp.FromDateTimeOffset(now.AddHours(-22)),
            To = Timestamp.FromDateTimeOffset(now),
            Kind = "cpu",
            Format = "folded",
        });
        Assert.Equal(starts.Count, profile.Windows);
        Assert.Equal(starts.Count * 10L, profile.Total);
        Assert.Equal(0, profile.Coverage.RawWindowsRead);
        Assert.Equal(Distinct(starts, TimeSpan.FromHours(1)), profile.Coverage.BucketsRead);
        Assert.True(profile.Coverage.Widened, "a 22 h range snaps out to whole hours");

        // The silo logged no failure while doing it (the bug this test was written for logged one per tick).
        Assert.DoesNotContain("fail:", platform.Silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Rollup failed", platform.Silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_compaction_past_its_time_budget_answers_with_more_and_the_calls_that_follow_finish_the_queue()
    {
        // No timer run during the test (the first tick is an hour away); two windows per chunk; a budget of zero, spent
        // once the first chunk is in (not 1 ms: a fast chunk would leave room for a second, and the test would race).
        await using var platform = await Platform.StartAsync(new Dictionary<string, string>
        {
            ["Profiles:RollupPeriod"] = "01:00:00",
            ["Profiles:RollupChunk"] = "2",
            ["Profiles:RollupRunBudget"] = "00:00:00",
        });
        var minute = DateTimeOffset.UtcNow.AddMinutes(-10);
        var (agent, _) = await AgentStream.ConnectAsync(platform.Channel, "agent-r", "host-r", Token, "api");
        await using (agent)
        {
            for (var i = 0; i < 5; i++)
            {
                var reply = await agent.SendBatchAsync(TestBatches.Cpu((ulong)i + 1, "api", "host-r", minute.AddSeconds(10 * i), ("main;work", 7)));
                Assert.Equal(GatewayMessage.BodyOneofCase.Ack, reply.BodyCase);
            }
        }

        var status = new Status.StatusClient(platform.Channel);
        var replies = new List<CompactReply>();
        do replies.Add(await status.CompactAsync(new CompactRequest()));
        while (replies[^1].More && replies.Count < 10);

        // Each call past its budget commits one chunk and says more; the call that finds the queue empty does not.
        Assert.Equal([2, 2, 1, 0], replies.Select(r => r.Windows));
        Assert.Equal([true, true, true, false], replies.Select(r => r.More));
        Assert.Equal(5, replies[^1].Watermark);
        Assert.Equal(5, (await platform.StatusAsync()).Rollup.WindowsCompacted);
        Assert.DoesNotContain("fail:", platform.Silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rollup_that_keeps_failing_shows_in_the_status_api_and_both_health_checks()
    {
        await using var platform = await Platform.StartAsync();
        var health = new Health.HealthClient(platform.Channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);

        // Break the store under the running silo: every later run fails on the missing bucket table.
        await using (var db = new SqliteConnection($"Data Source={platform.ProfilesDb}"))
        {
            await db.OpenAsync();
            await using var drop = db.CreateCommand();
            drop.CommandText = "DROP TABLE profile_bucket";
            await drop.ExecuteNonQueryAsync();
        }

        var status = await Eventually.Until(platform.StatusAsync, s => !s.Rollup.Healthy, RollupDeadline, "the rollup reports itself unhealthy");
        Assert.True(status.Rollup.ConsecutiveFailures >= status.Rollup.FailureThreshold);
        Assert.Equal(3, status.Rollup.FailureThreshold);
        Assert.Contains("profile_bucket", status.Rollup.LastError, StringComparison.Ordinal);
        Assert.NotNull(status.Rollup.LastFailureAt);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest())).Status);
        using var http = TestKeys.Http(new Uri($"http://127.0.0.1:{platform.HttpPort}"));
        var healthz = await http.GetAsync("/healthz");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, healthz.StatusCode);
        var body = await healthz.Content.ReadAsStringAsync();
        Assert.Contains("rollup: rollup failed", body, StringComparison.Ordinal);
        Assert.Contains("profile_bucket", body, StringComparison.Ordinal);
        Assert.Contains("Rollup failed (", platform.Silo.Output, StringComparison.Ordinal);
    }

    private static int Distinct(IEnumerable<DateTimeOffset> starts, TimeSpan unit) =>
        starts.Select(s => s.UtcTicks / unit.Ticks).Distinct().Count();

    private static async Task<long> ScalarAsync(SqliteConnection db, string sql)
    {
        await using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
