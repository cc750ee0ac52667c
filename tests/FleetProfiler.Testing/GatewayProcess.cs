namespace FleetProfiler.Testing;

/// <summary>The stand-alone gateway (FleetProfiler.Gateway, cluster mode: an Orleans client of the silos) as a real process.</summary>
public static class GatewayProcess
{
    public const string ReadyLine = "FleetProfiler gateway (cluster mode) is up";

    /// <summary>
    /// Starts the gateway in <paramref name="workingDirectory"/>; <paramref name="settings"/> are configuration keys under
    /// <c>FleetProfiler:</c>, over the kit's operator and reader keys (<see cref="TestKeys"/>). Inherited <c>FleetProfiler*</c>
    /// variables are removed and logs are at Warning, as for <see cref="SiloProcess"/>. Wait for <see cref="ReadyLine"/>.
    /// </summary>
    public static ChildProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> settings)
    {
        Directory.CreateDirectory(workingDirectory);
        var env = new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" };
        foreach (var key in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("FleetProfiler", StringComparison.OrdinalIgnoreCase)))
        {
            env[key] = ""; // removed: the test says what the gateway reads
        }
        var all = new Dictionary<string, string>(TestKeys.Settings());
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }
        return ChildProcess.StartDotnet("gateway", Repo.GatewayDll, all.Select(kv => $"--FleetProfiler:{kv.Key}={kv.Value}"), env, workingDirectory);
    }

    /// <summary>Completes when the gateway prints its banner (connected to the cluster); fails with its output if it exits first.</summary>
    public static Task WaitReadyAsync(this ChildProcess gateway, TimeSpan? deadline = null) =>
        gateway.WaitForLineAsync(ReadyLine, deadline ?? TestTimeouts.SiloReady);
}
