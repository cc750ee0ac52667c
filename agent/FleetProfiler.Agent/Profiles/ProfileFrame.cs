namespace FleetProfiler.Agent.Profiles;

/// <summary>
/// One frame of a stack. <see cref="Function"/> is <c>module!Namespace.Type.Method(args)</c> when resolved,
/// or <c>module!0x7f12…</c> / <c>?!0x7f12…</c> when not (unresolved frames are kept, never dropped).
/// <see cref="File"/> and <see cref="Line"/> are set when the module has a portable PDB (beside it or embedded).
/// </summary>
public sealed record ProfileFrame(string Function, string? File = null, int? Line = null)
{
    /// <summary>Prefix of the pseudo-frame that carries the allocated type in folded output.</summary>
    public const string AllocatedTypePrefix = "[alloc] ";

    public bool IsResolved => !Function.Contains("!0x", StringComparison.Ordinal);

    /// <summary>Text for collapsed stacks: the function, then <c> (File.cs:12)</c> when known. Never contains ';'.</summary>
    public string ToFoldedText()
    {
        var text = File is null || Line is null
            ? Function
            : $"{Function} ({Path.GetFileName(File)}:{Line})";
        return text.Replace(';', ',');
    }
}
