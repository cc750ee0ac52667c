namespace FleetProfiler.Gateway.Ingest;

/// <summary>
/// What an exception while applying one batch means for it. A fault of the platform (a silo or the store down, a
/// timeout, the call cancelled) is transient: the stream ends UNAVAILABLE with the batch unacked, and the agent resends
/// it after reconnecting, so nothing acknowledged is lost. Anything else came from the batch itself (a value no check
/// foresaw, a bug its content reaches) and would fail again on every resend: it becomes that batch's rejection, final.
/// </summary>
public static class ApplyFailure
{
    public static bool IsTransient(Exception e) => e switch
    {
        OperationCanceledException or TimeoutException or IOException or System.Net.Sockets.SocketException => true,
        System.Data.Common.DbException => true,
        // Silo unavailable, message rejected, connection failed, storage conflicts: all of Orleans' runtime faults.
        Orleans.Runtime.OrleansException => true,
        // An exception type this process cannot load (a store driver's, thrown in a silo): assume the platform's fault.
        Orleans.Serialization.UnavailableExceptionFallbackException => true,
        // An exception the silo could not even send: Orleans has no codec for the store driver's exceptions
        // (Npgsql.NpgsqlException while PostgreSQL restarts), so the caller gets this instead. Found by the chaos test:
        // classed as final, it dropped acked-worthy windows during a PostgreSQL outage.
        Orleans.Serialization.SerializerException => true,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(IsTransient),
        RpcException => true,
        _ => false,
    };

    /// <summary>The rejection's status code: INVALID_ARGUMENT for a value the batch carried, INTERNAL for anything else.</summary>
    public static StatusCode CodeOf(Exception e) => e is ArgumentException or FormatException or OverflowException or IndexOutOfRangeException
        ? StatusCode.InvalidArgument
        : StatusCode.Internal;

    /// <summary>The rejection's message: the exception's kind and message, short.</summary>
    public static string Describe(Exception e)
    {
        var message = e.Message.Length <= 300 ? e.Message : e.Message[..300] + "…";
        return $"applying the batch failed ({e.GetType().Name}: {message}); it is rejected so it is not resent";
    }
}
