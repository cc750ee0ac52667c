using System.Text.Json;
using FleetProfiler.Protocol;

namespace FleetProfiler.Cli.Tests.Connection;

/// <summary>'keys new' and 'keys revoke' (offline), and the tool's refusal to send a key in clear off loopback.</summary>
public sealed class KeysAndTransportTests
{
    [Fact]
    public async Task Keys_new_prints_the_key_once_and_an_entry_holding_only_its_hash()
    {
        var r = await Tool.RunAsync("keys", "new", "--role", "reader", "--name", "alice");
        Assert.Equal(ExitCodes.Ok, r.ExitCode);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var key = Assert.Single(lines, l => l.StartsWith(ApiKeys.Prefix, StringComparison.Ordinal));
        var entry = JsonDocument.Parse(Assert.Single(lines, l => l.StartsWith('{'))).RootElement;
        Assert.Equal(("alice", "reader", ApiKeys.Hash(key)), (entry.GetProperty("Name").GetString(), entry.GetProperty("Role").GetString(), entry.GetProperty("Sha256").GetString()));
        Assert.DoesNotContain(key, lines.Single(l => l.StartsWith('{')));
        // 256 random bits, base64url: 43 characters after the prefix, and never the same twice.
        Assert.Equal(ApiKeys.Prefix.Length + 43, key.Length);
        var again = await Tool.RunAsync("keys", "new", "--role", "reader", "--name", "alice");
        Assert.DoesNotContain(key, again.Out);
    }

    [Fact]
    public async Task Keys_new_and_revoke_maintain_a_keys_file_and_an_agent_key_needs_host_and_services()
    {
        using var dir = new TempDirectory("keys-cli");
        var file = dir.Combine("keys.json");
        var keyFile = dir.Combine("agent.key");
        Assert.Equal(ExitCodes.Usage, (await Tool.RunAsync("keys", "new", "--role", "agent", "--name", "a1")).ExitCode);
        var made = await Tool.RunAsync("keys", "new", "--role", "agent", "--name", "a1", "--host", "web-*", "--services", "checkout, search",
            "--keys-file", file, "--key-out", keyFile);
        Assert.Equal(ExitCodes.Ok, made.ExitCode);
        Assert.Equal(ExitCodes.Ok, (await Tool.RunAsync("keys", "new", "--role", "operator", "--name", "ci", "--keys-file", file)).ExitCode);

        var key = File.ReadAllText(keyFile);
        Assert.DoesNotContain(key, made.Out);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        var keys = JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("Keys");
        Assert.Equal(2, keys.GetArrayLength());
        Assert.Equal(ApiKeys.Hash(key), keys[0].GetProperty("Sha256").GetString());
        Assert.Equal(["checkout", "search"], keys[0].GetProperty("Services").EnumerateArray().Select(s => s.GetString()));

        Assert.Equal(ExitCodes.Ok, (await Tool.RunAsync("keys", "revoke", "--name", "a1", "--keys-file", file)).ExitCode);
        var left = JsonDocument.Parse(File.ReadAllText(file)).RootElement.GetProperty("Keys");
        Assert.Equal("ci", Assert.Single(left.EnumerateArray()).GetProperty("Name").GetString());
        Assert.Equal(ExitCodes.NotFound, (await Tool.RunAsync("keys", "revoke", "--name", "a1", "--keys-file", file)).ExitCode);
    }

    [Fact]
    public async Task A_plaintext_gateway_off_loopback_is_refused_before_any_key_is_sent()
    {
        var r = await Tool.RunAsync("services", "--gateway", "http://10.20.30.40:5150");
        Assert.Equal(ExitCodes.Usage, r.ExitCode);
        Assert.Contains("not loopback", r.Error);
        Assert.Contains("--allow-insecure", r.Error);
    }
}
