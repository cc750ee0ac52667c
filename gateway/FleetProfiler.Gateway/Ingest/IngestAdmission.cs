namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// The gateway-wide bound on batches being applied at once (<see cref="IngestOptions.MaxBatchesInFlight"/>). A batch
/// is admitted before it is expanded and translated, and leaves when its answer is known. Over the limit a stream
/// waits here, in arrival order, and reads nothing more from its agent meanwhile: HTTP/2 flow control then stops the
/// agent's writes and its batches stay in its spool. Nothing is refused, so exactly-once is untouched; an overloaded
/// silo costs agents latency, not the gateway memory (docs/operations.md, "Ingest under overload").
/// </summary>
public sealed class IngestAdmission
{
    private readonly SemaphoreSlim _slots;
    private readonly int _limit;
    private readonly int? _holdFirstUntilWaiting;
    private readonly TaskCompletionSource _enoughWaiting = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inFlight, _waiting, _peakInFlight, _held;
    private long _admitted, _admittedAfterWaiting;

    public IngestAdmission(IngestOptions options)
    {
        _limit = options.MaxBatchesInFlight;
        _slots = new SemaphoreSlim(_limit, _limit);
        _holdFirstUntilWaiting = options.HoldFirstAdmissionUntilWaiting;
    }

    /// <summary>What the admission looks like now, and since the gateway started.</summary>
    public IngestAdmissionStatus Status => new(_limit, Volatile.Read(ref _inFlight), Volatile.Read(ref _waiting), Volatile.Read(ref _peakInFlight),
        Interlocked.Read(ref _admitted), Interlocked.Read(ref _admittedAfterWaiting));

    /// <summary>A slot for one batch, once one is free (first come, first served); dispose it when the batch is answered.</summary>
    public async ValueTask<Slot> EnterAsync(CancellationToken ct)
    {
        var waited = false;
        if (!_slots.Wait(0))
        {
            waited = true;
            var waiting = Interlocked.Increment(ref _waiting);
            if (waiting >= _holdFirstUntilWaiting) _enoughWaiting.TrySetResult();
            try
            {
                await _slots.WaitAsync(ct);
            }
            finally
            {
                Interlocked.Decrement(ref _waiting);
            }
        }
        var inFlight = Interlocked.Increment(ref _inFlight);
        for (var peak = Volatile.Read(ref _peakInFlight); inFlight > peak; peak = Volatile.Read(ref _peakInFlight))
            if (Interlocked.CompareExchange(ref _peakInFlight, inFlight, peak) == peak) break;
        Interlocked.Increment(ref _admitted);
        if (waited) Interlocked.Increment(ref _admittedAfterWaiting);
        var slot = new Slot(this);
        if (_holdFirstUntilWaiting is not null && Interlocked.Exchange(ref _held, 1) == 0)
        {
            // Fault injection (IngestOptions.HoldFirstAdmissionUntilWaiting): keep this slot until enough batches queue.
            try
            {
                await _enoughWaiting.Task.WaitAsync(ct);
            }
            catch
            {
                slot.Dispose();
                throw;
            }
        }
        return slot;
    }

    private void Leave()
    {
        Interlocked.Decrement(ref _inFlight);
        _slots.Release();
    }

    /// <summary>An admitted batch's place; disposing it gives the place back (once).</summary>
    public sealed class Slot(IngestAdmission owner) : IDisposable
    {
        private int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) owner.Leave();
        }
    }
}

/// <summary>
/// A gateway's ingest admission: its limit, the batches being applied and waiting now, the most ever applied at once,
/// and how many batches were admitted in all and after waiting for a slot.
/// </summary>
public sealed record IngestAdmissionStatus(int MaxBatchesInFlight, int BatchesInFlight, int BatchesWaiting, int PeakBatchesInFlight, long BatchesAdmitted, long BatchesAdmittedAfterWaiting);
