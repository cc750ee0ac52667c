using FleetProfiler.Abstractions.Endpoints;
using FleetProfiler.Profiles;

namespace FleetProfiler.Grains.Endpoints;

/// <summary>
/// Adds up <see cref="EndpointFigures"/>: counts and sums add; percentiles are kept as request-weighted sums and
/// divided by the requests at the end (as <see cref="EndpointSummaries"/> does).
/// </summary>
public sealed class FiguresSum
{
    private long _requests, _cpu, _wall, _allocBytes, _allocCount;
    private double _durationSum, _p50, _p95, _p99, _cpuSeconds;
    private int _windows;

    public long CpuSamples => _cpu;

    public void AddRequests(RouteMinute row)
    {
        _requests += row.Requests;
        _durationSum += row.DurationSumMs;
        _p50 += row.P50Ms * row.Requests;
        _p95 += row.P95Ms * row.Requests;
        _p99 += row.P99Ms * row.Requests;
    }

    /// <summary>Samples of a tree (or part of one) whose windows sampled every <paramref name="intervalMs"/>.</summary>
    public void AddSamples(SampleValues values, double intervalMs)
    {
        _cpu += values.CpuSamples;
        _cpuSeconds += values.CpuSamples * intervalMs / 1000;
        _wall += values.WallSamples;
        _allocBytes += values.AllocBytes;
        _allocCount += values.AllocCount;
    }

    public void AddWindows(int windows) => _windows += windows;

    public void Add(FiguresSum other)
    {
        _requests += other._requests;
        _durationSum += other._durationSum;
        _p50 += other._p50;
        _p95 += other._p95;
        _p99 += other._p99;
        _cpu += other._cpu;
        _cpuSeconds += other._cpuSeconds;
        _wall += other._wall;
        _allocBytes += other._allocBytes;
        _allocCount += other._allocCount;
        _windows += other._windows;
    }

    public bool IsEmpty => _requests == 0 && _cpu == 0 && _wall == 0 && _allocBytes == 0 && _allocCount == 0;

    public EndpointFigures ToFigures(int? windows = null) => new(
        _requests, _durationSum,
        _requests == 0 ? 0 : _p50 / _requests, _requests == 0 ? 0 : _p95 / _requests, _requests == 0 ? 0 : _p99 / _requests,
        _cpu, _cpuSeconds, _wall, _allocBytes, _allocCount, windows ?? _windows);
}
