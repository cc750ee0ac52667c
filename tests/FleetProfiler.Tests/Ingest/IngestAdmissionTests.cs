using FleetProfiler.Gateway.Ingest;

namespace FleetProfiler.Tests.Ingest;

/// <summary>The gateway-wide admission of batches (<see cref="IngestAdmission"/>) on its own.</summary>
public sealed class IngestAdmissionTests
{
    [Fact]
    public async Task Over_the_limit_a_batch_waits_until_a_slot_is_given_back()
    {
        var admission = new IngestAdmission(new IngestOptions { MaxBatchesInFlight = 2 });
        var first = await admission.EnterAsync(CancellationToken.None);
        using var second = await admission.EnterAsync(CancellationToken.None);
        var third = admission.EnterAsync(CancellationToken.None).AsTask();

        Assert.False(third.IsCompleted);
        Assert.Equal(new IngestAdmissionStatus(2, 2, 1, 2, 2, 0), admission.Status);

        first.Dispose();
        first.Dispose(); // once only
        using var admitted = await third;
        Assert.Equal(new IngestAdmissionStatus(2, 2, 0, 2, 3, 1), admission.Status);
    }

    [Fact]
    public async Task A_cancelled_wait_takes_no_slot()
    {
        var admission = new IngestAdmission(new IngestOptions { MaxBatchesInFlight = 1 });
        var held = await admission.EnterAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var waiting = admission.EnterAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(0, admission.Status.BatchesWaiting);

        held.Dispose();
        using var next = await admission.EnterAsync(CancellationToken.None);
        Assert.Equal(new IngestAdmissionStatus(1, 1, 0, 1, 2, 0), admission.Status);
    }

    [Fact]
    public void The_limit_must_be_positive()
    {
        var e = Assert.Throws<FleetProfiler.Hosting.StartupException>(() => new IngestOptions { MaxBatchesInFlight = 0 }.Validate());
        Assert.Contains("MaxBatchesInFlight", e.Message);
    }
}
