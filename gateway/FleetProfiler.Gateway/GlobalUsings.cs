global using FleetProfiler.Gateway.Security;
global using FleetProfiler.Hosting;
global using FleetProfiler.Protocol;
global using Grpc.Core;
global using Microsoft.AspNetCore.Authorization;
global using Microsoft.Extensions.Logging;
global using Orleans;
