// A target with known memory behaviour for the inuse tests (not the demo): every mode churns short char arrays at
// --churn-mb-per-s (garbage: allocated most, in use least) from Churn.MakeGarbage, and
//   retain: Retainer.Keep keeps 1,000-byte arrays at --retain-mb-per-s in a list (in use most, allocated less);
//   leak:   the same, plus Cache.Fill holding a fixed 8 MB allocated at start-up (before any window: never seen);
//   large:  Retainer.KeepLarge keeps 100,000-byte arrays (large object heap) at --retain-mb-per-s;
//   graph:  Registry.Fill builds, before "ready", a Registry holding --retain-cap-mb of Entry objects (each with a
//           2,000-byte payload and a 100,000-byte one every 50th, on the large object heap): Registry retains nearly
//           everything while its own objects are tiny. Then only churn (at --churn-mb-per-s, may be 0).
// Every mode prints "full-gc index=N heap=H fragmented=F promoted=P compacted=C pause-ms=M" after each full blocking GC it sees (its own
// GC.GetGCMemoryInfo(GCKind.FullBlocking), polled), so a test can compare a heap dump's induced GC with the runtime's figures.
// Retention stops at --retain-cap-mb so that a forgotten target cannot fill the machine. Prints "ready" once
// running; runs until killed or --seconds have passed. Rates are paced against a stopwatch, not sleeps.
using System.Diagnostics;
using System.Runtime.CompilerServices;

var mode = Arg("--mode", "retain");
var churnRate = double.Parse(Arg("--churn-mb-per-s", "40"), System.Globalization.CultureInfo.InvariantCulture);
var retainRate = double.Parse(Arg("--retain-mb-per-s", "4"), System.Globalization.CultureInfo.InvariantCulture);
var capBytes = long.Parse(Arg("--retain-cap-mb", "400"), System.Globalization.CultureInfo.InvariantCulture) * 1024 * 1024;
var seconds = double.Parse(Arg("--seconds", "600"), System.Globalization.CultureInfo.InvariantCulture);
// Forced full blocking GCs every N ms (0 = none), compacting or sweeping: the inuse tests' real compacting and
// non-compacting GCs (GC.Collect's own choice would vary with the machine).
var fullGcEveryMs = double.Parse(Arg("--full-gc-every-ms", "0"), System.Globalization.CultureInfo.InvariantCulture);
var compacting = Arg("--compacting", "true") == "true";
if (mode is not ("retain" or "leak" or "large" or "graph"))
{
    Console.Error.WriteLine($"unknown --mode '{mode}' (retain, leak, large or graph)");
    return 2;
}

if (mode == "leak") Cache.Fill(8 * 1024 * 1024);
if (mode == "graph")
{
    Registry.Fill(capBytes);
    retainRate = 0;
}
FullGcReporter.Start();
var clock = Stopwatch.StartNew();
double churned = 0, retained = 0, forced = 0;
Console.WriteLine("ready");
Console.Out.Flush();
while (clock.Elapsed.TotalSeconds < seconds)
{
    var due = clock.Elapsed.TotalSeconds;
    while (churned < due * churnRate * 1048576) churned += Churn.MakeGarbage();
    while (retained < due * retainRate * 1048576 && Retainer.Bytes < capBytes)
        retained += mode == "large" ? Retainer.KeepLarge() : Retainer.Keep();
    if (fullGcEveryMs > 0 && clock.Elapsed.TotalMilliseconds >= (forced + 1) * fullGcEveryMs)
    {
        forced++;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: compacting);
    }
    Thread.Sleep(1);
}
GC.KeepAlive(Cache.Held);
return 0;

string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

static class FullGcReporter
{
    public static void Start()
    {
        var thread = new Thread(() =>
        {
            long seen = GC.GetGCMemoryInfo(GCKind.FullBlocking).Index;
            while (true)
            {
                var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
                if (info.Index != seen)
                {
                    seen = info.Index;
                    Console.WriteLine($"full-gc index={info.Index} heap={info.HeapSizeBytes} fragmented={info.FragmentedBytes} promoted={info.PromotedBytes} compacted={info.Compacted} pause-ms={info.PauseDurations[0].TotalMilliseconds.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)}");
                    Console.Out.Flush();
                }
                Thread.Sleep(20);
            }
        })
        { IsBackground = true, Name = "full-gc reporter" };
        thread.Start();
    }
}

sealed class Entry(int id, byte[] payload)
{
    public int Id { get; } = id;
    public byte[] Payload { get; } = payload;
}

static class Registry
{
    public static Holder? Root;

    public sealed class Holder
    {
        public readonly Dictionary<int, Entry> Entries = [];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Fill(long bytes)
    {
        var holder = new Holder();
        long filled = 0;
        for (var i = 0; filled < bytes; i++)
        {
            var payload = new byte[i % 50 == 49 ? 100_000 : 2_000];
            holder.Entries.Add(i, new Entry(i, payload));
            filled += payload.Length + 64;
        }
        Root = holder;
    }
}

static class Churn
{
    private static int _n;
    public static char[]? Last;

    // Char arrays of ~100 bytes that die at once, allocated here (not in a framework constructor) so that this
    // method is the allocation site; the last one is kept so the JIT cannot drop the allocation.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int MakeGarbage()
    {
        Last = new char[40 + (_n++ & 7)];
        return 24 + 2 * Last.Length;
    }
}

static class Retainer
{
    private static readonly List<byte[]> Kept = [];
    public static long Bytes;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Keep()
    {
        var a = new byte[1000];
        Kept.Add(a);
        Bytes += 1024;
        return 1024;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int KeepLarge()
    {
        var a = new byte[100_000];
        Kept.Add(a);
        Bytes += 100_024;
        return 100_024;
    }
}

static class Cache
{
    public static readonly List<byte[]> Held = [];

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Fill(int bytes)
    {
        for (var i = 0; i < bytes / 4096; i++) Held.Add(new byte[4096]);
    }
}
