global using FleetProfiler.Abstractions;
global using FleetProfiler.Tests.Infrastructure;
global using Orleans;
global using Xunit;
