using System.Text.Json;
using System.Text.Json.Nodes;
using FleetProfiler.Protocol;

namespace FleetProfiler.Cli.Commands;

/// <summary>
/// <c>fleetprofiler keys new</c>: a new API key, printed once, and the configuration entry that holds only its hash
/// (added to a keys file with <c>--keys-file</c>, which the gateway re-reads without a restart).
/// </summary>
public sealed class KeysNewCommand : ToolCommand
{
    public override string Name => "keys new";
    public override string Summary => "create an API key (agent, reader or operator); prints the key once and its hash line";
    public override bool NeedsGateway => false;

    public override string Help => """
        Usage: fleetprofiler keys new --role agent|reader|operator --name NAME [--host HOST --services S1,S2]
                                      [--keys-file FILE] [--key-out FILE]

        Generates a 256-bit key (fpk_...). The key is shown once and never stored by the gateway: configuration
        holds only its SHA-256. Prints the entry for FleetProfiler:Auth:Keys (appsettings.json, environment) and,
        with --keys-file, appends it to that JSON file ({"Keys": [...]}, created if missing), which the gateway
        reloads on change (FleetProfiler:Auth:KeysFile). See docs/security.md.

          --role R           agent (ingest), reader (queries, /api, pages, dashboard) or operator (reader + triggers,
                             compaction, schedules, cost and ownership input)
          --name NAME        who holds it; for an agent, the agent id (Agent:AgentId)
          --host HOST        agent keys: the host the agent reports, or a pattern with * (web-*)
          --services LIST    agent keys: comma-separated services the agent may write, or *
          --keys-file FILE   append the entry to this keys file
          --key-out FILE     write the key to FILE (mode 600) instead of printing it
        """;

    protected override IEnumerable<OptionSpec> Options =>
        [new("--role"), new("--name"), new("--host"), new("--services"), new("--keys-file"), new("--key-out")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var role = o.Value("--role") ?? throw new UsageException("--role is required (agent, reader or operator)");
        if (!ApiKeys.Roles.Contains(role)) throw new UsageException($"--role: '{role}' is not agent, reader or operator");
        var name = o.Value("--name") ?? throw new UsageException("--name is required");
        var host = o.Value("--host");
        var services = o.Value("--services")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        if (role == ApiKeys.Agent && (host is null || services.Length == 0))
            throw new UsageException("an agent key needs --host (a host or pattern) and --services (a list, or *)");
        if (role != ApiKeys.Agent && (host is not null || services.Length > 0))
            throw new UsageException("--host and --services are for agent keys only");

        var key = ApiKeys.Generate();
        var entry = new JsonObject { ["Name"] = name, ["Role"] = role, ["Sha256"] = ApiKeys.Hash(key) };
        if (role == ApiKeys.Agent)
        {
            entry["Host"] = host;
            entry["Services"] = new JsonArray([.. services.Select(s => JsonValue.Create(s))]);
        }
        var output = context.Console.Out;
        if (o.Value("--key-out") is { } keyOut)
        {
            KeysFile.WriteSecret(keyOut, key);
            await output.WriteLineAsync($"key for '{name}' ({role}) written to {keyOut}");
        }
        else
        {
            await output.WriteLineAsync($"key for '{name}' ({role}); shown once, store it now:");
            await output.WriteLineAsync(key);
        }
        if (o.Value("--keys-file") is { } file)
        {
            KeysFile.Update(file, keys => keys.Add(entry.DeepClone()));
            await output.WriteLineAsync($"entry added to {file}");
        }
        await output.WriteLineAsync("configuration entry (FleetProfiler:Auth:Keys or the keys file; the hash only):");
        await output.WriteLineAsync(entry.ToJsonString());
        return ExitCodes.Ok;
    }
}

/// <summary><c>fleetprofiler keys revoke</c>: removes a holder's keys from a keys file; the gateway stops accepting them on reload.</summary>
public sealed class KeysRevokeCommand : ToolCommand
{
    public override string Name => "keys revoke";
    public override string Summary => "remove the keys of a name from a keys file (the gateway reloads it)";
    public override bool NeedsGateway => false;

    public override string Help => """
        Usage: fleetprofiler keys revoke --name NAME --keys-file FILE

        Removes every entry named NAME from the keys file. The gateway re-reads the file on change, so the keys
        stop working without a restart. Rotation: 'keys new' under a new name, deploy the key, then revoke the old name.
        """;

    protected override IEnumerable<OptionSpec> Options => [new("--name"), new("--keys-file")];

    public override async Task<int> RunAsync(CommandContext context, OptionReader o)
    {
        var name = o.Value("--name") ?? throw new UsageException("--name is required");
        var file = o.Value("--keys-file") ?? throw new UsageException("--keys-file is required");
        var removed = 0;
        KeysFile.Update(file, keys =>
        {
            foreach (var k in keys.Where(k => k?["Name"]?.GetValue<string>() == name).ToList())
            {
                keys.Remove(k);
                removed++;
            }
        });
        if (removed == 0) throw new CommandFailedException(ExitCodes.NotFound, $"no key named '{name}' in {file}");
        await context.Console.Out.WriteLineAsync($"revoked {removed} key(s) named '{name}' in {file}");
        return ExitCodes.Ok;
    }
}

/// <summary>The keys file the gateway watches: <c>{"Keys": [...]}</c>, replaced whole (write, then rename) so it is never read half-written.</summary>
internal static class KeysFile
{
    public static void Update(string path, Action<JsonArray> change)
    {
        JsonObject root;
        try
        {
            root = File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new UsageException($"--keys-file: '{path}' is not a JSON object") : [];
        }
        catch (JsonException e)
        {
            throw new UsageException($"--keys-file: '{path}' is not valid JSON: {e.Message}");
        }
        if (root["Keys"] is not JsonArray keys) root["Keys"] = keys = [];
        change(keys);
        WriteSecret(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    public static void WriteSecret(string path, string content)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        File.WriteAllText(temp, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temp, full, overwrite: true);
    }
}
