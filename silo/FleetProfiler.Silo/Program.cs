using FleetProfiler.Hosting;
using FleetProfiler.Protocol;
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
    return ExitCodes.Ok;
}
catch (StartupException e)
{
    Console.Error.WriteLine("fleetprofiler-silo: " + e.Message);
    return e.ExitCode;
}
