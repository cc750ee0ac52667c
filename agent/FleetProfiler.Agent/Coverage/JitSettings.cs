using System.Globalization;

namespace FleetProfiler.Agent.Coverage;

/// <summary>What the target's environment says about inlining, hence about which unseen methods may be called certain.</summary>
/// <param name="Canary"><c>DOTNET_JitNoInline</c> (or <c>COMPlus_JitNoInline</c>) is non-zero: the JIT inlines nothing.</param>
/// <param name="Override">The first other <c>DOTNET_Jit*</c> / <c>COMPlus_Jit*</c> setting (<c>DOTNET_JitMaxIL=0x16</c>), or "" when none:
/// any of them may change what the JIT inlines, so nothing unseen is certain.</param>
/// <param name="ReadyToRunDisabled"><c>DOTNET_ReadyToRun=0</c>: precompiled code is not used, the JIT compiles everything.</param>
/// <param name="Unreadable">Why the environment could not be read ("" when it could): then nothing unseen is certain.</param>
public sealed record JitSettings(bool Canary, string Override, bool ReadyToRunDisabled, string Unreadable)
{
    private static readonly string[] Prefixes = ["DOTNET_", "COMPlus_"];

    /// <summary>Reads <paramref name="environment"/> (the target's, as at its start). Values are hex, as the runtime reads them.</summary>
    public static JitSettings From(IReadOnlyDictionary<string, string> environment)
    {
        var canary = false;
        var readyToRunDisabled = false;
        var overrides = new List<string>();
        foreach (var (name, value) in environment.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var prefix = Prefixes.FirstOrDefault(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase));
            if (prefix is null)
            {
                continue;
            }
            var knob = name[prefix.Length..];
            if (knob.Equals("JitNoInline", StringComparison.OrdinalIgnoreCase))
            {
                // "0" is the default: no canary, and no override either.
                canary |= Hex(value) is not 0;
            }
            else if (knob.Equals("ReadyToRun", StringComparison.OrdinalIgnoreCase))
            {
                readyToRunDisabled |= Hex(value) is 0;
            }
            else if (knob.StartsWith("Jit", StringComparison.OrdinalIgnoreCase))
            {
                overrides.Add($"{name}={value}");
            }
        }
        return new JitSettings(canary, overrides.FirstOrDefault() ?? "", readyToRunDisabled, "");
    }

    /// <summary>The environment could not be read: JIT overrides unknown.</summary>
    public static JitSettings Unknown(string reason) => new(false, "", false, reason);

    /// <summary>Null when the value is not a hex number (then it counts as set).</summary>
    private static long? Hex(string value)
    {
        var text = value.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            text = text[2..];
        }
        return long.TryParse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var n) ? n : null;
    }
}
