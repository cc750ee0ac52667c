using FleetProfiler.Gateway.Hosting;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FleetProfiler.Tests.Security;

/// <summary>One HTTP route of the gateway: its method and path, and whether it is open without a key.</summary>
public sealed record HttpRoute(string Method, string Path, bool Anonymous)
{
    public override string ToString() => $"{Method} {Path}";
}

/// <summary>
/// Everything the gateway answers, enumerated rather than listed, so a new gRPC method or HTTP route is attacked by
/// the security tests the day it is added: every method of every service in the wire contract's descriptors, and
/// every route in the endpoint data source of the gateway as <see cref="GatewayHosting.MapFleetGateway"/> maps it.
/// </summary>
public static class GatewaySurface
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    /// <summary>Every method of every service in the FleetProfiler.Protocol assembly's .proto files.</summary>
    public static IReadOnlyList<MethodDescriptor> GrpcMethods { get; } =
        typeof(FleetProfiler.Protocol.ApiKeys).Assembly.GetTypes()
            .Select(t => t.GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            .Where(p => p?.PropertyType == typeof(FileDescriptor))
            .SelectMany(p => ((FileDescriptor)p!.GetValue(null)!).Services)
            .SelectMany(s => s.Methods)
            .OrderBy(m => m.FullName, StringComparer.Ordinal)
            .ToList();

    public static string Name(MethodDescriptor m) => $"{m.Service.Name}.{m.Name}";

    /// <summary>Calls <paramref name="m"/> with an empty request and returns the status it ends with.</summary>
    public static async Task<StatusCode> CallAsync(GrpcChannel channel, MethodDescriptor m)
    {
        var type = (m.IsClientStreaming, m.IsServerStreaming) switch
        {
            (false, false) => MethodType.Unary,
            (false, true) => MethodType.ServerStreaming,
            (true, false) => MethodType.ClientStreaming,
            _ => MethodType.DuplexStreaming,
        };
        var method = new Method<byte[], byte[]>(type, m.Service.FullName, m.Name, Bytes, Bytes);
        var invoker = channel.CreateCallInvoker();
        var options = new CallOptions(deadline: DateTime.UtcNow + TestTimeouts.Step);
        try
        {
            switch (type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(method, null, options, []);
                    break;
                case MethodType.ServerStreaming:
                    using (var call = invoker.AsyncServerStreamingCall(method, null, options, []))
                    {
                        while (await call.ResponseStream.MoveNext())
                        {
                        }
                    }
                    break;
                case MethodType.ClientStreaming:
                    using (var call = invoker.AsyncClientStreamingCall(method, null, options))
                    {
                        await call.ResponseAsync;
                    }
                    break;
                default:
                    // A duplex stream (Ingest.Connect) is refused before any message: read the answer without sending.
                    using (var call = invoker.AsyncDuplexStreamingCall(method, null, options))
                    {
                        while (await call.ResponseStream.MoveNext())
                        {
                        }
                    }
                    break;
            }
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    /// <summary>The HTTP routes (not gRPC methods) the gateway maps, read from its endpoint data source without starting it.</summary>
    public static IReadOnlyList<HttpRoute> HttpRoutes { get; } = ReadHttpRoutes();

    private static List<HttpRoute> ReadHttpRoutes()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.AddFleetGateway(new FleetProfiler.Hosting.ClusterDescription("single-node", "routes", "routes"));
        using var app = builder.Build();
        app.MapFleetGateway();
        return ((IEndpointRouteBuilder)app).DataSources
            .SelectMany(d => d.Endpoints)
            .OfType<RouteEndpoint>()
            .Where(e => !e.Metadata.Any(m => m.GetType().Name == "GrpcMethodMetadata"))
            .Where(e => e.RoutePattern.RawText is { } raw && !raw.Contains("{unimplemented", StringComparison.Ordinal))
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => new HttpRoute(method, "/" + System.Text.RegularExpressions.Regex.Replace(e.RoutePattern.RawText!.TrimStart('/'), @"\{[^}]+\}", "x"), e.Metadata.GetMetadata<IAllowAnonymous>() is not null)))
            .OrderBy(r => r.Path, StringComparer.Ordinal)
            .ToList();
    }
}
