// The second dead-code test service: runs the shared code's half B, prints every call site that ran ("executed: ..."),
// then "ready", and waits until the process is stopped.
using FleetProfiler.DeadCodeShared;

Executed.Here();
long acc = 0;
for (var i = 0; i < 1000; i++)
{
    acc += SharedHalfB.SmallB(i);
}
acc += SharedHalfB.LargeB(acc);
foreach (var site in Executed.All())
{
    Console.WriteLine($"executed: {site}");
}
Console.WriteLine($"ready {acc}");
Console.Out.Flush();
Thread.Sleep(Timeout.Infinite);
