global using FleetProfiler.Profiles;
global using FleetProfiler.Profiles.Formats;
global using Xunit;
