using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using FleetProfiler.Agent.Coverage;

namespace FleetProfiler.Agent.Discovery;

/// <summary>
/// The service's version in a process, without code changes in the service: the OpenTelemetry resource attribute
/// <c>service.version</c> of the target's <c>OTEL_RESOURCE_ATTRIBUTES</c> when set (an explicit override per process,
/// as <c>OTEL_SERVICE_NAME</c> names the service), else the informational version of the app's main assembly
/// (<c>AssemblyInformationalVersionAttribute</c>, what <c>-p:Version</c> / <c>-p:InformationalVersion</c> set), else its
/// assembly version, read from the DLL's metadata through <c>/proc/PID/root</c>. Null when none is readable or the
/// value is not a valid version (<see cref="ServiceVersionNames"/>). Read once per process (the registry keeps it).
/// </summary>
public static class ServiceVersionReader
{
    public const string ResourceAttributesVariable = "OTEL_RESOURCE_ATTRIBUTES";

    public static string? TryRead(int processId, IReadOnlyDictionary<string, string> environment, ILogger logger)
    {
        var version = environment.TryGetValue(ResourceAttributesVariable, out var attributes) ? FromResourceAttributes(attributes) : null;
        if (version is null && OperatingSystem.IsLinux())
        {
            try
            {
                version = FromAssembly(ServiceAssemblies.Local(processId, ServiceAssemblies.EntryAssembly(processId)));
            }
            catch (Exception e) when (e is TargetUnavailableException or IOException or UnauthorizedAccessException or BadImageFormatException or InvalidOperationException)
            {
                logger.LogDebug("Pid {Pid}: no service version from its main assembly: {Reason}", processId, e.Message);
            }
        }
        if (version is not null && ServiceVersionNames.Check(version) is { } why)
        {
            logger.LogWarning("Pid {Pid}: ignoring its service version: {Why}", processId, why);
            return null;
        }
        return version;
    }

    /// <summary>
    /// <c>service.version</c> of an OpenTelemetry resource attribute list (<c>key1=value1,key2=value2</c>, values
    /// percent-encoded); null when absent or empty.
    /// </summary>
    public static string? FromResourceAttributes(string attributes)
    {
        foreach (var pair in attributes.Split(','))
        {
            var eq = pair.IndexOf('=');
            if (eq <= 0 || pair[..eq].Trim() != "service.version") continue;
            var value = Uri.UnescapeDataString(pair[(eq + 1)..].Trim());
            return value.Length == 0 ? null : value;
        }
        return null;
    }

    /// <summary>The informational version of an assembly file, else its assembly version; null when the file is not there.</summary>
    public static string? FromAssembly(string path)
    {
        if (!File.Exists(path)) return null;
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata) return null;
        var md = pe.GetMetadataReader();
        var assembly = md.GetAssemblyDefinition();
        foreach (var handle in assembly.GetCustomAttributes())
        {
            var attribute = md.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference) continue;
            var ctor = md.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
            if (ctor.Parent.Kind != HandleKind.TypeReference) continue;
            var type = md.GetTypeReference((TypeReferenceHandle)ctor.Parent);
            if (!md.StringComparer.Equals(type.Name, "AssemblyInformationalVersionAttribute") || !md.StringComparer.Equals(type.Namespace, "System.Reflection")) continue;
            // The blob: prolog 0x0001, then the constructor's one string argument.
            var blob = md.GetBlobReader(attribute.Value);
            if (blob.ReadUInt16() != 1) continue;
            if (blob.ReadSerializedString() is { Length: > 0 } informational) return informational;
        }
        return assembly.Version.ToString();
    }
}
