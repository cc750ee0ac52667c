global using System.Diagnostics;
global using System.Globalization;

// procfs, signals, runuser: the kit drives real Linux processes.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
