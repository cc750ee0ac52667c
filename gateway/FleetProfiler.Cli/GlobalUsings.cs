global using System.Globalization;
global using FleetProfiler.Cli.Arguments;
global using FleetProfiler.Cli.Commands;
global using FleetProfiler.Cli.Connection;
global using FleetProfiler.Cli.Output;
global using FleetProfiler.Profiles;
global using ExitCodes = FleetProfiler.Protocol.ExitCodes;
