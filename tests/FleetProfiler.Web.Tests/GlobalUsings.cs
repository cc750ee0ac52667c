global using System.Globalization;
global using FleetProfiler.Testing;
global using FleetProfiler.Web.Tests.Infrastructure;
global using Microsoft.Playwright;
global using Xunit;

// The kit drives real Linux processes (procfs, signals).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
