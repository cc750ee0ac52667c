using System.Runtime.InteropServices;

namespace FleetProfiler.Agent;

/// <summary>
/// The C library's heap, where the runtime (JIT, type loader) and native buffers allocate. glibc gives a thread that
/// finds its arena busy an arena of its own (up to 8 per core) and returns freed memory to the OS only from the top of
/// an arena, so a daemon whose windows run on ever-different thread-pool threads kept a few MB more resident after
/// each window (anonymous memory 20 → 32 MB over 8 cpu windows; measured in docs/benchmarks-agent.md, "cost --daemon").
/// <see cref="LimitArenas"/> at start and <see cref="Trim"/> after each window keep it flat. Both are no-ops where the
/// C library lacks them (musl, not Linux).
/// </summary>
public static unsafe class NativeHeap
{
    /// <summary>glibc's <c>M_ARENA_MAX</c> parameter of <c>mallopt</c>.</summary>
    private const int ArenaMaxParameter = -8;

    private static readonly delegate* unmanaged<int, int, int> Mallopt = (delegate* unmanaged<int, int, int>)Export("mallopt");
    private static readonly delegate* unmanaged<nuint, int> MallocTrim = (delegate* unmanaged<nuint, int>)Export("malloc_trim");

    /// <summary>
    /// At most <paramref name="max"/> malloc arenas from now on (<c>mallopt(M_ARENA_MAX)</c>; what
    /// <c>MALLOC_ARENA_MAX</c> sets from the environment). Call first thing: glibc fixes its limit the first time it
    /// needs more than 8 arenas. False when the C library has no such call.
    /// </summary>
    public static bool LimitArenas(int max) => Mallopt != null && Mallopt(ArenaMaxParameter, max) == 1;

    /// <summary>
    /// Gives the free pages of every arena back to the OS (<c>malloc_trim(0)</c>). True when memory was released;
    /// false when there was none to release or the C library has no such call.
    /// </summary>
    public static bool Trim() => MallocTrim != null && MallocTrim(0) == 1;

    /// <summary>Whether this process's C library has both calls (glibc).</summary>
    public static bool Supported => Mallopt != null && MallocTrim != null;

    private static IntPtr Export(string name)
    {
        if (!OperatingSystem.IsLinux())
        {
            return IntPtr.Zero;
        }
        foreach (var library in new[] { "libc.so.6", "libc" })
        {
            if (NativeLibrary.TryLoad(library, typeof(NativeHeap).Assembly, null, out var handle)
                && NativeLibrary.TryGetExport(handle, name, out var address))
            {
                return address;
            }
        }
        return IntPtr.Zero;
    }
}
