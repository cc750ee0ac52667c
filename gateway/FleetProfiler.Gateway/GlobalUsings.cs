global using FleetProfiler.Hosting;
global using FleetProfiler.Protocol;
global using Grpc.Core;
global using Microsoft.Extensions.Logging;
global using Orleans;
