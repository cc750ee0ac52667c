using System.Text.Json;
using FleetProfiler.Protocol;
using FleetProfiler.Protocol.V1;
using FleetProfiler.Tests.Silo;
using Grpc.Core;

namespace FleetProfiler.Tests.Security;

/// <summary>
/// Keys over their life in a platform of its own: added to and revoked from the watched keys file without a restart,
/// a silent stream cut at the hello deadline, and settings the gateway refuses to start with.
/// </summary>
public sealed class KeyLifecycleTests
{
    private static readonly TimeSpan ReloadDeadline = TimeSpan.FromSeconds(30);

    private static void WriteKeysFile(string path, params (string Name, string Role, string Key)[] keys)
    {
        var json = JsonSerializer.Serialize(new { Keys = keys.Select(k => new { k.Name, k.Role, Sha256 = ApiKeys.Hash(k.Key) }) });
        File.WriteAllText(path + ".tmp", json);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static async Task<StatusCode> StatusAsync(PlatformFixture platform, string key)
    {
        using var channel = TestKeys.Channel(platform.GrpcUrl, key);
        try
        {
            await new FleetProfiler.Protocol.V1.Query.QueryClient(channel).ListServicesAsync(new ListServicesRequest());
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    [Fact]
    public async Task A_key_added_to_the_keys_file_works_and_a_revoked_one_is_unauthenticated_without_a_restart()
    {
        using var dir = new TempDirectory("keys");
        var file = dir.Combine("keys.json");
        var alice = ApiKeys.Generate();
        var bob = ApiKeys.Generate();
        WriteKeysFile(file, ("alice", ApiKeys.Reader, alice));
        await using var platform = await PlatformFixture.StartAsync(new Dictionary<string, string> { ["Auth:KeysFile"] = file });
        var pid = platform.Silo.Pid;

        Assert.Equal(StatusCode.OK, await StatusAsync(platform, alice));
        Assert.Equal(StatusCode.Unauthenticated, await StatusAsync(platform, bob));

        WriteKeysFile(file, ("bob", ApiKeys.Reader, bob));
        await Eventually.Until(() => StatusAsync(platform, bob), s => s == StatusCode.OK, ReloadDeadline, "bob's new key accepted");
        Assert.Equal(StatusCode.Unauthenticated, await StatusAsync(platform, alice));

        // A broken file is refused with a log line; the keys in force stay in force.
        File.WriteAllText(file, "{ not json");
        await platform.Silo.Process.WaitForLineAsync("API keys not reloaded", ReloadDeadline);
        Assert.Equal(StatusCode.OK, await StatusAsync(platform, bob));
        Assert.Equal(pid, platform.Silo.Pid);
    }

    [Fact]
    public async Task A_stream_that_sends_no_hello_is_ended_at_the_hello_deadline()
    {
        await using var platform = await PlatformFixture.StartAsync(new Dictionary<string, string> { ["Ingest:HelloTimeout"] = "00:00:01" });
        await using var agent = AgentStream.Open(platform.Channel, PlatformFixture.TokenA);
        var e = await agent.ExpectEndAsync();
        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Contains("HelloTimeout", e.Status.Detail);
    }

    [Theory]
    [InlineData("Auth:Keys:0:Sha256", "not-a-hash", "FleetProfiler:Auth:Keys:0:Sha256")]
    [InlineData("Auth:Keys:0:Role", "admin", "FleetProfiler:Auth:Keys:0:Role")]
    [InlineData("Ingest:Agents:0:Token", "a-plain-token-0123456789", "FleetProfiler:Ingest:Agents")]
    [InlineData("Auth:KeysFile", "/nonexistent/keys.json", "FleetProfiler:Auth:KeysFile")]
    public async Task The_platform_refuses_to_start_with_a_bad_key_setting_and_names_it(string key, string value, string named)
    {
        using var dir = new TempDirectory("badkey");
        var ports = FreePorts.Take(4);
        var settings = SingleNodeModeTests.SingleNodeSettings("badkey", ports[2], ports[3]);
        settings["Auth:Keys:0:Name"] = "someone";
        settings["Auth:Keys:0:Role"] = ApiKeys.Reader;
        settings["Auth:Keys:0:Sha256"] = ApiKeys.Hash("fpk_whatever");
        settings[key] = value;
        await using var silo = SiloProcess.Start(dir.Path, settings, ports[0], ports[1]);
        Assert.Equal(ExitCodes.Usage, await silo.WaitExitAsync());
        Assert.Contains(named, silo.Output);
    }
}
