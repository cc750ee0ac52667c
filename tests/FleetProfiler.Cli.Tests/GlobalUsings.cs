global using System.Globalization;
global using FleetProfiler.Cli;
global using FleetProfiler.Cli.Arguments;
global using FleetProfiler.Cli.Commands;
global using FleetProfiler.Cli.Connection;
global using FleetProfiler.Cli.Output;
global using FleetProfiler.Cli.Tests.Infrastructure;
global using FleetProfiler.Testing;
global using Xunit;
global using ExitCodes = FleetProfiler.Protocol.ExitCodes;

// The kit drives real Linux processes (procfs, signals, file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
