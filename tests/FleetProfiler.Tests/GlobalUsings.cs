global using FleetProfiler.Abstractions;
global using FleetProfiler.Testing;
global using FleetProfiler.Tests.Infrastructure;
global using Orleans;
global using Xunit;

// The kit drives real Linux processes (procfs, signals, file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
