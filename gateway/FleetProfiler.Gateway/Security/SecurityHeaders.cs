using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace FleetProfiler.Gateway.Security;

/// <summary>
/// Headers on every HTTP answer: <c>nosniff</c> everywhere, so a profile served as text or JSON is never run as a page,
/// and a Content-Security-Policy on HTML and SVG (flamegraphs, the dashboard). Function names and source paths in a
/// profile are attacker-influenced text: the policy lets the page's own inline script run, but no script from
/// elsewhere, no plugin, no framing and no form posting away. The web app under <c>/app</c> runs no inline script or
/// style at all: its pages get <see cref="WebAppContentSecurityPolicy"/>, which admits scripts (ES modules) and styles
/// only from the gateway itself and lets its own GET forms (range pickers) submit.
/// </summary>
public static class SecurityHeaders
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public const string WebAppContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>Path prefix of the web app's pages and assets.</summary>
    public const string WebAppPath = "/app";

    public static void Apply(HttpResponse response)
    {
        response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        var type = response.ContentType ?? "";
        if (type.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) || type.StartsWith("image/svg+xml", StringComparison.OrdinalIgnoreCase))
        {
            var webApp = response.HttpContext.Request.Path.StartsWithSegments(WebAppPath, StringComparison.Ordinal);
            response.Headers[HeaderNames.ContentSecurityPolicy] = webApp ? WebAppContentSecurityPolicy : ContentSecurityPolicy;
            response.Headers[HeaderNames.XFrameOptions] = "DENY";
        }
    }
}
