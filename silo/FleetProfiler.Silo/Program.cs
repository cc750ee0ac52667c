using FleetProfiler.Gateway.Hosting;
using FleetProfiler.Silo.Hosting;

try
{
    // Settings come from beside the binary, whatever the working directory; relative data paths from the working directory.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    var platform = await SiloHosting.ConfigureAsync(builder);
    var app = builder.Build();
    platform.Map(app);
    await app.StartAsync();
    Console.WriteLine(platform.Banner());
    await app.WaitForShutdownAsync();
    return 0;
}
catch (StartupException e)
{
    Console.Error.WriteLine("fleetprofiler-silo: " + e.Message);
    return 2;
}
