global using System.Diagnostics;
global using FleetProfiler.Agent.Discovery;
global using FleetProfiler.Agent.Profiles;
global using FleetProfiler.Agent.Sessions;
global using FleetProfiler.Agent.Symbolization;
global using Microsoft.Extensions.Logging;
global using Microsoft.Extensions.Options;
