global using FleetProfiler.Testing;
global using FleetProfiler.Testing.Benchmarks;

// The kit drives real Linux processes (procfs, signals, file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
