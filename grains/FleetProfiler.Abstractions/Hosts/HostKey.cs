namespace FleetProfiler.Abstractions.Hosts;

/// <summary>
/// The key of a <see cref="IHostGrain"/>: <c>service/host</c>. Service names may not contain '/';
/// host names may (they are taken whole after the first '/').
/// </summary>
public static class HostKey
{
    /// <summary>Builds the grain key of a host of a service.</summary>
    /// <exception cref="ArgumentException">The service or host is empty, or the service contains '/'.</exception>
    public static string Of(string service, string host)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(service);
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        if (service.Contains('/'))
            throw new ArgumentException($"A service name may not contain '/': '{service}'.", nameof(service));
        return service + "/" + host;
    }

    /// <summary>Splits a host grain key into its service and host.</summary>
    public static (string Service, string Host) Parse(string key)
    {
        var slash = key.IndexOf('/');
        if (slash <= 0 || slash == key.Length - 1)
            throw new ArgumentException($"A host key is 'service/host', got '{key}'.", nameof(key));
        return (key[..slash], key[(slash + 1)..]);
    }
}
