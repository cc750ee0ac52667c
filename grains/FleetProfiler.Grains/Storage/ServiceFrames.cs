using System.Collections.Concurrent;
using FleetProfiler.Profiles;

namespace FleetProfiler.Grains.Storage;

/// <summary>
/// The profile store's per-service frame dictionaries as the silo caches them (docs/operations.md, "Profile store").
/// A store keeps each service's frames in a table (<c>profile_frame</c>: service, id, function, file, line) and stores
/// windows and buckets with frame ids into it (<see cref="CallTreeCodec.UsesDictionary"/>); the rows of that table are
/// written before or with the first row that uses them, in the same transaction, so every committed row's frames are
/// committed. Bounded twice: at most <see cref="MaxPerService"/> frames per service (past it, a window that brings new
/// frames is stored self-contained, counted in <see cref="Fallbacks"/> and logged once per service), and at most
/// <see cref="MaxCachedFrames"/> frames cached over all services (past it the cache starts over; dictionaries are read
/// again from the store when next used). Frames are never deleted: the table is bounded by the cap.
/// </summary>
public sealed class ServiceFrames(int maxPerService = ServiceFrames.DefaultMaxPerService, long maxCachedFrames = ServiceFrames.DefaultMaxCachedFrames, ILogger? logger = null)
{
    /// <summary>Default of <see cref="MaxPerService"/> (<c>Profiles:MaxFramesPerService</c>).</summary>
    public const int DefaultMaxPerService = 100_000;

    /// <summary>Default of <see cref="MaxCachedFrames"/> (<c>Profiles:FrameCacheFrames</c>); a cached frame takes about 200–300 bytes.</summary>
    public const long DefaultMaxCachedFrames = 500_000;

    /// <summary>Most frames a service's dictionary holds; 0 turns the dictionary off (every row self-contained).</summary>
    public int MaxPerService { get; } = maxPerService >= 0 ? maxPerService : throw new ArgumentOutOfRangeException(nameof(maxPerService));

    /// <summary>Most frames cached in memory over all services.</summary>
    public long MaxCachedFrames { get; } = maxCachedFrames > 0 ? maxCachedFrames : throw new ArgumentOutOfRangeException(nameof(maxCachedFrames));

    private readonly ConcurrentDictionary<string, FrameDictionary> _services = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _loggedFallback = new(StringComparer.Ordinal);
    private long _cached;
    private long _fallbacks;

    /// <summary>Whether new rows are written with frame ids (<see cref="MaxPerService"/> &gt; 0).</summary>
    public bool Enabled => MaxPerService > 0;

    /// <summary>Windows stored self-contained because their service's dictionary was full.</summary>
    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    /// <summary>The cached dictionary of a service (empty until the store catches it up from its table).</summary>
    public FrameDictionary Of(string service) => _services.GetOrAdd(service, _ => new FrameDictionary());

    /// <summary>
    /// Records in <paramref name="dictionary"/> (from <see cref="Of"/>) that <paramref name="frames"/>, committed, have
    /// the ids from <paramref name="firstId"/> on. The caller keeps using that dictionary object even when the cache
    /// starts over here.
    /// </summary>
    public void Append(FrameDictionary dictionary, int firstId, IReadOnlyList<Frame> frames)
    {
        if (frames.Count == 0) return;
        var added = dictionary.Append(firstId, frames);
        if (Interlocked.Add(ref _cached, added) > MaxCachedFrames)
        {
            // Starts over, as the query caches do: the dictionaries are read again from the store when next used.
            _services.Clear();
            Interlocked.Exchange(ref _cached, 0);
        }
    }

    /// <summary>Whether <paramref name="newFrames"/> more frames still fit the service's dictionary of <paramref name="count"/> frames.</summary>
    public bool Fits(int count, int newFrames) => Enabled && (long)count + newFrames <= MaxPerService;

    /// <summary>Counts a window stored self-contained because its service's dictionary is full, and logs it once per service.</summary>
    public void CountFallback(string service, int count, int newFrames)
    {
        Interlocked.Increment(ref _fallbacks);
        if (_loggedFallback.Count < 10_000 && _loggedFallback.TryAdd(service, true))
        {
            logger?.LogWarning("The frame dictionary of service {Service} is full ({Count} frames, cap {Cap}; a window brought {New} new): its windows that bring new frames are stored self-contained from now on (larger). Logged once per service",
                service, count, MaxPerService, newFrames);
        }
    }
}

/// <summary>Decoding stored rows: a row that names frames in its service's dictionary carries it (set by the store when read).</summary>
public static class StoredRows
{
    public static CallTree DecodeTree(this StoredWindow w) => CallTreeCodec.Deserialize(w.Tree, w.Frames);

    public static CallTree DecodeTree(this StoredBucket b) => CallTreeCodec.Deserialize(b.Tree, b.Frames);
}
