using System.Reflection;
using System.Security.Cryptography;
using FleetProfiler.Gateway.Status;
using FleetProfiler.Gateway.Web.Components;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Net.Http.Headers;

namespace FleetProfiler.Gateway.Web;

/// <summary>
/// The web app on the browser port under <c>/app</c>: Razor components rendered on the server (static SSR, no
/// WebSocket, no WebAssembly) over the same query services as the gRPC API, and the CSS and ES modules of
/// <c>wwwroot/app/</c>, embedded in this assembly. Every page and asset takes a reader key like the JSON routes
/// (the fallback policy); a browser sends it as the Basic password.
/// </summary>
public static class WebAppHosting
{
    private const string ResourcePrefix = "webapp/";

    public static WebApplicationBuilder AddFleetWebApp(this WebApplicationBuilder builder)
    {
        builder.Services.AddRazorComponents();
        builder.Services.TryAddSingleton<StatusService>();
        builder.Services.AddSingleton<Insights.FleetInsights>();
        builder.Services.AddSingleton<Insights.ServiceInsights>();
        builder.Services.AddSingleton<Insights.EndpointInsights>();
        return builder;
    }

    public static WebApplication MapFleetWebApp(this WebApplication app)
    {
        // Razor component endpoints carry antiforgery metadata; the pages post nothing, but the endpoint middleware
        // insists on the antiforgery middleware being present.
        app.UseAntiforgery();
        MapAssets(app);
        app.MapRazorComponents<App>();
        return app;
    }

    /// <summary>One GET route per embedded file (<c>wwwroot/app/x.js</c> at <c>/app/x.js</c>), revalidated by ETag.</summary>
    private static void MapAssets(IEndpointRouteBuilder app)
    {
        var assembly = typeof(WebAppHosting).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var asset = Asset.Load(assembly, name);
            app.MapGet(SecurityHeaders.WebAppPath + "/" + name[ResourcePrefix.Length..], (HttpContext http) =>
            {
                http.Response.Headers[HeaderNames.ETag] = asset.ETag;
                // Revalidate every load (a 304 on loopback costs a millisecond) so a new gateway build is never mixed with old modules.
                http.Response.Headers[HeaderNames.CacheControl] = "no-cache";
                if (http.Request.Headers.IfNoneMatch == asset.ETag) return Results.StatusCode(StatusCodes.Status304NotModified);
                return Results.Bytes(asset.Content, asset.ContentType);
            });
        }
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag)
    {
        public static Asset Load(Assembly assembly, string name)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var type = Path.GetExtension(name) switch
            {
                ".js" => "text/javascript; charset=utf-8",
                ".css" => "text/css; charset=utf-8",
                ".svg" => "image/svg+xml",
                ".json" => "application/json",
                _ => "application/octet-stream",
            };
            return new Asset(content, type, "\"" + Convert.ToHexString(SHA256.HashData(content))[..16] + "\"");
        }
    }
}
