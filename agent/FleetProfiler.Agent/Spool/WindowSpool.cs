using System.Globalization;
using FleetProfiler.Protocol.V1;
using Google.Protobuf;

namespace FleetProfiler.Agent.Spool;

/// <summary>
/// The agent's bounded on-disk spool: every batch is written here (atomically, fsynced) with the next sequence
/// number before it is sent, and deleted only when the gateway acks or rejects it.
/// </summary>
/// <remarks>
/// Layout: <c>00000000000000000042.batch</c> (the wire <see cref="Batch"/>, sequence in the name and inside),
/// <c>state</c> (the spool epoch, the last sequence handed out and the drops not yet reported), <c>corrupt/</c> (files
/// that could not be read, moved aside). The sequence only grows: it is persisted after each batch file, and on start
/// it is the larger of the state and the highest batch on disk. The epoch is drawn at random when the state is created
/// (a fresh or wiped spool, or a lost state) and stamped on every batch: the gateway dedupes by (agent, epoch,
/// sequence), so a wiped spool that counts from 1 again is not taken for resends of windows already stored. When the spool is over its bounds the oldest batch is
/// dropped; the count (plus whatever the dropped batch itself was reporting) goes into the next batch's
/// <c>dropped_windows</c>, so no drop goes unreported. Thread-safe.
/// </remarks>
public sealed class WindowSpool
{
    public const string BatchExtension = ".batch";
    public const string StateFile = "state";
    public const string CorruptDirectory = "corrupt";

    private readonly object _gate = new();
    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly int _maxBatches;
    private readonly ILogger _logger;
    private readonly SortedDictionary<ulong, Entry> _entries = [];
    private ulong _sequence;
    private ulong _epoch;
    private uint _pendingDropped;
    private long _bytes;
    private long _droppedTotal;
    private TaskCompletionSource _added = NewSignal();

    private readonly record struct Entry(long Bytes, uint CarriedDropped);

    public WindowSpool(string directory, long maxBytes, int maxBatches, ILogger logger)
    {
        _directory = directory;
        _maxBytes = maxBytes;
        _maxBatches = maxBatches;
        _logger = logger;
        Directory.CreateDirectory(directory);
        Recover();
    }

    public string DirectoryPath => _directory;

    /// <summary>The epoch new batches are stamped with (never 0).</summary>
    public ulong Epoch => _epoch;

    /// <summary>Batches waiting for an ack, bytes they take, the last sequence handed out, drops since the start.</summary>
    public (int Count, long Bytes, ulong LastSequence, long DroppedTotal, uint PendingDropped) Status
    {
        get
        {
            lock (_gate)
            {
                return (_entries.Count, _bytes, _sequence, _droppedTotal, _pendingDropped);
            }
        }
    }

    public IReadOnlyList<ulong> PendingSequences
    {
        get
        {
            lock (_gate)
            {
                return _entries.Keys.ToList();
            }
        }
    }

    public string PathOf(ulong sequence) => Path.Combine(_directory, sequence.ToString("D20", CultureInfo.InvariantCulture) + BatchExtension);

    /// <summary>
    /// Gives <paramref name="batch"/> the next sequence and the drops to report, makes room (dropping the oldest
    /// batches) and writes it durably. Returns the sequence.
    /// </summary>
    public ulong Add(Batch batch)
    {
        lock (_gate)
        {
            var sequence = _sequence + 1;
            batch.Sequence = sequence;
            batch.SpoolEpoch = _epoch;
            batch.DroppedWindows = 0;
            var size = batch.CalculateSize() + BatchLimits.HeaderReserve;
            while (_entries.Count > 0 && (_entries.Count + 1 > _maxBatches || _bytes + size > _maxBytes))
            {
                DropOldest();
            }

            batch.DroppedWindows = _pendingDropped;
            var bytes = batch.ToByteArray();
            DurableFile.WriteAtomic(PathOf(sequence), bytes);
            _entries[sequence] = new Entry(bytes.Length, batch.DroppedWindows);
            _bytes += bytes.Length;
            _sequence = sequence;
            _pendingDropped = 0;
            WriteState();

            var added = _added;
            _added = NewSignal();
            added.TrySetResult();
            return sequence;
        }
    }

    /// <summary>The stored batch; null when it is gone (acked, dropped) or unreadable (then moved aside and logged).</summary>
    public Batch? TryRead(ulong sequence)
    {
        lock (_gate)
        {
            if (!_entries.ContainsKey(sequence))
            {
                return null;
            }
            var path = PathOf(sequence);
            try
            {
                var batch = Batch.Parser.ParseFrom(File.ReadAllBytes(path));
                if (batch.Sequence == sequence)
                {
                    return batch;
                }
                MoveAside(path, $"it holds sequence {batch.Sequence}, not {sequence}");
            }
            catch (Exception e) when (e is IOException or InvalidProtocolBufferException or UnauthorizedAccessException)
            {
                MoveAside(path, e.Message);
            }
            Forget(sequence);
            return null;
        }
    }

    /// <summary>Deletes a batch the gateway acked or rejected. False when it was not (or no longer) spooled.</summary>
    public bool Remove(ulong sequence)
    {
        lock (_gate)
        {
            if (!_entries.ContainsKey(sequence))
            {
                return false;
            }
            TryDelete(PathOf(sequence));
            Forget(sequence);
            return true;
        }
    }

    /// <summary>
    /// Replaces a spooled batch by its parts (a split): the parts get new sequences at the end of the spool, then
    /// the original is deleted. Returns the parts' sequences.
    /// </summary>
    public IReadOnlyList<ulong> Replace(ulong sequence, IReadOnlyList<Batch> parts)
    {
        lock (_gate)
        {
            var carried = _entries.TryGetValue(sequence, out var entry) ? entry.CarriedDropped : 0;
            Remove(sequence);
            _pendingDropped += carried;
            return parts.Select(Add).ToList();
        }
    }

    /// <summary>The smallest spooled sequence greater than <paramref name="after"/>, or null.</summary>
    public ulong? NextAfter(ulong after)
    {
        lock (_gate)
        {
            foreach (var key in _entries.Keys)
            {
                if (key > after)
                {
                    return key;
                }
            }
            return null;
        }
    }

    /// <summary>Completes when a batch with a sequence greater than <paramref name="after"/> is spooled.</summary>
    public async Task<ulong> WaitForNextAsync(ulong after, CancellationToken ct)
    {
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                if (NextAfter(after) is { } next)
                {
                    return next;
                }
                signal = _added.Task;
            }
            await signal.WaitAsync(ct);
        }
    }

    private void DropOldest()
    {
        var (sequence, entry) = _entries.First();
        TryDelete(PathOf(sequence));
        Forget(sequence);
        _pendingDropped += 1 + entry.CarriedDropped;
        _droppedTotal++;
        _logger.LogWarning(
            "Spool full ({Count} batches, {MB:F1} MB; bounds {MaxCount} batches, {MaxMB:F1} MB): dropped the oldest window (batch {Sequence}); {Pending} dropped window(s) will be reported in the next batch",
            _entries.Count + 1, (_bytes + entry.Bytes) / 1048576.0, _maxBatches, _maxBytes / 1048576.0, sequence, _pendingDropped);
    }

    private void Forget(ulong sequence)
    {
        if (_entries.Remove(sequence, out var entry))
        {
            _bytes -= entry.Bytes;
        }
    }

    private void WriteState() =>
        DurableFile.WriteAtomic(Path.Combine(_directory, StateFile),
            System.Text.Encoding.ASCII.GetBytes($"epoch {_epoch}\nsequence {_sequence}\ndropped {_pendingDropped}\n"));

    /// <summary>Rebuilds the index from disk: leftovers of interrupted writes removed, unreadable files moved aside.</summary>
    private void Recover()
    {
        SweepLeftovers();

        var state = ReadState();
        ulong highest = 0;
        ulong highestEpoch = 0;
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + BatchExtension))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (!ulong.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || sequence == 0)
            {
                MoveAside(path, "its name is not a sequence number");
                continue;
            }
            try
            {
                var bytes = File.ReadAllBytes(path);
                var batch = Batch.Parser.ParseFrom(bytes);
                if (batch.Sequence != sequence)
                {
                    MoveAside(path, $"it holds sequence {batch.Sequence}");
                    continue;
                }
                _entries[sequence] = new Entry(bytes.Length, batch.DroppedWindows);
                _bytes += bytes.Length;
                if (sequence > highest)
                {
                    (highest, highestEpoch) = (sequence, batch.SpoolEpoch);
                }
            }
            catch (Exception e) when (e is IOException or InvalidProtocolBufferException or UnauthorizedAccessException)
            {
                MoveAside(path, e.Message);
            }
        }

        _sequence = Math.Max(state.Sequence, highest);
        // A batch newer than the state was written before the state: it already carries those drops.
        _pendingDropped = highest > state.Sequence ? 0 : state.Dropped;
        switch (state.Kind)
        {
            case StateKind.Readable when state.Epoch != 0:
                _epoch = state.Epoch;
                break;
            case StateKind.Missing when highestEpoch != 0:
                // A crash between the first batch file and the first state: the batch tells the epoch.
                _epoch = highestEpoch;
                break;
            case StateKind.Unreadable:
                // The counter may be lost: a new epoch makes (epoch, sequence) unique whatever the counter restarts at.
                _epoch = NewEpoch();
                _logger.LogWarning("Spool state in {Directory} was unreadable: sequence numbers continue from {Sequence} in a new epoch {Epoch:x16}",
                    _directory, _sequence + 1, _epoch);
                break;
            default:
                // A fresh or wiped spool (or a state from before epochs): its windows are new to the gateway even if
                // their sequences were used before.
                _epoch = NewEpoch();
                _logger.LogInformation("Spool {Directory}: new epoch {Epoch:x16}, sequence numbers continue from {Sequence}",
                    _directory, _epoch, _sequence + 1);
                break;
        }
        WriteState();
        if (_entries.Count > 0 || _pendingDropped > 0)
        {
            _logger.LogInformation("Spool {Directory}: {Count} unacked batch(es) ({KB} KB) to resend, next sequence {Next}",
                _directory, _entries.Count, _bytes / 1024, _sequence + 1);
        }
    }

    /// <summary>
    /// Removes what earlier runs left behind: temporary files of interrupted writes, and the files moved aside into
    /// <c>corrupt/</c> (each was logged when it was moved; keeping them forever would fill the disk), with one log line.
    /// </summary>
    private void SweepLeftovers()
    {
        var removed = new List<string>();
        long bytes = 0;
        void Remove(string path, string what)
        {
            var size = new FileInfo(path).Length;
            if (TryDelete(path))
            {
                removed.Add(what);
                bytes += size;
            }
        }
        foreach (var temp in Directory.EnumerateFiles(_directory, "*" + DurableFile.TempSuffix))
        {
            Remove(temp, $"{Path.GetFileName(temp)} (an interrupted write)");
        }
        var corrupt = Path.Combine(_directory, CorruptDirectory);
        if (Directory.Exists(corrupt))
        {
            foreach (var file in Directory.EnumerateFiles(corrupt))
            {
                Remove(file, $"{CorruptDirectory}/{Path.GetFileName(file)}");
            }
        }
        if (removed.Count > 0)
        {
            _logger.LogInformation("Spool {Directory}: swept {Count} leftover file(s) of earlier runs ({KB} KB): {Files}",
                _directory, removed.Count, (bytes + 1023) / 1024, string.Join(", ", removed));
        }
    }

    private enum StateKind { Missing, Readable, Unreadable }

    private readonly record struct State(StateKind Kind, ulong Epoch = 0, ulong Sequence = 0, uint Dropped = 0);

    private State ReadState()
    {
        var path = Path.Combine(_directory, StateFile);
        if (!File.Exists(path))
        {
            // A fresh spool (or a crash between the first batch file and the first state): the files tell.
            return new State(StateKind.Missing);
        }
        try
        {
            var fields = File.ReadAllLines(path)
                .Select(line => line.Split(' ', 2))
                .Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0], parts => parts[1]);
            if (fields.TryGetValue("sequence", out var s) && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                && fields.TryGetValue("dropped", out var d) && uint.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var dropped))
            {
                // No epoch line: a state written before epochs (a new epoch is drawn).
                var epoch = fields.TryGetValue("epoch", out var e) && ulong.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : 0;
                return new State(StateKind.Readable, epoch, sequence, dropped);
            }
            MoveAside(path, "it does not hold 'sequence N' and 'dropped N'");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            MoveAside(path, e.Message);
        }
        return new State(StateKind.Unreadable);
    }

    private static ulong NewEpoch()
    {
        ulong epoch;
        do
        {
            epoch = BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(sizeof(ulong)));
        }
        while (epoch == 0);
        return epoch;
    }

    private void MoveAside(string path, string reason)
    {
        var corrupt = Path.Combine(_directory, CorruptDirectory);
        var target = Path.Combine(corrupt, $"{Path.GetFileName(path)}.{DateTime.UtcNow:yyyyMMddTHHmmssfff}");
        try
        {
            Directory.CreateDirectory(corrupt);
            File.Move(path, target, overwrite: true);
            _logger.LogError("Spool file {Path} is unreadable ({Reason}); moved it to {Target}", path, reason, target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogError("Spool file {Path} is unreadable ({Reason}) and could not be moved aside ({Error}); deleting it", path, reason, e.Message);
            TryDelete(path);
        }
    }

    private bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Could not delete spool file {Path}: {Message}", path, e.Message);
            return false;
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
