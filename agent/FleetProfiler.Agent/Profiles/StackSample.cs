namespace FleetProfiler.Agent.Profiles;

/// <summary>
/// Everything a window saw on one stack. <see cref="Frames"/> are root first.
/// For allocation samples <see cref="AllocatedType"/> names the allocated type; it is kept out of
/// <see cref="Frames"/> so consumers can group by type, and folded output renders it as a leaf
/// pseudo-frame <c>[alloc] TypeName</c>. Thread samples and allocation samples of the same stack are
/// separate entries (the allocation one has a type). <see cref="Endpoint"/> is the request the samples ran for
/// (<c>"GET /items/{id}"</c>, <c>[not in a request]</c>; null when the window was not attributed): samples of one stack
/// for different endpoints are separate entries too.
/// </summary>
public sealed record StackSample(IReadOnlyList<Frame> Frames, SampleValues Values, string? AllocatedType = null, string? Endpoint = null);
