namespace FleetProfiler.Agent.Discovery;

/// <summary>
/// Reads a target's runtime version without the diagnostics socket (its ProcessInfo command is internal to
/// Microsoft.Diagnostics.NETCore.Client): find libcoreclr.so in /proc/PID/maps, then read the file version of
/// System.Private.CoreLib.dll beside it. Works for framework-dependent and self-contained apps; paths are read
/// through /proc/PID/root so targets in other mount namespaces work too. Linux only; null elsewhere.
/// </summary>
public static class RuntimeVersionProbe
{
    public static Version? TryRead(int processId)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var coreclr = File.ReadLines($"/proc/{processId}/maps")
                .Select(line => line.IndexOf('/') is var i and >= 0 ? line[i..] : null)
                .FirstOrDefault(path => path is not null && path.EndsWith("/libcoreclr.so", StringComparison.Ordinal));
            if (coreclr is null)
            {
                return null;
            }

            var runtimeDirectory = Path.GetDirectoryName(coreclr)!;
            var coreLib = $"/proc/{processId}/root{runtimeDirectory}/System.Private.CoreLib.dll";
            return (File.Exists(coreLib) ? ParseVersion(FileVersionInfo.GetVersionInfo(coreLib).ProductVersion) : null)
                ?? ParseVersion(Path.GetFileName(runtimeDirectory));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>"10.0.12+abcdef" or "10.0.0-rc.1.2345" → 10.0.12 / 10.0.0.</summary>
    public static Version? ParseVersion(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        var end = text.IndexOfAny(['+', '-', ' ']);
        return Version.TryParse(end < 0 ? text : text[..end], out var version) ? version : null;
    }
}
