global using System.Diagnostics;
global using FleetProfiler.Agent;
global using FleetProfiler.Agent.LiveHeap;
global using FleetProfiler.Agent.Profiles;
global using FleetProfiler.Agent.Tests.Infrastructure;
global using FleetProfiler.Profiles;
global using FleetProfiler.Protocol.V1;
global using FleetProfiler.Testing;
global using Xunit;
global using ExitCodes = FleetProfiler.Protocol.ExitCodes;

// Real processes (the demo service, agents, the platform) share two cores: one test at a time keeps windows and
// timings representative.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

// procfs, real-time signals, runuser: these tests need Linux.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
