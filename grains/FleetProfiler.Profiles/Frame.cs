namespace FleetProfiler.Profiles;

/// <summary>
/// One symbolized stack frame: a function name such as <c>module!Namespace.Type.Method(args)</c>,
/// optionally the source file and line it was executing. <see cref="Line"/> 0 means unknown.
/// Frames are stored interned in a <see cref="FrameTable"/> and referred to by int id.
/// </summary>
public readonly record struct Frame(string Function, string? File = null, int Line = 0)
{
    /// <summary>Function name of the node that <see cref="CallTree.Prune"/> folds small subtrees into.</summary>
    public const string OtherName = "[other]";

    /// <summary>The frame of the <c>[other]</c> nodes created by pruning.</summary>
    public static Frame Other => new(OtherName);

    /// <summary>True for the <c>[other]</c> frame created by pruning.</summary>
    public bool IsOther => File is null && Line == 0 && Function == OtherName;

    /// <summary>
    /// Prefix of the pseudo-frame <c>[alloc] TypeName</c> that names an allocated type. Allocation stacks end with
    /// it, under the allocation site (the innermost real frame), so one tree keeps both the sites and the types.
    /// </summary>
    public const string AllocatedTypePrefix = "[alloc] ";

    /// <summary>The pseudo-frame that names the allocated type <paramref name="typeName"/>.</summary>
    public static Frame AllocatedType(string typeName) => new(AllocatedTypePrefix + typeName);

    /// <summary>True for an <c>[alloc] TypeName</c> pseudo-frame (see <see cref="AllocatedTypePrefix"/>).</summary>
    public bool IsAllocatedType => IsAllocatedTypeName(Function) && File is null && Line == 0;

    /// <summary>True when <paramref name="function"/> is the name of an <c>[alloc] TypeName</c> pseudo-frame.</summary>
    public static bool IsAllocatedTypeName(string function) =>
        function.StartsWith(AllocatedTypePrefix, StringComparison.Ordinal);

    /// <summary>
    /// Prefix of the pseudo-frame <c>[endpoint] METHOD route</c>. A window's samples that ran for a request hang under
    /// one such root per endpoint (and <c>[endpoint] [not in a request]</c>), so the stored trees and every rollup keep
    /// per-endpoint trees; only a root child is an endpoint (see <see cref="CallTree.WithoutEndpoints"/>).
    /// </summary>
    public const string EndpointPrefix = "[endpoint] ";

    /// <summary>The root pseudo-frame of the endpoint <paramref name="endpoint"/> (<c>"GET /items/{id}"</c>).</summary>
    public static Frame Endpoint(string endpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(endpoint);
        return new(EndpointPrefix + endpoint);
    }

    /// <summary>True for an <c>[endpoint] …</c> pseudo-frame (see <see cref="EndpointPrefix"/>).</summary>
    public bool IsEndpoint => IsEndpointName(Function) && File is null && Line == 0;

    /// <summary>True when <paramref name="function"/> is the name of an <c>[endpoint] …</c> pseudo-frame.</summary>
    public static bool IsEndpointName(string function) =>
        function.StartsWith(EndpointPrefix, StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() =>
        File is null ? Function
        : Line > 0 ? $"{Function} ({File}:{Line.ToString(CultureInfo.InvariantCulture)})"
        : $"{Function} ({File})";
}
