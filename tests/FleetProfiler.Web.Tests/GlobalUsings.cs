global using System.Globalization;
global using FleetProfiler.Testing;
global using FleetProfiler.Web.Tests.Infrastructure;
global using Microsoft.Playwright;
global using Xunit;

// The platform benchmarks' window generator (compiled in, Benchmarks/Workload) means the wire Location, not Playwright's.
global using Location = FleetProfiler.Protocol.V1.Location;

// The kit drives real Linux processes (procfs, signals).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
