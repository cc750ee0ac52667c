using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;

namespace FleetProfiler.Gateway.Query;

/// <summary>Query-string parsing and error mapping shared by the JSON /api routes of the query side.</summary>
public static class HttpArguments
{
    /// <summary>The proto3 JSON mapping of the /api replies: camelCase, 64-bit integers as strings, zero values included.</summary>
    public static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    /// <summary>The reply of <paramref name="call"/> as JSON, or its <see cref="RpcException"/> as <see cref="Error"/>.</summary>
    public static async Task<IResult> JsonAsync<T>(Func<Task<T>> call) where T : IMessage
    {
        try
        {
            return Results.Text(Json.Format(await call()), "application/json");
        }
        catch (RpcException e)
        {
            return Error(e);
        }
    }

    public static int Int(string? value, string name) =>
        string.IsNullOrEmpty(value) ? 0
        : int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
        : throw QueryArguments.Invalid($"{name}: '{value}' is not a whole number");

    public static Timestamp Time(string? value, string name) =>
        string.IsNullOrEmpty(value) ? throw QueryArguments.Invalid($"{name}: required (ISO 8601)")
        : DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var t) ? Timestamp.FromDateTimeOffset(t)
        : throw QueryArguments.Invalid($"{name}: '{value}' is not an ISO 8601 time");

    /// <summary>400 for a bad argument, 404 for something unknown, else 500; the message as plain text.</summary>
    public static IResult Error(RpcException e) => Results.Text(e.Status.Detail + "\n", "text/plain", statusCode: e.StatusCode switch
    {
        StatusCode.InvalidArgument => 400,
        StatusCode.NotFound => 404,
        StatusCode.FailedPrecondition => 409,
        _ => 500,
    });
}
