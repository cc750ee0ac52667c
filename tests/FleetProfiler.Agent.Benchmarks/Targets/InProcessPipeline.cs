using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FleetProfiler.Agent.Benchmarks.Targets;

/// <summary>
/// A real ASP.NET Core app (WebApplication, hosting, routing, a minimal-API endpoint writing JSON) in this process,
/// behind a server that hands it requests built in memory instead of Kestrel: the framework's whole per-request path,
/// HostingMetrics included, on one thread with no sockets, so its CPU per request is steady enough to split ~1 %.
/// </summary>
public sealed class InProcessPipeline : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly MemoryServer _server;

    private InProcessPipeline(WebApplication app, MemoryServer server) => (_app, _server) = (app, server);

    /// <param name="path">The route, mapped to the demo's <c>/rare</c> handler (deploy/demo: <c>RareReport.Compute</c>).</param>
    public static async Task<InProcessPipeline> StartAsync(string path)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var server = new MemoryServer(path);
        builder.Services.AddSingleton<IServer>(server);
        var app = builder.Build();
        app.MapGet(path, () => new { answer = string.Join(",", Enumerable.Range(0, 100).Select(i => (i * i).ToString(System.Globalization.CultureInfo.InvariantCulture))) });
        await app.StartAsync();
        return new InProcessPipeline(app, server);
    }

    /// <summary>Runs <paramref name="count"/> requests one after the other on the calling thread.</summary>
    public void Run(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var task = _server.ProcessOne();
            if (!task.IsCompleted)
            {
                throw new InvalidOperationException("the in-memory request did not complete synchronously: its CPU would be on another thread");
            }
            task.GetAwaiter().GetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class MemoryServer(string path) : IServer
    {
        private Func<Task>? _processOne;

        public IFeatureCollection Features { get; } = new FeatureCollection();

        public Task ProcessOne() => _processOne!();

        public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull
        {
            _processOne = async () =>
            {
                var features = new FeatureCollection();
                features.Set<IHttpRequestFeature>(new HttpRequestFeature { Method = "GET", Path = path, Protocol = "HTTP/1.1", Scheme = "http" });
                features.Set<IHttpResponseFeature>(new HttpResponseFeature());
                features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(Stream.Null));
                var context = application.CreateContext(features);
                Exception? error = null;
                try
                {
                    await application.ProcessRequestAsync(context);
                }
                catch (Exception e)
                {
                    error = e;
                    throw;
                }
                finally
                {
                    application.DisposeContext(context, error);
                }
                if (features.Get<IHttpResponseFeature>()!.StatusCode != StatusCodes.Status200OK)
                {
                    throw new InvalidOperationException($"GET {path} answered {features.Get<IHttpResponseFeature>()!.StatusCode}");
                }
            };
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
