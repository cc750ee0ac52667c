using System.Runtime.CompilerServices;

namespace FleetProfiler.TestService;

/// <summary>
/// Known CPU work per route, in distinctly named methods that are never inlined, so that a profile can tell which route's
/// code a sample ran (tests of endpoint attribution). Each call spins for about <see cref="Rounds"/> hash rounds.
/// </summary>
public static class RouteWork
{
    public const int Rounds = 200_000;

    private static byte[]? _last;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong AlphaBeforeAwait(int seed) => Spin(seed);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong AlphaAfterAwait(int seed) => Spin(seed + 1);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong BetaBeforeAwait(int seed) => Spin(seed + 2);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong BetaAfterAwait(int seed) => Spin(seed + 3);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static ulong SyncWork(int seed) => Spin(seed + 4);

    /// <summary>About 160 KB of short-lived arrays per call: allocation samples (one per ~100 KB) with a known stack.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int BetaAllocates()
    {
        var total = 0;
        for (var i = 0; i < 20; i++)
        {
            // Published to a static field so that the array escapes: the .NET 10 JIT stack-allocates (or drops) a
            // constant-size array that does not, and then no allocation is sampled here at all.
            var array = new byte[8192];
            array[i] = (byte)i;
            Volatile.Write(ref _last, array);
            total += array.Length;
        }
        return total;
    }

    /// <summary>An xorshift loop the JIT cannot fold away (the result is returned to the response).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong Spin(int seed)
    {
        var x = (ulong)seed * 0x9E3779B97F4A7C15UL + 1;
        for (var i = 0; i < Rounds; i++)
        {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }
        return x;
    }
}
